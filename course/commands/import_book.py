"""`course import PATH... [--out DIR] [--json]`: import book pages into a course folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.content.importer import import_paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import section Markdown pages or a whole book into lessons/ and quizzes/",
        description="Import a page, or a whole book folder (chapters from _index.md, order from nav_weight), "
        "into DIR/lessons/... (each page without its quiz block) and DIR/quizzes/<id>.yaml. A bad page is "
        "reported and skipped; the rest is imported. Exit status: 0 without errors, 1 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="a page (.md) or a book folder")
    p.add_argument("--out", metavar="DIR", type=Path, default=Path("."),
                   help="the course folder to write into (default: the current folder)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON summary: pages, lessons, quizzes, questions, errors (and warnings)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    report = import_paths(args.paths, args.out)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(f"{report.pages} pages read: {report.lessons} lessons, {report.quizzes} quizzes "
              f"({report.questions} questions) written to {args.out}; "
              f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    return 1 if report.errors else 0
