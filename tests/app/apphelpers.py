"""Helpers for the app's tests ."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any, Awaitable, Callable

from textual.pilot import Pilot

from course.app import CourseApp
from tests.paths import FIXTURES

FIXTURE_COURSE = FIXTURES / "app_course"


def run_async(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (the suite has no async test plugin)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def wait_for(pilot: Pilot, condition: Callable[[], object], what: str = "condition") -> None:
    """Let the app run until `condition()` holds; fail after a generous bound (a loaded machine)."""
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


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
