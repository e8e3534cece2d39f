"""Lesson opening: how soon a lesson's text is on screen, and how soon its Examples tab is.

For each round the app runs headless (Textual's run_test, 100x32, a fresh XDG data dir), loads the
course, then
  - text:     from posting OpenLesson to the reader's first Markdown block mounted and painted
              (the learner can start reading; the rest of a long lesson may still be mounting);
  - complete: ... to the whole lesson mounted (LessonScreen.shown: anchors can be reached);
  - examples: from pressing `e` to the run panel built with the example's code in the editor,
              at once (the lesson just mounted) and after reading (a second app, `e` pressed once
              the panel was built off-screen).
Prints the median and range (min-max) per lesson, in seconds, and the text/complete ratio.

    .venv/bin/python benchmarks/lesson_open.py [--runs N] [--lesson ID ...]

Targets (a machine with 2 shared cores): text within 0.3 s, examples within 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_LESSONS = ["04-acks-and-replication", "10-errors-and-recovery"]


async def wait(pilot, condition, bound: float = 120.0) -> float:
    """Seconds until `condition()` holds, polling the app between frames."""
    from textual.pilot import WaitForScreenTimeout

    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > bound:
            raise TimeoutError("condition not met")
        try:
            await pilot.pause(0.005)
        except WaitForScreenTimeout:
            pass
    return time.perf_counter() - started


async def one_round(lesson_id: str) -> tuple[float, float, float, float]:
    from textual.widgets import Markdown, TextArea

    from course.app import CourseApp
    from course.screens.lesson import LessonScreen
    from course.widgets.messages import OpenLesson
    from course.widgets.run_panel import RunPanel
    from engine import paths

    app = CourseApp(paths.course_dir())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait(pilot, lambda: app.course is not None)
        await pilot.pause()

        def first_text() -> bool:
            screen = app.screen
            if not isinstance(screen, LessonScreen):
                return False
            blocks = list(screen.query("#reader Markdown").results(Markdown))
            return bool(blocks) and bool(blocks[0].children) and blocks[0].region.height > 0

        started = time.perf_counter()
        app.post_message(OpenLesson(lesson_id))
        await wait(pilot, first_text)
        text = time.perf_counter() - started
        await wait(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.shown == lesson_id)
        complete = time.perf_counter() - started
        await pilot.pause()

        def examples_ready() -> bool:
            panels = list(app.screen.query(RunPanel))
            return bool(panels) and panels[0]._built and bool(panels[0].query_one("#run-editor", TextArea).text) \
                and panels[0].query_one("#run-editor").region.height > 0

        started = time.perf_counter()
        await pilot.press("e")
        await wait(pilot, examples_ready)
        examples = time.perf_counter() - started
    # Again, with a learner who reads for a while first: the panel is built off-screen meanwhile.
    app = CourseApp(paths.course_dir())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait(pilot, lambda: app.course is not None)
        app.post_message(OpenLesson(lesson_id))
        await wait(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.shown == lesson_id)
        panel = app.screen.query_one(RunPanel)
        if hasattr(panel, "prepare"):  # (older commits build the panel only when shown)
            await wait(pilot, lambda: panel._built)
        await pilot.pause(1.0)
        started = time.perf_counter()
        await pilot.press("e")
        await wait(pilot, examples_ready)
        after_reading = time.perf_counter() - started
    return text, complete, examples, after_reading


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):6.3f} s  range {min(values):.3f}-{max(values):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lesson", action="append", help="a lesson id (default: lessons 4 and 10)")
    args = parser.parse_args()
    for lesson_id in args.lesson or DEFAULT_LESSONS:
        rows: list[tuple[float, float, float, float]] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as data:  # fresh: the app would reopen the last lesson
                os.environ["XDG_DATA_HOME"] = data
                rows.append(asyncio.run(one_round(lesson_id)))
        text, complete, examples, after_reading = (list(column) for column in zip(*rows))
        print(f"{lesson_id}  ({args.runs} runs, load average {os.getloadavg()[0]:.1f})")
        print(f"  lesson text  {summary(text)}   (target 0.3 s)")
        print(f"  whole lesson {summary(complete)}   text/whole {statistics.median(text) / statistics.median(complete):.2f}")
        print(f"  examples     {summary(examples)}   (at once, while the lesson still mounts)")
        print(f"  examples     {summary(after_reading)}   (after reading; target 0.5 s)")


if __name__ == "__main__":
    main()
