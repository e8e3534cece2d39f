"""Lesson opening: how soon a lesson's text is on screen, and how soon its Examples tab is.

For each round the app runs headless (Textual's run_test, 100x32, a fresh XDG data dir), loads the
course, then
  - text:     from posting OpenLesson to the reader's first Markdown block mounted and painted
              (the learner can start reading; the rest of a long lesson may still be mounting);
  - complete: ... to the whole lesson mounted (LessonScreen.shown: anchors can be reached);
  - examples: from pressing `e` to the run panel built with the example's code in the editor (laid out),
              at once (the lesson just mounted) and after reading (a second app, `e` pressed once
              the panel was built off-screen).
Prints, for every lesson with examples (or those named), the median and range [min-max] of the
runs in seconds, and a verdict per target: the median within it ("ok") or not ("SLOW").

    .venv/bin/python benchmarks/lesson_open.py [--runs N] [--lesson ID ...]

Targets (a machine with 2 shared cores): text within 0.3 s, examples within 0.5 s (both cases).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, NamedTuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TEXT_TARGET = 0.3  # seconds from opening a lesson to its first text on screen
EXAMPLES_TARGET = 0.5  # seconds from `e` to the run panel with the example's code


def lessons_with_examples() -> list[str]:
    """Every lesson of the course that has runnable examples (an Examples tab), in reading order."""
    from engine import paths
    from engine.content.course import load_course

    return [lesson.id for lesson in load_course(paths.course_dir()).lessons() if lesson.examples]


async def wait(condition, bound: float = 120.0) -> None:
    """Return once `condition()` holds, checking every 5 ms.

    Only the app's own timers lay out and paint the screen meanwhile: Textual's `pilot.pause()`
    would post a callback to every widget of the screen at each check (thousands for a long
    lesson) and force a refresh, work the learner's app never does, measured along with it."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > bound:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.005)


class Round(NamedTuple):
    """One round's readings, seconds: wall clock, and the process's CPU time for the same span."""

    text: float
    text_cpu: float
    complete: float
    examples: float
    examples_cpu: float
    after_reading: float
    after_reading_cpu: float


def stopwatch() -> Callable[[], tuple[float, float]]:
    """Start timing; the returned function gives (wall, cpu) seconds since."""
    wall, cpu = time.perf_counter(), time.process_time()
    return lambda: (time.perf_counter() - wall, time.process_time() - cpu)


async def one_round(lesson_id: str) -> Round:
    from textual.widgets import Markdown, TextArea

    from course.app import CourseApp
    from course.screens.lesson import LessonScreen
    from course.widgets.messages import OpenLesson
    from course.widgets.run_panel import RunPanel
    from engine import paths

    def examples_ready(panel: RunPanel) -> Callable[[], bool]:
        """The panel's body is mounted, the example's code is in the editor, and the editor has
        been laid out (its region comes from the screen's last layout, done with its paint)."""
        def ready() -> bool:
            if not panel._built:
                return False
            editor = panel.query_one("#run-editor", TextArea)
            return bool(editor.text) and editor.region.height > 0
        return ready

    gc.collect()  # each app starts without the garbage of the rounds before (as a fresh process would)
    app = CourseApp(paths.course_dir())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait(lambda: app.course is not None)
        await pilot.pause()

        def first_text() -> bool:
            screen = app.screen
            if not isinstance(screen, LessonScreen):
                return False
            blocks = list(screen.query("#reader Markdown").results(Markdown))
            return bool(blocks) and bool(blocks[0].children) and blocks[0].region.height > 0

        elapsed = stopwatch()
        app.post_message(OpenLesson(lesson_id))
        await wait(first_text)
        text, text_cpu = elapsed()
        await wait(lambda: isinstance(app.screen, LessonScreen) and app.screen.shown == lesson_id)
        complete, _ = elapsed()
        panel = app.screen.query_one(RunPanel)
        elapsed = stopwatch()
        app.simulate_key("e")  # (not pilot.press: it waits for every widget of the screen, see wait)
        await wait(examples_ready(panel))
        examples, examples_cpu = elapsed()
    # Again, with a learner who reads for a while first: the panel is built off-screen meanwhile.
    gc.collect()
    app = CourseApp(paths.course_dir())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait(lambda: app.course is not None)
        app.post_message(OpenLesson(lesson_id))
        await wait(lambda: isinstance(app.screen, LessonScreen) and app.screen.shown == lesson_id)
        panel = app.screen.query_one(RunPanel)
        if hasattr(panel, "prepare"):  # (older commits build the panel only when shown)
            await wait(lambda: panel._built)
        await asyncio.sleep(1.0)
        elapsed = stopwatch()
        app.simulate_key("e")
        await wait(examples_ready(panel))
        after_reading, after_reading_cpu = elapsed()
    return Round(text, text_cpu, complete, examples, examples_cpu, after_reading, after_reading_cpu)


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} [{min(values):.3f}-{max(values):.3f}]"


def verdict(values: list[float], target: float | None) -> str:
    if target is None:
        return ""
    return f"{'ok  ' if statistics.median(values) <= target else 'SLOW'} (target {target} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lesson", action="append", help="a lesson id (default: every lesson with examples)")
    args = parser.parse_args()
    print(f"median [min-max] of {args.runs} runs, seconds (cpu: the process's CPU time over the same span); "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    slow = 0
    for lesson_id in args.lesson or lessons_with_examples():
        rounds: list[Round] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as data:  # fresh: the app would reopen the last lesson
                os.environ["XDG_DATA_HOME"] = data
                rounds.append(asyncio.run(one_round(lesson_id)))
        column = {name: [getattr(r, name) for r in rounds] for name in Round._fields}
        print(f"{lesson_id}  (load average {os.getloadavg()[0]:.1f})", flush=True)
        for label, name, target in (("lesson text        ", "text", TEXT_TARGET),
                                    ("whole lesson       ", "complete", None),
                                    ("examples at once   ", "examples", EXAMPLES_TARGET),
                                    ("examples after read", "after_reading", EXAMPLES_TARGET)):
            values = column[name]
            cpu = f"  cpu {statistics.median(column[name + '_cpu']):.3f}" if name + "_cpu" in column else ""
            slow += target is not None and statistics.median(values) > target
            print(f"  {label} {summary(values)}{cpu:12} {verdict(values, target)}", flush=True)
    print(f"{slow} median(s) over target")


if __name__ == "__main__":
    main()
