"""`course validate [DIR | FILE] [--json]`: check a course folder, or one page or YAML file of it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.paths import course_dir
from engine.validate import ValidationReport, check_course, check_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a course folder (lessons/ and quizzes/), or one file, and report file:line:column problems",
        description="Read every lesson and quiz of a course folder, or one file (a page, or a quiz, scenario "
        "or exercise YAML), and report each problem as file:line:column. Exit status: 0 without errors "
        "(warnings allowed), 1 otherwise.",
    )
    p.add_argument("dir", nargs="?", type=Path, metavar="DIR|FILE",
                   help="the course folder (default: the course this program ships), or one .md or .yaml file")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: lessons, quizzes, questions, errors, warnings")
    p.add_argument("--watch", action="store_true",
                   help="check again each time a lesson, quiz, exercise or example file is saved (Ctrl-C ends)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if getattr(args, "watch", False):
        return _watch(args)
    return _check(args)


def _watch(args: argparse.Namespace) -> int:
    """Check, then check again after every save, until interrupted."""
    import threading

    from engine.content.watch import CourseWatcher, watch

    root = args.dir if args.dir is not None else course_dir()
    folder = root.parent if root.is_file() else root
    if folder.name in ("lessons", "quizzes", "exercises"):
        folder = folder.parent
    watcher = CourseWatcher(folder)  # before the first check: a save made during it still counts
    code = _check(args)
    print(f"watching {folder} (Ctrl-C to stop)", flush=True)
    try:
        for changes in watch(folder, threading.Event(), watcher=watcher):
            print(f"\nsaved: {changes.describe()}", flush=True)
            code = _check(args)
            sys.stdout.flush()
    except KeyboardInterrupt:
        return code
    return code


def _check(args: argparse.Namespace) -> int:
    root = args.dir if args.dir is not None else course_dir()
    if root.is_file():
        return _report(check_file(root), root, args.json)
    if not root.is_dir():
        print(f"{root}: no such folder or file; give a course folder holding lessons/ and quizzes/, or one of "
              "its files", file=sys.stderr)
        return 1 if not args.json else _json_missing(root)
    if root.name in ("lessons", "quizzes", "exercises") and (root.parent / "lessons").is_dir():
        # `course validate lessons` inside a course: the quizzes and exercises that name
        # those lessons belong to the check too.
        root = root.parent
    return _report(check_course(root), root, args.json)


def _report(report: ValidationReport, root: Path, as_json: bool) -> int:
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem)
        if not report.kind:
            what = f"{report.lessons} lessons, {report.quizzes} quizzes ({report.questions} questions)"
        else:
            article = "an" if report.kind[0] in "aeiou" else "a"
            what = f"checked as {article} {report.kind}"
            if report.quizzes:
                what += f" ({report.questions} quiz questions)"
        print(f"{root}: {what}; {len(report.errors)} errors, {len(report.warnings)} warnings")
    return 1 if report.errors else 0


def _json_missing(root: Path) -> int:
    print(json.dumps({"lessons": 0, "quizzes": 0, "questions": 0,
                      "errors": [{"file": str(root), "line": 0, "message": "no such folder"}], "warnings": []}))
    return 1
