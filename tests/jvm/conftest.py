"""Shared pieces of the JVM tests: the tools (skip, or fail under CI, without them), every twin on
disk. The Python example's run each twin is compared with is the session's one run of it
(the `example_runs` fixture of tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.jvm import LANGUAGES, MissingTool, find_tools
from engine.jvm.maven import Tools
from tests.paths import ROOT

EXAMPLES = sorted(ROOT.glob("lessons/*/examples/*.py"))
TWINS = sorted(p for lang in LANGUAGES.values() for p in ROOT.glob(f"lessons/*/examples/*{lang.extension}"))
# The lessons whose examples exist in all four JVM languages (the others have a Java twin only).
ALL_LANGUAGE_LESSONS = ("02-at-most-once", "03-at-least-once", "05-idempotent-producer", "07-exactly-once-pipelines")


def jvm_tools() -> Tools:
    """java, javac and mvn, or a skip naming what to install; under CI=true a missing tool fails."""
    try:
        return find_tools(("java", "javac", "mvn"), "the JVM twin tests")
    except MissingTool as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the JVM tests: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def tools() -> Tools:
    return jvm_tools()


def twin_id(path: Path) -> str:
    return f"{path.parent.parent.name[:2]}/{path.name}"
