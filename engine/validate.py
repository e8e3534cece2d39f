"""Check a course folder: lessons, quizzes, links, example scenarios and exercises (`course validate`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.content.course import load_course
from engine.model import Course
from engine.problems import ContentError, Problem, ProblemReport


@dataclass
class ValidationReport(ProblemReport):
    lessons: int = 0
    quizzes: int = 0
    questions: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"lessons": self.lessons, "quizzes": self.quizzes, "questions": self.questions,
                **self.problems_json()}


def check_course(root: Path) -> ValidationReport:
    """Lessons, quizzes and links (engine.content.course), example scenarios and exercises of a course folder."""
    course = load_course(root)
    problems = list(course.problems)
    problems.extend(_scenario_problems(course))
    if (root / "exercises").is_dir():
        from engine.runs.exercises import load_exercises

        problems.extend(load_exercises(root)[1])
    report = ValidationReport(problems=_unique(problems))
    report.lessons = sum(1 for _ in course.lessons())
    report.quizzes = len(course.quizzes)
    report.questions = sum(len(q.questions) for q in course.quizzes.values())
    if report.lessons == 0 and report.quizzes == 0 and not report.problems:
        report.problems.append(Problem(str(root), 0, "no lessons and no quizzes found; a course folder holds "
                                       "lessons/<id>/index.md and quizzes/<id>.yaml", severity="warning"))
    return report


def _scenario_problems(course: Course) -> list[Problem]:
    from engine.runs.scenario import load_scenario

    problems: list[Problem] = []
    for lesson in course.lessons():
        for example in lesson.examples:
            if example.scenario is None:
                continue
            try:
                load_scenario(example.scenario)
            except ContentError as exc:
                problems.extend(exc.problems)
    return problems


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
