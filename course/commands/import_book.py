"""`course import PATH... --out DIR [--force] [--json]`: import book pages into a course folder.

The output folder must be named: writing into whatever folder the command runs in could add
lessons to a course by accident (run inside this repository, it would). A folder that already
holds a course (`lessons/` or `quizzes/`) is refused unless `--force` says to add to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.content.importer import import_paths

COURSE_PARTS = ("lessons", "quizzes")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import section Markdown pages or a whole book into lessons/ and quizzes/",
        description="Import a page, or a whole book folder (chapters from _index.md, order from nav_weight), "
        "into DIR/lessons/... (each page without its quiz block) and DIR/quizzes/<id>.yaml. A bad page is "
        "reported and skipped; the rest is imported. Exit status: 0 without errors, 1 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="a page (.md) or a book folder")
    p.add_argument("--out", metavar="DIR", type=Path, required=True,
                   help="the course folder to write into (created if missing; refused if it already holds "
                        "a course, unless --force)")
    p.add_argument("--force", action="store_true",
                   help="write into DIR even if it already holds lessons/ or quizzes/ (pages of the same "
                        "path are overwritten)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON summary: pages, lessons, quizzes, questions, errors (and warnings)")
    p.set_defaults(func=main)


def existing_course_parts(out: Path) -> list[str]:
    """The parts of a course `out` already holds (`lessons/`, `quizzes/`)."""
    return [f"{name}/" for name in COURSE_PARTS if (out / name).exists()]


def main(args: argparse.Namespace) -> int:
    found = existing_course_parts(args.out)
    if found and not args.force:
        print(f"course import: {args.out} already holds a course ({' and '.join(found)}); give an empty or new "
              f"--out folder, or add --force to add the pages to this course", file=sys.stderr)
        return 2
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
