"""Exercises in the app: the lesson's exercise opens, the copy is edited and checked (the verdict of
`course check`), hints one at a time, the solution after a pass, watch mode, the outline's status."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TabbedContent, TextArea

from course.app import CourseApp
from course.screens.exercise import ExerciseScreen
from course.screens.help import HelpScreen
from course.widgets.messages import OpenLesson
from course.widgets.next_step import NextSteps
from engine.learner.progress import ProgressStore
from tests.app.apphelpers import loaded, run_async, saved, showing, wait_for

START = '''"""Say what was sent; acknowledge nothing (not yet)."""
print("sent e-1", flush=True)
'''
SOLUTION = '''"""Say what was sent and that it was acknowledged."""
print("sent e-1", flush=True)
print("acked e-1 0 0", flush=True)
'''


def add_exercise(course_root: Path, lesson: str = "01-first-steps") -> Path:
    """A small exercise for `lesson`: it passes when every message sent is acknowledged."""
    folder = course_root / "exercises" / "say-acked"
    folder.mkdir(parents=True)
    (folder / "exercise.yaml").write_text(
        f"title: Acknowledge what you send\nlesson: {lesson}\ndescription: Every message sent is acknowledged.\n"
        "pass: acknowledged == sent\nhints:\n  - What does the script print after sending?\n"
        "  - Print an `acked` line for the message.\n"
        "feedback:\n  acknowledged: \"Only {acknowledged} of {sent} acknowledged.\"\n")
    (folder / "start.py").write_text(START)
    (folder / "solution.py").write_text(SOLUTION)
    (folder / "scenario.yaml").write_text(
        "title: One broker\nbrokers: 1\ntimeout: 60\ntopics:\n  - {name: orders, partitions: 1, replication_factor: 1}\n")
    return folder


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "workspace"
    monkeypatch.setenv("COURSE_WORKSPACE", str(ws))
    return ws


def on_screen(widget) -> bool:
    region = widget.region
    return bool(region.height) and widget.screen.region.contains_region(region)


async def open_exercise(pilot, app: CourseApp) -> ExerciseScreen:
    await loaded(pilot)
    await wait_for(pilot, lambda: app.exercises, "the exercises")
    app.post_message(OpenLesson("01-first-steps"))
    await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson")
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(app.screen, ExerciseScreen) and app.screen.saved_text is not None,
                   "the exercise")
    return app.screen  # type: ignore[return-value]


@run_async
async def test_an_exercise_from_its_lesson_to_a_pass(course_root: Path, workspace: Path) -> None:
    """At 80x24, where the task, the verdict and the run's log do not fit on one screen."""
    add_exercise(course_root)
    app = CourseApp(course_root)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_exercise(pilot, app)
        editor = screen.query_one("#editor", TextArea)
        assert editor.text == START and (workspace / "say-acked.py").read_text() == START
        assert screen.query_one("#solution").disabled  # not before a pass

        await pilot.press("ctrl+g")  # the solution: refused
        assert screen.query_one("#exercise-tabs", TabbedContent).active != "solution"
        await pilot.press("ctrl+t")  # one hint
        await wait_for(pilot, lambda: "1 of 2" in screen.query_one("#hints").source, "the first hint")
        assert "Print an" not in screen.query_one("#hints").source

        await pilot.press("ctrl+r")  # check the starting script: not yet
        await wait_for(pilot, lambda: screen.result is not None, "the first check", timeout=300)
        assert not screen.result.passed
        assert "`acknowledged == sent` does not hold" in screen.query_one("#verdict").source  # course check's words
        assert "NOT YET" in str(screen.query_one("#check-status").content)

        screen.query_one("#exercise-tabs", TabbedContent).active = "code"
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.press(*'print("acked e-1 0 0", flush=True)', "enter")
        first = screen.result
        await pilot.press("ctrl+r")  # saves the edit, then checks it
        await wait_for(pilot, lambda: screen.result is not first, "the second check", timeout=300)
        assert screen.result.passed, screen.result.feedback
        assert 'print("acked e-1 0 0"' in (workspace / "say-acked.py").read_text()
        # `result` is set before the verdict is drawn: the tab opens a moment later.
        await wait_for(pilot, lambda: not screen.query_one("#solution").disabled, "the solution tab to open")
        await wait_for(pilot, lambda: screen.query(NextSteps), "the next step")
        assert screen.query_one(NextSteps).steps[0].kind == "lesson"  # on to the next lesson
        # The pass and where to go next are in sight, and enter takes the learner there.
        await wait_for(pilot, lambda: on_screen(screen.query_one("#step-0")), "the next step scrolled into view")
        assert app.focused is screen.query_one("#step-0")
        assert screen.query_one("#verdict").region.y < screen.query_one(NextSteps).region.y
        assert screen.query_one(NextSteps).region.y < screen.query_one("#check-log").region.y
        await pilot.press("ctrl+g")
        assert screen.query_one("#exercise-tabs", TabbedContent).active == "solution"
        assert screen.query_one("#solution-code", TextArea).text == SOLUTION
        await saved(pilot)
    result = ProgressStore.for_course(course_root).load().exercises["say-acked"]
    assert (result.passed, result.checks, result.hints_shown) == (True, 2, 1)


@run_async
async def test_watch_mode_checks_again_when_the_file_is_saved_elsewhere(course_root: Path, workspace: Path) -> None:
    add_exercise(course_root)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_exercise(pilot, app)
        await pilot.press("ctrl+f")
        assert screen.watching
        (workspace / "say-acked.py").write_text(SOLUTION)  # another editor saves the file
        await wait_for(pilot, lambda: screen.result is not None, "the check the save started", timeout=300)
        assert screen.result.passed
        assert screen.query_one("#editor", TextArea).text == SOLUTION  # the view follows the file


@run_async
async def test_outline_shows_exercise_status_and_what_is_left(course_root: Path, workspace: Path) -> None:
    from tests.app.test_app_outline import labels

    add_exercise(course_root)
    store = ProgressStore.for_course(course_root)
    progress = store.load()
    progress.mark_done("01-first-steps")
    store.save(progress)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: "exercise" in labels(app)["01-first-steps"], "the exercise badge")
        assert labels(app)["01-first-steps"] == "◐ First steps  exercise"  # marked, but the exercise is left
        app.screen.select_lesson("01-first-steps")
        await wait_for(pilot, lambda: "First steps" in str(app.screen.query_one("#lesson-details").content),
                       "the lesson's details")
        details = str(app.screen.query_one("#lesson-details").content)
        assert "left to do: pass the exercise" in details and "x do the exercise" in details
        assert "0 of 3 lessons done" in str(app.screen.query_one("#progress-label").content)
    progress = store.load()
    progress.record_exercise("say-acked", True)
    store.save(progress)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: "exercise" in labels(app)["01-first-steps"], "the exercise badge")
        assert labels(app)["01-first-steps"] == "✓ First steps  exercise ✓"
        assert "1 of 3 lessons done" in str(app.screen.query_one("#progress-label").content)


@run_async
async def test_help_lists_the_exercise_keys_from_its_bindings(course_root: Path, workspace: Path) -> None:
    add_exercise(course_root)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_exercise(pilot, app)
        screen.query_one("#check-button").focus()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = app.screen.query_one("Markdown").source
        for row in ("| `^r` | Check |", "| `^t` | Hint |", "| `^f` | Watch |", "| `?` | Help |"):
            assert row in text, text


@run_async
async def test_f1_opens_the_keys_from_inside_the_editor_60x20(course_root: Path, workspace: Path) -> None:
    """`?` types a question mark while editing; f1 still lists the keys, the editor's own among them."""
    add_exercise(course_root)
    app = CourseApp(course_root)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_exercise(pilot, app)
        screen.query_one("#exercise-tabs", TabbedContent).active = "code"
        editor = screen.query_one("#editor", TextArea)
        editor.focus()
        await pilot.pause()
        # At 60x20 the buttons are one row high and all four are on screen.
        for button in screen.query("#exercise-buttons Button"):
            assert button.region.height == 1 and screen.region.contains_region(button.region), button.id
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "?" in editor.text, "the question mark typed")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = app.screen.query_one("Markdown").source
        assert "| `f7` | Select all |" in text.replace("F7", "f7"), text


@run_async
async def test_help_lists_the_exercise_key_only_where_it_opens_one(course_root: Path, workspace: Path) -> None:
    """`x` is listed over the lesson whose exercise it opens, not over that lesson's quiz, where it does nothing."""
    add_exercise(course_root, lesson="02-acks")
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app.exercises, "the exercises")
        app.post_message(OpenLesson("02-acks"))
        await wait_for(pilot, lambda: showing(app, "02-acks"), "the lesson")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "| `x` | Exercise |" in app.screen.query_one("Markdown").source
        await pilot.press("escape")
        await wait_for(pilot, lambda: showing(app, "02-acks"), "the lesson again")
        await pilot.press("t")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "QuizScreen", "the quiz")
        await pilot.press("x")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuizScreen"  # x does nothing here ...
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "Exercise" not in app.screen.query_one("Markdown").source  # ... so it is not listed
