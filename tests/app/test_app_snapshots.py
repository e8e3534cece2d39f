"""Snapshots of the main screens at fixed sizes (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

from tests.app.apphelpers import FIXTURE_COURSE, loaded, wait_for, showing

from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.screens.quiz import QuizScreen
from course.widgets.messages import OpenLesson


async def outline_ready(pilot) -> None:
    await loaded(pilot)
    await pilot.pause()


def open_lesson(lesson_id: str):
    async def run_before(pilot) -> None:
        app = await loaded(pilot)
        app.post_message(OpenLesson(lesson_id))
        await wait_for(pilot, lambda: showing(app, lesson_id))
        await pilot.pause()

    return run_before


async def quiz_feedback(pilot) -> None:
    await open_lesson("02-acks")(pilot)
    await pilot.press("t")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query("#question"))
    await pilot.press("down", "space", "s")
    await wait_for(pilot, lambda: app.screen.submitted)
    await pilot.pause()


def test_outline_100x32(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(100, 32), run_before=outline_ready)


def test_outline_80x24(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(80, 24), run_before=outline_ready)


def test_lesson_with_code_tabs_and_diagram_100x32(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(100, 32), run_before=open_lesson("01-first-steps"))


def test_quiz_feedback_100x32(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(100, 32), run_before=quiz_feedback)
