"""Every self-check exercise of the course fails on its starting script, with feedback that
teaches, and passes on its reference solution, under its scenario's faults (real clients)."""

from __future__ import annotations

import pytest

from engine.runs.exercises import check, load_exercises
from engine.paths import course_dir

EXERCISES, PROBLEMS = load_exercises(course_dir())


def test_every_exercise_loads() -> None:
    assert not PROBLEMS, "\n".join(str(p) for p in PROBLEMS)
    assert len(EXERCISES) >= 5
    assert all(e.hints and e.feedback and e.lesson for e in EXERCISES)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_start_fails_and_solution_passes(exercise) -> None:
    start = check(exercise, exercise.start)
    assert not start.passed, f"the starting script already passes: {start.feedback}"
    assert start.run.exit_code == 0 and not start.run.timed_out, start.run.output[-10:]
    # The feedback is the exercise's own explanation, not the generic fallback.
    assert start.feedback and all("does not hold" not in msg for msg in start.feedback), start.feedback
    solution = check(exercise, exercise.solution)
    assert solution.passed, f"{solution.feedback}\n{solution.run.output[-10:]}"
