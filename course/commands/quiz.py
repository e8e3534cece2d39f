"""`course quiz LESSON`: take a lesson's quiz in the plain terminal (no full-screen app).

Each question is printed with its options numbered as shown; the learner types
- single choice: one number (`2`),
- multiple choice: every number that applies, separated by spaces or commas (`1 3` or `1,3`),
- ordering: all the numbers, in the right order (`3 1 4 2`),
or `?` for the hint. Feedback follows each answer, the score comes at the end, and the attempt is
recorded in the learner's progress exactly as the app records it (best result kept, attempts
counted, a passed quiz marks its lesson done). Attempt N shows the same questions in the same
order as attempt N in the app (engine.learner.attempt).

Exit status: 0 passed, 1 not passed (or stopped before the end), 2 no such lesson or quiz.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import textwrap
from typing import Callable

from course.commands.grade import course_root
from engine.learner.attempt import plan_attempt
from engine.learner.grading import QuestionGrade, QuizGrade, grade_question, grade_quiz
from engine.model import Course, Question, Quiz
from engine.problems import ContentError

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

KIND_HELP = {
    "single": "Type one number.",
    "multiple": "Type every number that applies, separated by spaces or commas.",
    "order": "Type all the numbers, in the right order, separated by spaces or commas.",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quiz", help="take a lesson's quiz in the plain terminal (feedback, score, recorded)",
                       description="Ask a lesson's quiz questions one by one in the terminal: type the option "
                                   "numbers, get feedback after each question and the score at the end. The "
                                   "result is recorded in your progress, as in the app.")
    p.add_argument("lesson", metavar="LESSON", help="lesson id (e.g. 02-at-most-once) or quiz id")
    p.add_argument("--no-record", action="store_true", help="do not record this attempt in your progress")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from engine.content.course import load_course
    from engine.learner.progress import ProgressStore

    root = course_root(args)
    try:
        course = load_course(root)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    quiz, error = find_quiz(course, args.lesson)
    if quiz is None:
        print(f"course quiz: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = ProgressStore.for_course(root)
    previous = store.load().quizzes.get(quiz.id)
    for warning in store.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    attempt = (previous.attempts if previous else 0) + 1
    answers = ask(quiz, attempt, read=_read_line, write=print)
    if answers is None:
        print("\nQuiz stopped before the end; nothing was recorded.")
        return EXIT_FAILED
    questions, _ = plan_attempt(quiz, attempt)
    grade = grade_quiz(quiz, answers, asked=[q.id for q in questions])
    print(format_summary(quiz, grade, questions))
    if not args.no_record:
        with store.update() as progress:
            best = progress.record_quiz(quiz.id, grade, answers)
            if grade.passed and quiz.lesson:
                progress.mark_done(quiz.lesson)
        print(f"Recorded (attempt {best.attempts}; your best: {best.percent:g}%"
              f"{', passed' if best.passed else ''}).")
    return EXIT_PASSED if grade.passed else EXIT_FAILED


def find_quiz(course: Course, ref: str) -> tuple[Quiz | None, str]:
    """The quiz of lesson `ref`, else the quiz with id `ref`; (None, what went wrong) otherwise."""
    lessons = {lesson.id: lesson for lesson in course.lessons()}
    if ref in lessons:
        lesson = lessons[ref]
        if lesson.quiz is None:
            with_quiz = ", ".join(l.id for l in lessons.values() if l.quiz) or "none"
            return None, f"lesson {ref} has no quiz (lessons with a quiz: {with_quiz})"
        return lesson.quiz, ""
    quizzes = dict(course.quizzes)
    quizzes.update({l.quiz.id: l.quiz for l in lessons.values() if l.quiz})
    if ref in quizzes:
        return quizzes[ref], ""
    known = sorted(l.id for l in lessons.values() if l.quiz) + sorted(quizzes)
    close = difflib.get_close_matches(ref, known, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"lessons and quizzes with a quiz: {', '.join(known) or 'none'}"
    return None, f"no lesson or quiz `{ref}`; {hint}"


# ---------------------------------------------------------------- asking


def _read_line(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def ask(quiz: Quiz, attempt: int, read: Callable[[str], str | None],
        write: Callable[[str], None]) -> dict[str, list[int]] | None:
    """Ask every question of this attempt; the answers as option numbers of the quiz file, or None
    when the learner stops (`q`, or the input ends)."""
    questions, orders = plan_attempt(quiz, attempt)
    passing = quiz.options.passing_grade
    write(f"{quiz.title}: {len(questions)} question{'s' if len(questions) != 1 else ''}"
          + (f", passing grade {passing}%" if passing is not None else "")
          + ". Type `?` for a hint, `q` to stop.")
    answers: dict[str, list[int]] = {}
    for number, question in enumerate(questions, 1):
        shown = orders[question.id]
        write("")
        write(f"Question {number}/{len(questions)}. {KIND_HELP[question.kind]}")
        write(textwrap.indent(question.prompt.strip(), "  "))
        for position, option in enumerate(shown, 1):
            write(f"  {position}. {_one_line(question.options[option - 1].text)}")
        while True:
            line = read("> ")
            if line is None or line.strip().lower() in ("q", "quit"):
                return None
            if line.strip() == "?":
                write(f"  Hint: {_one_line(question.hint)}" if question.hint else "  This question has no hint.")
                continue
            positions, problem = parse_answer(line, question.kind, len(shown))
            if problem:
                write(f"  {problem}")
                continue
            break
        chosen = [shown[p - 1] for p in positions]  # as numbered in the quiz file
        answers[question.id] = chosen
        grade = grade_question(question, chosen, partial=quiz.options.partial)
        write(format_feedback(question, grade, shown))
    return answers


def parse_answer(line: str, kind: str, count: int) -> tuple[list[int], str]:
    """Positions typed by the learner (1-based, as shown); or ([], what to type instead)."""
    parts = [p for p in re.split(r"[\s,]+", line.strip()) if p]
    if not parts:
        return [], KIND_HELP[kind]
    bad = next((p for p in parts if not p.isdigit() or not 1 <= int(p) <= count), None)
    if bad is not None:
        return [], f"`{bad}` is not an option number; type numbers from 1 to {count}."
    numbers = [int(p) for p in parts]
    if len(set(numbers)) != len(numbers):
        return [], "Each number once, please."
    if kind == "single" and len(numbers) != 1:
        return [], "One number only: this question has one right answer."
    if kind == "order" and len(numbers) != count:
        return [], f"Give all {count} numbers, in the order you think is right."
    return numbers, ""


# ---------------------------------------------------------------- reporting


def _one_line(text: str) -> str:
    return " ".join(text.split())


def format_feedback(question: Question, grade: QuestionGrade, shown: list[int]) -> str:
    """Plain text: a verdict, each option marked (in the order shown), chosen options' feedback,
    the explanation."""
    if grade.correct:
        lines = ["  Correct."]
    elif grade.credit > 0:
        lines = [f"  Partly right ({grade.credit:.0%} credit)."]
    else:
        lines = ["  Not quite."]
    if question.kind == "order":
        lines.append("  The right order, place by place:")
        for place, option in enumerate(grade.expected, 1):
            yours = grade.given[place - 1] if place <= len(grade.given) else None
            line = f"   {place}. {_one_line(question.options[option - 1].text)}"
            if yours is not None and yours != option:
                line += f"  <- you put: {_one_line(question.options[yours - 1].text)}"
            lines.append(line)
    else:
        for position, option_number in enumerate(shown, 1):
            option = question.options[option_number - 1]
            chosen = option_number in grade.given
            note = ("your choice, right" if option.correct else "your choice, wrong") if chosen else \
                ("right, not chosen" if option.correct else "")
            lines.append(f"   {position}. {_one_line(option.text)}" + (f"  <- {note}" if note else ""))
            if chosen and option.feedback:
                lines.append(f"      {_one_line(option.feedback)}")
    if question.explanation:
        lines.append(f"  Why: {_one_line(question.explanation)}")
    return "\n".join(lines)


def format_summary(quiz: Quiz, grade: QuizGrade, questions: list[Question]) -> str:
    verdict = "passed" if grade.passed else "not passed yet"
    lines = ["", f"Score {grade.score:g} / {grade.max} ({grade.percent:g}%): {verdict} "
                 f"(passing grade {grade.passing_grade}%)"]
    for number, (question, qgrade) in enumerate(zip(questions, grade.questions), 1):
        result = "right" if qgrade.correct else (f"{qgrade.credit:.0%}" if qgrade.credit > 0 else "wrong")
        prompt = _one_line(question.prompt.split("\n\n")[0])
        lines.append(f"  {number}. {result:6s} {prompt[:59] + '…' if len(prompt) > 60 else prompt}")
    return "\n".join(lines)
