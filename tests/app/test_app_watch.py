"""Live reload: `course --watch` reloads saved lessons in the open app (problems shown, no crash);
`course validate --watch` checks again on save; the polling watcher under both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from textual.widgets import Markdown

from course.app import CourseApp
from course.widgets.messages import OpenLesson
from engine.content.watch import CourseWatcher
from tests.app.apphelpers import loaded, run_async, showing, wait_for
from tests.paths import ROOT


def _save(path: Path, text: str) -> None:
    """Write and move the mtime on, so a save within the same clock tick still counts."""
    path.write_text(text, encoding="utf-8")
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def test_watcher_reports_a_settled_save_once(course_root: Path) -> None:
    watcher = CourseWatcher(course_root)
    assert watcher.poll() is None
    page = course_root / "lessons" / "02-acks" / "index.md"
    _save(page, page.read_text(encoding="utf-8") + "\nMore text.\n")
    assert watcher.poll() is None  # seen once: maybe still being written
    changes = watcher.poll()
    assert changes is not None and changes.changed == (Path("lessons/02-acks/index.md"),)
    assert changes.lessons() == {"02-acks"}
    assert watcher.poll() is None
    new = course_root / "quizzes" / "extra.yaml"
    new.write_text("id: extra\n", encoding="utf-8")
    page.unlink()
    watcher.poll()
    changes = watcher.poll()
    assert changes is not None
    assert changes.added == (Path("quizzes/extra.yaml"),) and changes.removed == (Path("lessons/02-acks/index.md"),)


def _markdown_text(screen) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.source for m in screen.query(Markdown))


@run_async
async def test_saved_lesson_reloads_in_the_open_app(course_root: Path) -> None:
    page = course_root / "lessons" / "01-first-steps" / "index.md"
    app = CourseApp(course_root, watch=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        app.post_message(OpenLesson("01-first-steps"))
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson")
        text = page.read_text(encoding="utf-8")
        _save(page, text.replace("A producer sends a record", "A producer hands a record"))
        await wait_for(pilot, lambda: "A producer hands a record" in _markdown_text(app.screen), "the reloaded text",
                       timeout=60)
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson shown again")
        # A broken save: the problem is shown, the app keeps going.
        _save(page, text + "\n```java\nnever closed\n")
        await wait_for(pilot, lambda: any("never closed" in str(n.message) or "problem" in str(n.title)
                                          for n in app._notifications), "the problem notice", timeout=60)
        assert app.is_running
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson still shown")


def test_validate_watch_checks_again_on_save(course_root: Path) -> None:
    page = course_root / "lessons" / "02-acks" / "index.md"
    proc = subprocess.Popen([sys.executable, "-m", "course.cli", "validate", "--watch", str(course_root)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("watching"):
                break
        _save(page, page.read_text(encoding="utf-8") + "\n```java\nnever closed\n")
        # Read on another thread, so a missing line fails at the deadline instead of hanging.
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
        reader.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("02-acks/index.md" in s and "never closed" in s for s in lines):
            time.sleep(0.2)
        out = "".join(lines)
        assert "saved: lessons/02-acks/index.md" in out, out
        assert "never closed" in out, out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@run_async
async def test_saved_quiz_reloads_in_the_open_quiz_keeping_the_answers(course_root: Path) -> None:
    from course.screens.quiz import QuestionView, QuizScreen

    quiz_file = course_root / "quizzes" / "02-acks.yaml"
    app = CourseApp(course_root, watch=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        app.post_message(OpenLesson("02-acks"))
        await wait_for(pilot, lambda: showing(app, "02-acks"), "the lesson")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query(QuestionView), "the quiz")
        first = app.screen
        await pilot.press("down", "down", "space", "s")  # q1 answered: the draft keeps it
        await wait_for(pilot, lambda: first.submitted, "q1 submitted")
        _save(quiz_file, quiz_file.read_text(encoding="utf-8").replace(
            "Which settings can lose an acknowledged message?", "Which settings may lose an acked message?"))
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen is not first
                       and app.screen.query(QuestionView), "the quiz opened again", timeout=60)
        screen = app.screen
        assert "may lose an acked message" in screen.quiz.question("q2").prompt
        assert screen.answers == {"q1": [3]} and screen.questions[screen.index].id == "q2"
