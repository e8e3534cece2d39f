"""`course grade QUIZ ANSWERS [--json] [--record] [--reveal]`: grade a learner's answers to one quiz;
`course grade QUIZ FOLDER [--csv FILE] [--json]`: grade a class, one answers file per learner.

QUIZ is a Quiz YAML file or a quiz id of the course (`quizzes/<id>.yaml`). ANSWERS maps each
question id to the chosen option numbers, 1-based as written in the quiz; for an `order`
question, the chosen order (engine/schemas/answers.schema.json):

    q1: 2            # single choice (a bare number or a one-item list)
    q2: [1, 3]       # multiple choice
    q3: [2, 1, 4, 3] # ordering: option 2 first, then 1, ...

The right answers are shown only with --reveal. In a FOLDER each `<learner>.yaml` is graded as it
would be alone; files that cannot be read are listed with the reason and the rest still graded.

Exit status, one file: 0 passed, 1 not passed, 2 the quiz or the answers file could not be read.
A folder: 0 every file graded, 2 the quiz or some file could not be read.
The status holds even when the reader of the output stops early (`course grade ... | head`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from pathlib import Path

from engine.learner.grading import QuizGrade, grade_quiz, read_answers
from engine.model import Quiz
from engine.problems import ContentError, Problem

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help="grade answers to a quiz, or a folder of them (exit 0 passed, 1 not passed, 2 bad input)",
        description="Grade a YAML file of answers against a quiz. ANSWERS maps question ids to option "
        "numbers, 1-based as written in the quiz (for an ordering question: the chosen order), e.g. "
        "`q1: 2`, `q2: [1, 3]`, `q3: [2, 1, 3]`. Given a folder, grade every <learner>.yaml in it and "
        "print (or write with --csv) a gradebook: one row per learner with each question's credit, the "
        "total and whether they passed.",
    )
    p.add_argument("quiz", metavar="QUIZ", help="a Quiz YAML file, or a quiz id of the course")
    p.add_argument("answers", metavar="ANSWERS", help="an answers file, or a folder of them (one per learner)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    p.add_argument("--csv", metavar="FILE", help="with a folder: write the gradebook as CSV ('-' for standard output)")
    p.add_argument("--reveal", action="store_true", help="show the right answers of the questions not fully right")
    p.add_argument("--record", action="store_true", help="also record the result in your progress")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        quiz = load_quiz_ref(args.quiz, course_root(args))
    except ContentError as exc:
        _problems(exc.problems)
        return EXIT_BAD_INPUT
    if Path(args.answers).is_dir():
        return grade_class(quiz, Path(args.answers), args)
    if args.csv:
        print("error: --csv writes a gradebook: give a folder of answers files, one per learner", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        answers = read_answers(Path(args.answers), quiz)
    except ContentError as exc:
        _problems(exc.problems)
        return EXIT_BAD_INPUT
    grade = grade_quiz(quiz, answers)
    if args.record:
        from engine.learner.progress import ProgressStore

        store = ProgressStore.for_course(course_root(args))
        with store.update() as progress:
            progress.record_quiz(quiz.id, grade, answers)
        for warning in store.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    code = EXIT_PASSED if grade.passed else EXIT_FAILED
    if args.json:
        return emit(json.dumps(grade.to_json(reveal=args.reveal)) + "\n", code)
    return emit(format_report(quiz, grade, reveal=args.reveal) + "\n", code)


def grade_class(quiz: Quiz, folder: Path, args: argparse.Namespace) -> int:
    """A gradebook for every answers file in `folder`; unreadable files go to standard error."""
    from engine.learner.gradebook import grade_folder

    book = grade_folder(quiz, folder)
    for u in book.unreadable:
        print(f"{u.file}: not graded: {u.reason}", file=sys.stderr)
    code = EXIT_BAD_INPUT if book.unreadable else EXIT_PASSED
    if args.csv and args.csv != "-":
        from engine.paths import write_atomically

        write_atomically(Path(args.csv), book.to_csv())
        print(f"wrote {len(book.grades)} learners to {args.csv}"
              + (f"; {len(book.unreadable)} files not graded" if book.unreadable else ""), file=sys.stderr)
    if args.json:
        return emit(json.dumps(book.to_json()) + "\n", code)
    if args.csv == "-" or not args.csv:
        return emit(book.to_csv(), code)
    return code


def emit(text: str, code: int) -> int:
    """Print `text` and return `code`, also when the reader has gone (`| head`): a closed pipe
    must not turn a failed grade into success, so the status is kept and the rest discarded."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return code


def _problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


# ---------------------------------------------------------------- finding the quiz


def course_root(args: argparse.Namespace) -> Path:
    from engine.paths import course_dir

    return Path(args.course) if getattr(args, "course", None) else course_dir()


def find_quiz_file(ref: str, root: Path) -> Path:
    """A quiz file path as given, or the course's quiz with that id; ContentError if neither."""
    as_path = Path(ref)
    if as_path.is_file():
        return as_path
    folder = root / "quizzes"
    by_name = folder / f"{ref}.yaml"
    if by_name.is_file():
        return by_name
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    ids = {}
    for f in files:  # a quiz whose `id:` differs from its file name
        quiz = _quiz_id_of(f)
        if quiz:
            ids[quiz] = f
    if ref in ids:
        return ids[ref]
    known = sorted(ids) or [f.stem for f in files]
    hint = f"quiz ids in {folder}: {', '.join(known)}" if known else f"{folder} holds no quizzes"
    close = difflib.get_close_matches(ref, known, n=1)
    if close:
        hint = f"did you mean `{close[0]}`? ({hint})"
    raise ContentError([Problem(ref, 0, f"no such quiz file or quiz id; {hint}")])


def _quiz_id_of(path: Path) -> str | None:
    from engine.content.quizfile import read_quiz

    quiz, _ = read_quiz(path)
    return quiz.id if quiz else None


def load_quiz_ref(ref: str, root: Path) -> Quiz:
    from engine.content.quizfile import load_quiz

    return load_quiz(find_quiz_file(ref, root))


# ---------------------------------------------------------------- the report


def format_report(quiz: Quiz, grade: QuizGrade, reveal: bool = False) -> str:
    lines = [f"{quiz.title} ({quiz.id})", ""]
    width = max((len(q.id) for q in grade.questions), default=2)
    for q in grade.questions:
        if q.correct:
            verdict = "right"
        elif not q.given:
            verdict = "not answered"
        elif q.credit > 0:
            verdict = f"partly right ({q.credit:.2f})"
        else:
            verdict = "wrong"
        line = f"  {q.id:<{width}}  {verdict}"
        if not q.correct and reveal:
            what = "order" if q.kind == "order" else "answer"
            line += f": the {what} is {_numbers(q.expected)}"
            if q.given:
                line += f", you gave {_numbers(q.given)}"
        elif not q.correct and q.given:
            line += f": you gave {_numbers(q.given)}"
        lines.append(line)
    verdict = "passed" if grade.passed else "not passed"
    lines += ["", f"Score {grade.score:g} / {grade.max} ({grade.percent:g}%): {verdict} "
                  f"(passing grade {grade.passing_grade}%)"]
    if not reveal and not all(q.correct for q in grade.questions):
        lines.append("The right answers are shown with --reveal.")
    return "\n".join(lines)


def _numbers(values: list[int]) -> str:
    return ", ".join(map(str, values)) or "nothing"
