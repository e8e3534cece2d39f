"""The command line's basics, run as a user would run them (a real subprocess)."""

import subprocess
import sys

from engine import __version__


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", *args], capture_output=True, text=True, timeout=60)


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"course {__version__}"


def test_help_lists_usage() -> None:
    out = run("--help")
    assert out.returncode == 0
    assert "usage: course" in out.stdout
