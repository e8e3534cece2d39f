"""Where the suite's files are: the checkout, the fixture folders, and the optional book corpus."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# The section pages the course was grown from, kept beside the checkout when available; tests
# that read them skip with a reason when they are absent.
CORPUS = ROOT.parent / "shared" / "corpus" / "kafka"
