"""`course export QUIZ... --format moodle-xml|gift|quizdown [--out FILE]`: quizzes for Moodle's question
bank, or one quiz back as a quizdown page. Without --out (or with `--out -`) the export goes to
standard output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.commands.grade import course_root, load_quiz_ref
from engine.paths import write_atomically
from engine.learner.export import FORMATS, ExportError, export_quizzes
from engine.problems import ContentError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export quizzes as Moodle XML, GIFT or QTI 2.1 for an LMS, or a quiz as a quizdown page",
        description="Write one or more quizzes (Quiz YAML files or quiz ids of the course) to a file Moodle "
        "imports into its question bank. Single and multiple choice become multichoice questions (multiple "
        "with +100/k %% per right and -100/k %% per wrong option); ordering becomes qtype_ordering (core "
        "since Moodle 4.4). quizdown writes one quiz as a section Markdown page that `course import` reads back. "
        "qti21 writes an IMS QTI 2.1 content package (.zip). See engine/learner/export.py for every mapping and what each format cannot express.",
    )
    p.add_argument("quizzes", metavar="QUIZ", nargs="+", help="a Quiz YAML file or a quiz id of the course")
    p.add_argument("--format", dest="fmt", choices=FORMATS, required=True, help=", ".join(FORMATS))
    p.add_argument("--out", metavar="FILE", default="-", help="where to write (default '-': standard output)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    root = course_root(args)
    quizzes = []
    failed = False
    for ref in args.quizzes:
        try:
            quizzes.append(load_quiz_ref(ref, root))
        except ContentError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
    if failed:
        return 2
    seen: dict[str, str] = {}
    for quiz, ref in zip(quizzes, args.quizzes):
        if quiz.id in seen:
            print(f"error: {ref} and {seen[quiz.id]} are both quiz {quiz.id!r}; export it once", file=sys.stderr)
            return 2
        seen[quiz.id] = ref
    try:
        result = export_quizzes(quizzes, args.fmt)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.out == "-":
        if result.data is not None:
            sys.stdout.flush()
            sys.stdout.buffer.write(result.data)
        else:
            sys.stdout.write(result.text)
    else:
        write_atomically(Path(args.out), result.text if result.data is None else result.data)
        n = sum(len(q.questions) for q in quizzes)
        print(f"wrote {n} questions from {len(quizzes)} quiz{'zes' if len(quizzes) != 1 else ''} to {args.out} ({args.fmt})")
    return 0


