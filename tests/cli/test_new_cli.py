"""`course new lesson|quiz|exercise`: the starting files pass `course validate`, and they run."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from course.cli import main
from engine.schemas import MODELINE, load_schema


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def course(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "mycourse"
    root.mkdir()
    assert _run(["new", "lesson", "01-first-steps", "--course", str(root)], capsys)[0] == 0
    # the top-level --course works too
    assert _run(["--course", str(root), "new", "quiz", "01-first-steps"], capsys)[0] == 0
    assert _run(["new", "exercise", "no-loss", "--course", str(root), "--lesson", "01-first-steps"], capsys)[0] == 0
    return root


def test_new_files_pass_validate_without_warnings(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["validate", str(course), "--json"], capsys)
    report = json.loads(out)
    assert code == 0
    assert (report["lessons"], report["quizzes"], report["questions"]) == (1, 1, 3)
    assert report["errors"] == [] and report["warnings"] == []
    quiz = yaml.safe_load((course / "quizzes" / "01-first-steps.yaml").read_text())
    assert [q["kind"] for q in quiz["questions"]] == ["single", "multiple", "order"]
    assert quiz["lesson"] == "01-first-steps"  # found: the lesson of that name exists


def test_new_yaml_names_a_schema_that_exists_and_accepts_it(course: Path) -> None:
    for path, name in [(course / "quizzes" / "01-first-steps.yaml", "quiz"),
                       (course / "lessons" / "01-first-steps" / "examples" / "first-run.yaml", "scenario"),
                       (course / "exercises" / "no-loss" / "scenario.yaml", "scenario"),
                       (course / "exercises" / "no-loss" / "exercise.yaml", "exercise")]:
        first = path.read_text().split("\n", 1)[0]
        assert first.startswith(MODELINE)
        assert (path.parent / first[len(MODELINE):]).resolve().name == f"{name}.schema.json"
        assert (path.parent / first[len(MODELINE):]).is_file()
        jsonschema.Draft202012Validator(load_schema(name)).validate(yaml.safe_load(path.read_text()))


def test_new_never_overwrites(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = course / "lessons" / "01-first-steps" / "index.md"
    index.write_text(index.read_text() + "\nMy own words.\n")
    code, _, err = _run(["new", "lesson", "01-first-steps", "--course", str(course)], capsys)
    assert code == 2 and "already exists" in err
    assert "My own words." in index.read_text()


def test_bad_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["new", "quiz", "My Quiz", "--course", str(tmp_path)], capsys)
    assert code == 2 and "lowercase letters, digits and dashes" in err
    assert not (tmp_path / "quizzes").exists()


def test_second_lesson_comes_after_the_first(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["new", "lesson", "02-next", "--course", str(course)], capsys)[0] == 0
    from engine.content.course import load_course

    assert [lesson.id for lesson in load_course(course).lessons()] == ["01-first-steps", "02-next"]


@pytest.mark.slow
def test_new_lesson_example_runs_and_meets_its_scenario(course: Path) -> None:
    from engine.content.examples import find_example
    from engine.runs.runner import run_example
    from engine.runs.scenario import load_scenario

    script, scenario = find_example("01-first-steps", root=course)
    assert scenario is not None
    result = run_example(script, load_scenario(scenario))
    assert result.exit_code == 0 and not result.timed_out, result.output[-5:]
    assert result.faults  # the dropped request really was injected
    assert result.checks and all(met for _, _, met in result.checks), result.checks


@pytest.mark.slow
def test_new_exercise_start_fails_and_solution_passes(course: Path) -> None:
    from engine.runs.exercises import check, load_exercise

    exercise = load_exercise(course / "exercises" / "no-loss")
    start = check(exercise, exercise.start)
    assert not start.passed and start.run.outcome.lost > 0
    assert "missing from the log" in start.feedback[0]
    assert check(exercise, exercise.solution).passed


def test_new_lesson_names_the_keys_the_app_binds(course: Path) -> None:
    """The page tells the learner how to run its example: those keys must be the app's."""
    from course.screens.lesson import LessonScreen
    from course.widgets.run_panel import RunPanel

    page = (course / "lessons" / "01-first-steps" / "index.md").read_text(encoding="utf-8")
    actions = {b.key: b.action for b in [*LessonScreen.BINDINGS, *RunPanel.BINDINGS] if hasattr(b, "key")}
    assert "Examples tab (`e`)" in page and actions.get("e") == "examples"
    assert "Run (`ctrl+r`)" in page and actions.get("ctrl+r") == "run"
