"""`course export --format quizdown`: import(export(quiz)) gives the same quiz back.

Checked over every shipped quiz, through the page reader and through the real `course import`,
and over every quiz of the book corpus when it is present.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from course.cli import main
from engine.content.course import load_course
from engine.content.page import parse_page
from engine.content.quizfile import load_quiz, load_quiz_text
from engine.learner.export import ExportError, same_question, to_quizdown
from engine.model import Quiz
from tests.paths import CORPUS, ROOT

SHIPPED = sorted((ROOT / "quizzes").glob("*.yaml"))


def _reimport(text: str, lesson_id: str) -> Quiz:
    page = parse_page(text, file="exported.md", lesson_id=lesson_id)
    errors = [p for p in page.problems if p.severity == "error"]
    assert not errors, errors
    assert page.quiz is not None
    page.quiz.title = str(page.front_matter.get("title"))
    return page.quiz


def assert_same_quiz(back: Quiz, quiz: Quiz, ids: bool = True) -> None:
    assert back.title == quiz.title
    assert back.options == quiz.options
    assert len(back.questions) == len(quiz.questions)
    for a, b in zip(back.questions, quiz.questions):
        assert same_question(a, b), f"{quiz.id}/{b.id} differs after the round trip:\n{a}\n{b}"
        if ids:
            assert a.id == b.id


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_quiz_round_trips(path: Path) -> None:
    quiz = load_quiz(path)
    export = to_quizdown([quiz])
    assert export.warnings == []
    assert_same_quiz(_reimport(export.text, quiz.id), quiz)


def test_course_import_reads_the_export_back(tmp_path: Path) -> None:
    """The real pipeline: `course export` to a page, `course import` of a book holding it."""
    quiz = load_quiz(ROOT / "quizzes" / "03-at-least-once.yaml")
    book = tmp_path / "book" / "03-at-least-once"
    book.mkdir(parents=True)
    with redirect_stdout(io.StringIO()):
        assert main(["export", str(ROOT / "quizzes" / "03-at-least-once.yaml"), "--format", "quizdown",
                     "--out", str(book / "index.md")]) == 0
        assert main(["import", str(tmp_path / "book"), "--out", str(tmp_path / "course")]) == 0
    back = load_quiz(tmp_path / "course" / "quizzes" / "03-at-least-once.yaml")
    assert back.id == quiz.id and back.lesson == quiz.lesson
    assert_same_quiz(back, quiz)


def test_export_goes_to_standard_output_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(SHIPPED[0]), "--format", "quizdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\ntitle: ") and "{{< quizdown >}}" in out
    assert main(["export", str(SHIPPED[0]), "--format", "quizdown", "--out", "-"]) == 0
    assert capsys.readouterr().out == out


def test_one_quiz_per_page() -> None:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["export", str(SHIPPED[0]), str(SHIPPED[1]), "--format", "quizdown"]) == 2
    assert "one quiz" in err.getvalue()


QUIZ = """\
id: edge
title: "Edge cases: quotes, code and order"
options: {partial: true, nQuestions: 2, theme: dark}
questions:
  - id: q1
    kind: single
    prompt: |
      Two lines of prompt
      before the code:

      ```python
      print("- not a list")
      ```
    options:
      - text: |
          First paragraph.

          ```
          code in an option
          ```
        correct: true
        feedback: |
          Feedback over

          two paragraphs.
      - {text: "`acks=1`"}
    hint: A hint.
    explanation: |
      Explained,
      over two lines.
  - id: q2
    kind: order
    prompt: Order them
    options: [{text: first}, {text: second}, {text: third}]
  - id: custom
    kind: multiple
    prompt: Several
    options: [{text: a, correct: true}, {text: b, correct: true}, {text: c}]
"""


def test_hard_cases_round_trip_and_renamed_ids_are_warned() -> None:
    quiz = load_quiz_text(QUIZ, "edge.yaml")
    export = to_quizdown([quiz])
    back = _reimport(export.text, "edge")
    assert_same_quiz(back, quiz, ids=False)
    assert back.options.extra == {"theme": "dark"} and back.options.n_questions == 2
    assert [q.id for q in back.questions] == ["q1", "q2", "q3"]
    assert export.warnings and "custom -> q3" in export.warnings[0]


def test_a_prompt_quizdown_cannot_hold_is_an_error_not_a_different_quiz() -> None:
    quiz = load_quiz_text(QUIZ.replace("print(\"- not a list\")\n      ```", "```\n\n      - a list in the prompt"),
                          "edge.yaml")
    with pytest.raises(ExportError, match="edge/q1"):
        to_quizdown([quiz])


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the book corpus is not at {CORPUS}")
def test_every_quiz_of_the_book_round_trips() -> None:
    course = load_course(CORPUS)
    assert len(course.quizzes) > 100
    for quiz in course.quizzes.values():
        assert_same_quiz(_reimport(to_quizdown([quiz]).text, quiz.id), quiz, ids=False)
