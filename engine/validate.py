"""Check a course folder: every lesson, quiz and link, as `course validate` reports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.content import load_course
from engine.problems import Problem


@dataclass
class ValidationReport:
    lessons: int = 0
    quizzes: int = 0
    questions: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def to_json(self) -> dict[str, Any]:
        return {
            "lessons": self.lessons,
            "quizzes": self.quizzes,
            "questions": self.questions,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }


def check_course(root: Path) -> ValidationReport:
    course = load_course(root)
    report = ValidationReport(problems=_unique(course.problems))
    report.lessons = sum(1 for _ in course.lessons())
    report.quizzes = len(course.quizzes)
    report.questions = sum(len(q.questions) for q in course.quizzes.values())
    if report.lessons == 0 and report.quizzes == 0 and not report.problems:
        report.problems.append(Problem(str(root), 0, "no lessons and no quizzes found; a course folder holds "
                                       "lessons/<id>/index.md and quizzes/<id>.yaml", severity="warning"))
    return report


def validate_course(root: Path) -> list[Problem]:
    """Every problem (errors and warnings) in the course folder `root`."""
    return check_course(root).problems


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
