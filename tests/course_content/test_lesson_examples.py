"""Every runnable example of the course, run under its scenario: the outcome the lesson states holds.

Real confluent-kafka scripts against a fresh sandbox each (run once per session: the JVM twins
and the real-Kafka oracle compare against the same run); counts come from the log and the
scripts' own delivery reports (engine.runs.outcome), never from the scenario's `expect:`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.content.course import load_course
from engine.paths import course_dir
from engine.runs.scenario import load_scenario
from tests.example_runs import ExampleRuns

ROOT = course_dir()
EXAMPLES = sorted((ROOT / "lessons").glob("*/examples/*.py"))


def test_every_lesson_lists_examples_that_exist() -> None:
    course = load_course(ROOT)
    listed = {Path(e.script).resolve() for lesson in course.lessons() for e in lesson.examples}
    assert listed == {p.resolve() for p in EXAMPLES}
    assert all(p.with_suffix(".yaml").is_file() for p in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_example_shows_what_its_lesson_says(script: Path, example_runs: ExampleRuns) -> None:
    scenario = load_scenario(script.with_suffix(".yaml"))
    assert scenario.expect, "a runnable example states the outcome the learner will see"
    result = example_runs.get(script)
    tail = "\n".join(result.output[-15:])
    assert not result.timed_out, f"killed at {scenario.timeout} s:\n{tail}"
    assert result.exit_code == 0, tail
    unmet = [f"{e} (got {actual})" for e, actual, ok in result.checks if not ok]
    assert not unmet, f"{unmet}\nfaults: {result.faults}\n{tail}"
