"""Shared pieces of the JVM tests: the tools (skip, or fail under CI, without them), every twin on
disk, and the Python example's outcome computed once per session for each twin to be compared with."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.jvm import LANGUAGES, MissingTool, find_tools
from engine.jvm.maven import Tools
from engine.runs.runner import RunResult, run_example
from engine.runs.scenario import load_scenario
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


@pytest.fixture(scope="session")
def python_outcomes() -> dict[Path, RunResult]:
    """The Python example's run, once per session per example (filled on demand)."""
    return {}


def run_python(script: Path, cache: dict[Path, RunResult]) -> RunResult:
    if script not in cache:
        cache[script] = run_example(script, load_scenario(script.with_suffix(".yaml")), sandbox_events=False)
    return cache[script]


def twin_id(path: Path) -> str:
    return f"{path.parent.parent.name[:2]}/{path.name}"
