"""Quiz grading: one question, or a whole quiz against a learner's answers.

Answers are option numbers *as written* in the quiz file, 1-based: `[2]` for a single choice,
`[1, 3]` for a multiple choice, and for an ordering question the learner's order (`[3, 1, 2]`
means "option 3 first, then 1, then 2"). An empty list means "not answered".

Scoring (each question is worth 1 point):
- By default every question is all-or-nothing, as quizdown does: credit 1 for exactly the
  right set (or order), else 0.
- With the quiz option `partial: true`:
  * `single`: still all-or-nothing (one pick is either right or wrong).
  * `multiple`: (right picks - wrong picks) / number of correct options, floored at 0.
    Picking everything therefore earns nothing unless every option is correct. This is the
    same number Moodle computes for a multi-answer multichoice whose correct options weigh
    +100/k % and wrong ones -100/k %, which is how engine.learner.export writes them.
  * `order`: length of the longest run of options in the right relative order (a longest
    increasing subsequence, not necessarily contiguous) / number of options; a "run" of a
    single option counts as 0. That is Moodle's qtype_ordering LONGEST_ORDERED_SUBSET.
- A question is `correct` only with full credit.
- The passing grade is the quiz's `passing_grade` (percent); when the quiz sets none,
  DEFAULT_PASSING_GRADE (70). `passed` = percent >= it.
- Unanswered questions (missing from `answers`, or an empty list) earn 0.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from engine.model import Question, Quiz
from engine.problems import ContentError, Problem
from engine.yamlsource import load_located

DEFAULT_PASSING_GRADE = 70

ANSWERS_EXAMPLE = "`q1: 2` or `q2: [1, 3]`"

# Sums of floats such as 1/3 + 1/3 + 1/3 must still reach a passing grade of exactly 100.
_EPSILON = 1e-9


class AnswerError(ValueError):
    """An answer that cannot be graded (wrong shape, number out of range, duplicates)."""


@dataclass
class QuestionGrade:
    id: str
    correct: bool
    credit: float  # 0..1
    expected: list[int]  # 1-based option numbers as written; for `order`, the right order
    given: list[int]  # what the learner chose, as given
    kind: str = "single"


@dataclass
class QuizGrade:
    quiz: str
    score: float  # sum of credits, rounded to 4 decimals
    max: int  # number of questions graded
    percent: float  # 0..100, rounded to 2 decimals
    passed: bool
    questions: list[QuestionGrade] = field(default_factory=list)
    passing_grade: int = DEFAULT_PASSING_GRADE

    def to_json(self, reveal: bool = True) -> dict:
        """The shape `course grade --json` prints (and nothing more, so scripts can rely on it).

        Without `reveal` the right answers (`expected`) are left out, so a learner who grades
        their own answers learns which questions are wrong, not what is right.
        """
        questions = []
        for q in self.questions:
            row: dict = {"id": q.id, "correct": q.correct, "credit": round(q.credit, 4)}
            if reveal:
                row["expected"] = q.expected
            row["given"] = q.given
            questions.append(row)
        return {
            "quiz": self.quiz,
            "score": self.score,
            "max": self.max,
            "percent": self.percent,
            "passed": self.passed,
            "questions": questions,
        }


def expected_answer(question: Question) -> list[int]:
    """The right answer as 1-based option numbers (for `order`: 1..n, the written order)."""
    return [i + 1 for i in question.correct_indexes]


def check_answer(question: Question, chosen: Sequence[int]) -> None:
    """Raise AnswerError when `chosen` is not a possible answer to `question` (empty is fine)."""
    n = len(question.options)
    for c in chosen:
        if isinstance(c, bool) or not isinstance(c, int):
            raise AnswerError(f"{c!r} is not an option number; write whole numbers from 1 to {n}")
        if not 1 <= c <= n:
            raise AnswerError(f"option {c} does not exist: question {question.id!r} has options 1 to {n}")
    if len(set(chosen)) != len(chosen):
        dup = next(c for c in chosen if list(chosen).count(c) > 1)
        raise AnswerError(f"option {dup} is listed twice for question {question.id!r}")
    if question.kind == "single" and len(chosen) > 1:
        raise AnswerError(f"question {question.id!r} is single choice: give one option number, not {len(chosen)}")
    if question.kind == "order" and chosen and len(chosen) != n:
        missing = sorted(set(range(1, n + 1)) - set(chosen))
        raise AnswerError(
            f"question {question.id!r} asks for an order of all {n} options; "
            f"missing: {', '.join(map(str, missing))}"
        )


def grade_question(question: Question, chosen: Sequence[int], partial: bool = False) -> QuestionGrade:
    """Grade one answer; raises AnswerError when `chosen` is not a possible answer."""
    given = list(chosen)
    check_answer(question, given)
    expected = expected_answer(question)
    if not given:
        credit = 0.0
    elif question.kind == "order":
        credit = 1.0 if given == expected else (_ordered_subset_credit(given) if partial else 0.0)
    elif question.kind == "multiple":
        if set(given) == set(expected):
            credit = 1.0
        elif partial and expected:
            right = len(set(given) & set(expected))
            wrong = len(set(given) - set(expected))
            credit = max(0.0, (right - wrong) / len(expected))
        else:
            credit = 0.0
    else:  # single
        credit = 1.0 if set(given) == set(expected) else 0.0
    return QuestionGrade(
        id=question.id,
        correct=credit >= 1.0 - _EPSILON,
        credit=credit,
        expected=expected,
        given=given,
        kind=question.kind,
    )


def grade_quiz(
    quiz: Quiz,
    answers: Mapping[str, Sequence[int]],
    asked: Iterable[str] | None = None,
) -> QuizGrade:
    """Grade every question of `quiz` (or only those in `asked`, e.g. when nQuestions drew a subset).

    Raises KeyError for an answer to a question the quiz does not have, AnswerError for an
    impossible answer. Questions without an answer earn 0.
    """
    ids = {q.id for q in quiz.questions}
    unknown = [qid for qid in answers if qid not in ids]
    if unknown:
        raise KeyError(f"quiz {quiz.id!r} has no question {unknown[0]!r}")
    questions = quiz.questions if asked is None else [quiz.question(qid) for qid in asked]
    partial = bool(quiz.options.partial)
    grades = [grade_question(q, answers.get(q.id, []), partial) for q in questions]
    total = sum(g.credit for g in grades)
    n = len(grades)
    raw_percent = 100.0 * total / n if n else 0.0
    passing = quiz.options.passing_grade if quiz.options.passing_grade is not None else DEFAULT_PASSING_GRADE
    return QuizGrade(
        quiz=quiz.id,
        score=round(total, 4),
        max=n,
        percent=round(raw_percent, 2),
        passed=n > 0 and raw_percent + _EPSILON >= passing,
        questions=grades,
        passing_grade=passing,
    )


def _ordered_subset_credit(given: Sequence[int]) -> float:
    """Longest subsequence already in the right relative order, over n (runs of one count 0).

    The right order is 1..n, so this is the longest strictly increasing subsequence of `given`.
    """
    tails: list[int] = []  # tails[k] = smallest last value of an increasing run of length k+1
    for value in given:
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
        else:
            tails[k] = value
    longest = len(tails)
    return longest / len(given) if longest >= 2 else 0.0


# ---------------------------------------------------------------- the answers file


def read_answers(path: Path, quiz: Quiz) -> dict[str, list[int]]:
    """Parse and check an answers file against `quiz`; ContentError lists every problem.

    The file's shape is engine/schemas/answers.schema.json: question id -> nothing (not answered),
    an option number, or a list of them.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(name, 0, "no such answers file")]) from None
    except UnicodeDecodeError:
        raise ContentError([Problem(name, 0, "not UTF-8 text; save the answers file as UTF-8")]) from None
    except OSError as exc:
        raise ContentError([Problem(name, 0, f"cannot read the answers file: {exc.strerror or exc}")]) from None
    data, where = load_located(text, name)
    if data is None:
        raise ContentError([Problem(name, 1, f"the answers file is empty; write one line per question, e.g. {ANSWERS_EXAMPLE}")])
    if not isinstance(data, dict):
        raise ContentError([where.problem((), f"the answers file must map question ids to option numbers, e.g. {ANSWERS_EXAMPLE}")])

    ids = [q.id for q in quiz.questions]
    problems: list[Problem] = []
    answers: dict[str, list[int]] = {}
    for key, value in data.items():
        qid = str(key)
        if qid not in ids:
            close = difflib.get_close_matches(qid, ids, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"its questions are: {', '.join(ids)}"
            problems.append(where.problem((key,), f"quiz {quiz.id!r} has no question `{qid}`; {hint}", key=True))
            continue
        chosen = _option_numbers(value, (key,), where, problems)
        if chosen is None:
            continue
        try:
            check_answer(quiz.question(qid), chosen)
        except AnswerError as exc:
            problems.append(where.problem((key,), f"{exc}"))
            continue
        answers[qid] = chosen
    if problems:
        raise ContentError(problems)
    return answers


def _option_numbers(value: Any, path: tuple, where: Any, problems: list[Problem]) -> list[int] | None:
    if value is None:
        return []  # `q1:` with nothing after it: not answered
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int):
            at = path + (i,) if isinstance(value, list) else path
            problems.append(where.problem(at, f"{item!r} is not an option number; write numbers as written in the "
                                              f"quiz, 1-based, e.g. {ANSWERS_EXAMPLE}"))
            return None
        out.append(item)
    return out
