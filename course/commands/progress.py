"""`course progress [--json]`: what you have done so far (lessons, quiz results)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from course.commands.grade import course_root
from engine.learner.progress import Progress, ProgressStore
from engine.model import Course


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "progress",
        help="show your progress: lessons done, quiz results",
        description="Show the progress saved in your data folder (XDG_DATA_HOME/kafka-semantics-course/"
        "progress.db; a course opened with --course keeps its own, under courses/): the current lesson, "
        "lessons done and your best result per quiz.",
    )
    p.add_argument("--json", action="store_true", help="print the saved progress as one JSON object")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    store = ProgressStore.for_course(course_root(args))
    progress = store.load()
    for warning in store.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({"file": str(store.path), **progress.to_json()}))
    else:
        course = _course(args)
        titles = _titles(course) if course is not None else {}
        counted = [lesson.id for lesson in course.counted_lessons()] if course is not None else None
        print(format_progress(progress, store.path, titles, counted))
    return 0


def _course(args: argparse.Namespace) -> Course | None:
    """The course, for its titles and which lessons count (None if it can't load: progress must
    show even when the content is broken)."""
    try:
        from engine.content.course import load_course

        return load_course(course_root(args))
    except Exception:  # noqa: BLE001 - titles are a nicety
        return None


def _titles(course: Course) -> dict[str, str]:
    """Lesson and quiz titles by id, to print names rather than ids."""
    titles = {lesson.id: lesson.title for lesson in course.lessons()}
    titles.update({f"quiz:{qid}": quiz.title for qid, quiz in course.quizzes.items()})
    return titles


def format_progress(progress: Progress, path: Path, titles: dict[str, str], counted: list[str] | None = None) -> str:
    """The progress as the learner reads it; `counted`: the lessons that count toward it (the app's
    "N of M lessons done": the course's introduction is not one), when the course could be read."""
    def name(lesson_id: str) -> str:
        title = titles.get(lesson_id)
        return f"{lesson_id} ({title})" if title else lesson_id

    lines = [f"Progress ({path})", ""]
    lines.append(f"Current lesson: {name(progress.current_lesson) if progress.current_lesson else 'none yet'}")
    total = len(counted) if counted is not None else 0
    done = len(progress.lessons_done) if counted is None else sum(1 for id_ in counted if id_ in progress.lessons_done)
    lines.append(f"Lessons done: {done}" + (f" of {total}" if total else ""))
    for lesson_id, at in sorted(progress.lessons_done.items(), key=lambda kv: kv[1]):
        lines.append(f"  {name(lesson_id)}  {at}")
    lines.append("")
    if not progress.quizzes:
        lines.append("Quizzes: none taken yet")
    else:
        lines.append("Quizzes (best result):")
        for quiz_id, r in sorted(progress.quizzes.items()):
            title = titles.get(f"quiz:{quiz_id}")
            label = f"{quiz_id} ({title})" if title else quiz_id
            verdict = "passed" if r.passed else "not passed"
            tries = "attempt" if r.attempts == 1 else "attempts"
            lines.append(f"  {label}: {r.score:g} / {r.max} ({r.percent:g}%), {verdict}, {r.attempts} {tries}")
    return "\n".join(lines)
