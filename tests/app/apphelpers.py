"""Helpers for the app's tests ."""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from textual.pilot import Pilot, WaitForScreenTimeout

from course.app import CourseApp
from tests.paths import FIXTURES

FIXTURE_COURSE = FIXTURES / "app_course"


def run_async(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (the suite has no async test plugin)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def wait_for(pilot: Pilot, condition: Callable[[], object], what: str = "condition",
                   timeout: float = 180.0) -> None:
    """Let the app run until `condition()` holds; fail after a generous bound (a loaded machine).

    `pilot.pause` itself gives up after 30 s when the screen still has messages to process (a long
    lesson mounting on a busy machine): that is not a failure here, only the overall bound is.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        try:
            await pilot.pause(0.05)
        except WaitForScreenTimeout:
            pass


async def loaded(pilot: Pilot) -> CourseApp:
    """Wait until the course and progress are loaded and the outline shows them."""
    app = pilot.app
    assert isinstance(app, CourseApp)
    await wait_for(pilot, lambda: app.course is not None, "the course to load")
    await wait_for(pilot, lambda: app.screen_stack[0].query_one("#outline-body").display, "the outline")
    await pilot.pause()
    return app


def showing(app: Any, lesson_id: str | None = None) -> bool:
    """The lesson screen is on top with `lesson_id`'s widgets mounted (not merely asked for)."""
    from course.screens.lesson import LessonScreen

    screen = app.screen
    return (isinstance(screen, LessonScreen) and screen.shown is not None
            and (lesson_id is None or screen.shown == lesson_id))


async def saved(pilot: Pilot) -> None:
    """Wait until every pending progress save has finished."""
    app = pilot.app
    await app.workers.wait_for_complete([w for w in app.workers if w.group == "save"])
    await pilot.pause()


async def open_examples(pilot: Pilot, lesson_id: str) -> Any:
    """Open `lesson_id`, then its Examples tab; the run panel once its first example is loaded."""
    from textual.widgets import TabbedContent, TextArea

    from course.widgets.messages import OpenLesson
    from course.widgets.run_panel import RunPanel

    app = await loaded(pilot)
    app.post_message(OpenLesson(lesson_id))
    await wait_for(pilot, lambda: showing(app, lesson_id), f"lesson {lesson_id}")
    await pilot.pause()
    await pilot.press("e")
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one("#lesson-tabs", TabbedContent).active == "run", "the Examples tab")
    panel = screen.query_one(RunPanel)
    await wait_for(pilot, lambda: panel.scenario is not None and panel.query_one("#run-editor", TextArea).text,
                   "the example to load")
    await pilot.pause()
    return panel
