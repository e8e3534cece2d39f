"""Grading a class: one answers file per learner in a folder, one gradebook row per learner.

The file name (without `.yaml`/`.yml`) is the learner. Each file is read and graded exactly as
`course grade QUIZ FILE` does (engine.learner.grading.read_answers and grade_quiz), so a row's
credits, total and verdict are the ones the learner would get alone. A file that cannot be read
or graded is listed with the reason, and the others are still graded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.learner.grading import QuizGrade, grade_quiz, read_answers
from engine.model import Quiz
from engine.problems import ContentError

ANSWER_SUFFIXES = (".yaml", ".yml")


@dataclass
class Unreadable:
    file: Path
    reason: str


@dataclass
class Gradebook:
    quiz: Quiz
    grades: list[tuple[str, QuizGrade]] = field(default_factory=list)  # (learner, grade), by learner
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def question_ids(self) -> list[str]:
        return [q.id for q in self.quiz.questions]

    def to_csv(self) -> str:
        """learner, one column of credit (0..1) per question, total, max, percent, passed."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["learner", *self.question_ids, "total", "max", "percent", "passed"])
        for learner, grade in self.grades:
            credits = {q.id: q.credit for q in grade.questions}
            writer.writerow([learner, *(_number(credits[qid]) for qid in self.question_ids),
                             _number(grade.score), grade.max, _number(grade.percent),
                             "true" if grade.passed else "false"])
        return out.getvalue()

    def to_json(self) -> dict[str, Any]:
        return {
            "quiz": self.quiz.id,
            "questions": self.question_ids,
            "learners": [
                {"learner": learner, "credits": {q.id: round(q.credit, 4) for q in grade.questions},
                 "total": grade.score, "max": grade.max, "percent": grade.percent, "passed": grade.passed}
                for learner, grade in self.grades
            ],
            "unreadable": [{"file": str(u.file), "reason": u.reason} for u in self.unreadable],
        }


def _number(value: float) -> str:
    """4 decimals at most, no trailing zeros: 1, 0.5, 0.3333."""
    return f"{round(value, 4):g}"


def grade_folder(quiz: Quiz, folder: Path) -> Gradebook:
    """Grade every answers file in `folder` (not its subfolders; hidden files skipped)."""
    book = Gradebook(quiz)
    seen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() not in ANSWER_SUFFIXES:
            book.unreadable.append(Unreadable(path, "not an answers file: name it <learner>.yaml"))
            continue
        learner = path.stem
        if learner in seen:
            book.unreadable.append(Unreadable(path, f"learner {learner!r} is already graded from {seen[learner].name}"))
            continue
        try:
            answers = read_answers(path, quiz)
        except ContentError as exc:
            book.unreadable.append(Unreadable(path, "; ".join(_where(p) for p in exc.problems)))
            continue
        seen[learner] = path
        book.grades.append((learner, grade_quiz(quiz, answers)))
    return book


def _where(problem: Any) -> str:
    """A problem without its file name (the file is listed beside it): `line 3: ...`."""
    at = f"line {problem.line}: " if problem.line else ""
    return at + problem.message
