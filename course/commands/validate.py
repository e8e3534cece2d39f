"""`course validate [DIR] [--json]`: check a course folder's lessons and quizzes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.paths import course_dir
from engine.validate import check_course


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a course folder (lessons/ and quizzes/) and report file:line:column problems",
        description="Read every lesson and quiz of a course folder and report each problem as "
        "file:line:column. Exit status: 0 without errors (warnings allowed), 1 otherwise.",
    )
    p.add_argument("dir", nargs="?", type=Path, metavar="DIR",
                   help="the course folder (default: the course this program ships)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: lessons, quizzes, questions, errors, warnings")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    root = args.dir if args.dir is not None else course_dir()
    if not root.is_dir():
        print(f"{root}: no such folder; give a course folder holding lessons/ and quizzes/", file=sys.stderr)
        return 1 if not args.json else _json_missing(root)
    if root.name in ("lessons", "quizzes", "exercises") and (root.parent / "lessons").is_dir():
        # `course validate lessons` inside a course: the quizzes and exercises that name
        # those lessons belong to the check too.
        root = root.parent
    report = check_course(root)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem)
        print(f"{root}: {report.lessons} lessons, {report.quizzes} quizzes ({report.questions} questions); "
              f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    return 1 if report.errors else 0


def _json_missing(root: Path) -> int:
    print(json.dumps({"lessons": 0, "quizzes": 0, "questions": 0,
                      "errors": [{"file": str(root), "line": 0, "message": "no such folder"}], "warnings": []}))
    return 1
