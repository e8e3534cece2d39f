"""Check a course folder (lessons, quizzes, links, example scenarios and exercises), or one file of
it: a page, a Quiz YAML, a scenario or an exercise (`course validate`).

A YAML file is told apart first by where a course keeps it (`quizzes/*.yaml`,
`lessons/<id>/examples/*.yaml` or `scenario.yaml`, `exercises/<name>/exercise.yaml`), then by what
it holds (`questions:` for a quiz, `pass:`/`hints:` for an exercise, `topics:`/`faults:`/`expect:`
for a scenario).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from engine.content.course import load_course
from engine.model import Course
from engine.problems import ContentError, Problem, ProblemReport

YAML_SUFFIXES = (".yaml", ".yml")
QUIZ_MARKS = frozenset({"questions"})
EXERCISE_MARKS = frozenset({"pass", "hints", "feedback"})
SCENARIO_MARKS = frozenset({"topics", "faults", "expect", "brokers", "output"})


@dataclass
class ValidationReport(ProblemReport):
    lessons: int = 0
    quizzes: int = 0
    questions: int = 0
    kind: str = ""  # for one file: "page", "quiz", "scenario" or "exercise"

    def to_json(self) -> dict[str, Any]:
        kind = {"kind": self.kind} if self.kind else {}
        return {**kind, "lessons": self.lessons, "quizzes": self.quizzes, "questions": self.questions,
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


def check_file(path: Path) -> ValidationReport:
    """One page (`.md`) or one Quiz, scenario or exercise YAML file, with the same messages as a course check."""
    path = Path(path)
    if path.suffix == ".md":
        return _check_page(path)
    if path.suffix not in YAML_SUFFIXES:
        return ValidationReport(problems=[Problem(str(path), 0, "not a page or a YAML file; give a course folder, "
                                                  "a page (.md), or a quiz, scenario or exercise (.yaml)")])
    kind, problems = yaml_kind(path)
    report = ValidationReport(problems=problems, kind=kind or "")
    if kind == "quiz":
        from engine.content.quizfile import read_quiz

        quiz, found = read_quiz(path)
        report.problems.extend(found)
        if quiz is not None:
            report.quizzes, report.questions = 1, len(quiz.questions)
    elif kind == "scenario":
        from engine.runs.scenario import load_scenario

        try:
            load_scenario(path)
        except ContentError as exc:
            report.problems.extend(exc.problems)
    elif kind == "exercise":
        from engine.runs.exercises import load_exercise

        try:
            load_exercise(path.parent)
        except ContentError as exc:
            report.problems.extend(exc.problems)
    report.problems = _unique(report.problems)
    return report


def yaml_kind(path: Path) -> tuple[str | None, list[Problem]]:
    """"quiz", "scenario" or "exercise" for a YAML file, by its place in a course, then by its keys."""
    if path.name == "exercise.yaml":
        return "exercise", []
    if path.parent.name == "quizzes":
        return "quiz", []
    if path.name == "scenario.yaml" or path.parent.name == "examples":
        return "scenario", []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [Problem(str(path), 0, f"cannot read the file: {exc.strerror or exc}")]
    except (yaml.YAMLError, UnicodeDecodeError):
        from engine.yamlsource import load_located

        try:
            load_located(path.read_text(encoding="utf-8", errors="replace"), str(path))
        except ContentError as exc:
            return None, exc.problems
        data = None
    keys = set(data) if isinstance(data, dict) else set()
    for kind, marks in (("quiz", QUIZ_MARKS), ("exercise", EXERCISE_MARKS), ("scenario", SCENARIO_MARKS)):
        if keys & marks:
            return kind, []
    return None, [Problem(str(path), 1, "cannot tell what this YAML file is: a quiz has `questions:`, a scenario "
                          "`topics:` or `faults:`, an exercise `pass:`; add the one it lacks, or keep it where a "
                          "course does (quizzes/, lessons/<id>/examples/, exercises/<name>/exercise.yaml)")]


def _check_page(path: Path) -> ValidationReport:
    from engine.content.importer import lesson_id_for
    from engine.content.page import read_page

    lesson_id = lesson_id_for(Path(path.parent.name) / path.name) if path.name == "index.md" else path.stem
    page = read_page(path, lesson_id=lesson_id)
    report = ValidationReport(problems=_unique(page.problems), lessons=1, kind="page")
    if page.quiz is not None:
        report.quizzes, report.questions = 1, len(page.quiz.questions)
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
