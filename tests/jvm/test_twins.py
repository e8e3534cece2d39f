"""Every JVM twin of a lesson example reaches the same outcome as the Python example under the
same scenario: messages lost or not, duplicated or not, and the lesson's expectations met.

Counts can differ between clients (how many records share a resent batch depends on the client's
batching), so what is compared is what the lesson teaches: whether anything is lost, whether
anything is duplicated, and whether the scenario's `expect:` holds for both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.jvm import LANGUAGES, compile_source
from engine.runs.runner import run_example
from engine.runs.scenario import load_scenario
from tests.example_runs import ExampleRuns
from tests.jvm.conftest import ALL_LANGUAGE_LESSONS, EXAMPLES, TWINS, twin_id
from tests.paths import ROOT


def test_every_python_example_has_a_java_twin():
    missing = [str(p.relative_to(ROOT)) for p in EXAMPLES if not p.with_suffix(".java").is_file()]
    assert not missing, f"examples without a Java twin: {missing}"


@pytest.mark.parametrize("lesson", ALL_LANGUAGE_LESSONS)
def test_core_lessons_have_every_language(lesson):
    scripts = sorted((ROOT / "lessons" / lesson / "examples").glob("*.py"))
    assert scripts, f"{lesson} has no examples"
    missing = [f"{p.stem}{lang.extension}" for p in scripts for lang in LANGUAGES.values()
               if not p.with_suffix(lang.extension).is_file()]
    assert not missing, f"{lesson} lacks: {missing}"


def test_every_twin_has_a_python_example_and_scenario():
    for twin in TWINS:
        assert twin.with_suffix(".py").is_file(), f"{twin}: no Python example of that name"
        assert twin.with_suffix(".yaml").is_file(), f"{twin}: no scenario of that name"


@pytest.mark.slow
@pytest.mark.parametrize("twin", TWINS, ids=twin_id)
def test_twin_matches_the_python_example(twin: Path, tools, example_runs: ExampleRuns):
    compiled = compile_source(twin, tools)  # once per source: later sessions start from the cache
    assert compiled.classes.is_dir()
    scenario = load_scenario(twin.with_suffix(".yaml"))
    jvm = run_example(twin, scenario, sandbox_events=False)
    py = example_runs.get(twin.with_suffix(".py"))
    tail = "\n".join(jvm.output[-15:])
    assert jvm.exit_code == 0 and not jvm.timed_out, f"{twin.name} exited {jvm.exit_code}:\n{tail}"
    assert py.exit_code == 0 and not py.timed_out
    j, p = jvm.outcome, py.outcome
    assert j.sent == p.sent, f"{twin.name} sent {j.sent}, the Python example {p.sent}"
    assert (j.lost > 0) == (p.lost > 0), f"{twin.name}: lost {j.lost} ({j.lost_ids[:5]}), Python lost {p.lost}"
    assert (j.duplicates > 0) == (p.duplicates > 0), \
        f"{twin.name}: duplicates {j.duplicates} ({j.duplicate_ids[:5]}), Python {p.duplicates}"
    unmet = [f"{e} (got {actual})" for e, actual, ok in jvm.checks if not ok]
    assert not unmet, f"{twin.name} misses the lesson's expectations: {unmet}\n{tail}"
    assert py.expectations_met

