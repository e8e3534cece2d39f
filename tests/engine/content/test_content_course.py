"""load_course on a course folder and on a book folder of our own."""

from __future__ import annotations

from tests.paths import FIXTURES as ALL_FIXTURES

import shutil
from pathlib import Path

from engine.content.course import load_course
from engine.model import Markdown

FIXTURES = ALL_FIXTURES / "content"


def test_course_folder() -> None:
    course = load_course(FIXTURES / "course")
    assert course.title == "Fixture course"
    # nav_weight orders lessons: 02-retries (10) before 01-first-steps (20)
    assert [lesson.id for lesson in course.lessons()] == ["02-retries", "01-first-steps"]
    first = course.lesson("01-first-steps")
    assert first.link_title == "First steps" and first.description == "Where a record goes after send()."
    assert first.quiz is course.quizzes["first-steps"] and len(first.quiz.questions) == 3
    (example,) = first.examples
    assert example.name == "tiny" and example.title == "A tiny example"
    assert example.script.name == "tiny.py" and example.scenario is not None and example.scenario.name == "tiny.yaml"
    retries = course.lesson("02-retries")
    assert retries.quiz is course.quizzes["02-retries"] and retries.quiz.lesson == "02-retries"
    # the one unknown shortcode is the only problem, on the lesson and the course
    assert [p.severity for p in course.problems] == ["warning"] and first.problems == course.problems


def test_bad_lesson_and_bad_quiz_do_not_stop_the_course(tmp_path: Path) -> None:
    root = tmp_path / "c"
    shutil.copytree(FIXTURES / "course", root)
    (root / "lessons" / "03-broken").mkdir()
    (root / "lessons" / "03-broken" / "index.md").write_text("---\ntitle: [oops\n---\n\nStill here.\n")
    (root / "quizzes" / "bad.yaml").write_text("id: bad\nlesson: nowhere\nquestions:\n  - kind: sngle\n")
    (root / "quizzes" / "orphan.yaml").write_text(
        "id: orphan\nlesson: nowhere\nquestions:\n  - {kind: order, prompt: p, options: [{text: a}, {text: b}]}\n")
    course = load_course(root)
    assert [lesson.id for lesson in course.lessons()] == ["03-broken", "02-retries", "01-first-steps"]
    broken = course.lesson("03-broken")
    assert broken.problems and broken.problems[0].severity == "error" and broken.title == "03-broken"
    assert isinstance(broken.blocks[0], Markdown)
    files = {Path(p.file).name for p in course.problems if p.severity == "error"}
    assert files == {"index.md", "bad.yaml", "orphan.yaml"}
    assert any("names no lesson" in p.message for p in course.problems)


def test_examples_front_matter_errors(tmp_path: Path) -> None:
    lesson = tmp_path / "lessons" / "l1"
    lesson.mkdir(parents=True)
    (lesson / "index.md").write_text("---\ntitle: L\nexamples: [{name: missing}, {title: no-name}]\n---\n")
    course = load_course(tmp_path)
    msgs = [p.message for p in course.lesson("l1").problems]
    assert {p.line for p in course.lesson("l1").problems} == {3}
    assert len(msgs) == 2 and "examples/missing.py is missing" in msgs[0] and "has no name" in msgs[1]


def test_book_folder_chapters_order_and_links() -> None:
    course = load_course(FIXTURES / "book" / "shelf")
    assert course.title == "Shelf"
    # chapter 2 (nav_weight 50) before chapter 1 (100); inside 1: its own page, then 1/2 (110), 1/1 (120)
    assert [c.id for c in course.chapters] == ["2", "1"]
    assert [c.title for c in course.chapters] == ["2. Brokers", "1. Logs"]
    assert [lesson.id for lesson in course.lessons()] == ["2/1", "1", "1/2", "1/1"]
    assert course.lesson("1").quiz is not None
    links = " ".join(b.text for b in course.lesson("1/1").blocks if isinstance(b, Markdown))
    assert "[the chapter](lesson:1)" in links  # "/shelf/1": the book's folder name is dropped
    links = " ".join(b.text for b in course.lesson("1/2").blocks if isinstance(b, Markdown))
    assert "[shelf/1/1](lesson:1/1)" in links
    assert len(course.lesson("2/1").quiz.questions) == 1  # the bad question is left out...
    assert any(p.line == 13 and p.severity == "error" for p in course.problems)  # ...and reported


def test_not_a_course(tmp_path: Path) -> None:
    course = load_course(tmp_path / "missing")
    assert course.problems and "not a course folder" in course.problems[0].message


def test_validate_course_lists_problems_once(tmp_path: Path) -> None:
    from engine.validate import validate_course

    assert [p.severity for p in validate_course(FIXTURES / "course")] == ["warning"]
    root = tmp_path / "c"
    shutil.copytree(FIXTURES / "course", root)
    (root / "quizzes" / "zz-again.yaml").write_text((root / "quizzes" / "first-steps.yaml").read_text())
    problems = validate_course(root)
    (dup,) = [p for p in problems if "already used" in p.message]
    assert Path(dup.file).name == "zz-again.yaml" and (dup.line, dup.column) == (1, 1)
    assert len(problems) == len(set(problems))


def test_validate_checks_example_scenarios_and_exercises(tmp_path: Path) -> None:
    from engine.validate import validate_course

    root = tmp_path / "c"
    shutil.copytree(FIXTURES / "course", root)
    (root / "lessons" / "01-first-steps" / "examples" / "tiny.yaml").write_text("title: [unclosed\n")
    (root / "exercises" / "ex1").mkdir(parents=True)
    (root / "exercises" / "ex1" / "exercise.yaml").write_text("- not a mapping\n")
    files = {Path(p.file).name for p in validate_course(root) if p.severity == "error"}
    assert files == {"tiny.yaml", "exercise.yaml"}
