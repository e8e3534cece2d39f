"""Quiz YAML: load, validate, dump."""

from __future__ import annotations

from tests.paths import FIXTURES

from pathlib import Path

import pytest

from engine.model import Option, Question, Quiz, QuizOptions
from engine.problems import ContentError
from engine.content.quizfile import dump_quiz, load_quiz, load_quiz_text, read_quiz_text, validate_quiz_file

QUIZ = FIXTURES / "content" / "course" / "quizzes" / "first-steps.yaml"


def test_load_the_fixture() -> None:
    quiz = load_quiz(QUIZ)
    assert (quiz.id, quiz.title, quiz.lesson, quiz.path) == ("first-steps", "First steps", "01-first-steps", QUIZ)
    assert quiz.options == QuizOptions(shuffle_answers=True, passing_grade=70)
    q1, q2, q3 = quiz.questions
    assert (q1.kind, q1.correct_indexes, q1.options[0].feedback, q1.line) == ("single", [0], "Yes.", 6)
    assert q2.prompt == "Which of these are **producer** settings?\n" and q2.correct_indexes == [0, 1]
    assert q2.hint == "One of them belongs to consumers."
    assert q3.kind == "order" and [o.text for o in q3.options] == ["serialize", "send"]
    assert validate_quiz_file(QUIZ) == []


def _errors(text: str) -> list:
    with pytest.raises(ContentError) as info:
        load_quiz_text(text, "quizzes/bad.yaml")
    return info.value.problems


def test_wrong_indentation_names_line_and_column() -> None:
    (p,) = _errors("id: x\nquestions:\n  - id: q1\n    kind: single\n     prompt: oops\n")
    assert (p.file, p.line, p.column) == ("quizzes/bad.yaml", 5, 12)
    assert "indentation" in p.message


def test_unknown_kind_says_what_to_write() -> None:
    (p,) = _errors("id: x\nquestions:\n  - kind: multi\n    prompt: p\n    options:\n"
                   "      - {text: a, correct: true}\n      - {text: b}\n")
    assert (p.line, p.column) == (3, 11)
    assert "did you mean `multiple`" in p.message and "single, multiple or order" in p.message


def test_no_correct_option_and_two_for_single() -> None:
    text = ("questions:\n"
            "  - {id: a, kind: multiple, prompt: p, options: [{text: x}, {text: y}]}\n"
            "  - {id: b, kind: single, prompt: p, options: [{text: x, correct: true}, {text: y, correct: true}]}\n"
            "  - {id: c, kind: single, prompt: p, options: [{text: x, correct: true}, {text: y}]}\n")
    first, second = _errors(text)
    assert first.line == 2 and "no correct option" in first.message and "`correct: true`" in first.message
    assert second.line == 3 and "2 correct options" in second.message
    quiz, problems = read_quiz_text(text, "q.yaml")
    assert quiz is not None and [q.id for q in quiz.questions] == ["c"] and len(problems) == 2


def test_typos_in_keys_and_types() -> None:
    text = ("id: x\noptions: {passing_grade: 170, shuffle_answers: maybe}\nquestions:\n"
            "  - id: q1\n    kind: single\n    promt: p\n    options:\n      - {text: a, correct: yes}\n"
            "      - plain text option\n")
    _, problems = read_quiz_text(text, "f.yaml")
    got = {(p.line, p.column, p.severity): p.message for p in problems}
    assert "0 to 100" in got[(2, 26, "error")]
    assert "true or false" in got[(2, 48, "error")]
    assert "did you mean `prompt`" in got[(6, 5, "warning")]
    assert "has no `prompt:`" in got[(4, 5, "error")] and "`promt`" in got[(4, 5, "error")]
    assert "write `- {text: 'plain text option', correct: false}`" in got[(9, 9, "error")]


def test_structural_errors() -> None:
    assert "has no `questions:`" in _errors("id: x\n")[0].message
    assert "empty" in _errors("")[0].message
    assert "mapping" in _errors("- a\n- b\n")[0].message
    assert "must be a list" in _errors("questions: nope\n")[0].message
    dup = _errors("questions:\n  - {id: a, kind: order, prompt: p, options: [{text: x}, {text: y}]}\n"
                  "  - {id: a, kind: order, prompt: p, options: [{text: x}, {text: y}]}\n")
    assert dup[0].line == 3 and "used twice" in dup[0].message


def test_scalars_keep_their_text() -> None:
    quiz = load_quiz_text("questions:\n  - {kind: single, prompt: 42, options: [{text: yes, correct: true}, "
                          "{text: 'null'}, {text: x, feedback: ~}]}\n", "n.yaml")
    q = quiz.questions[0]
    assert quiz.id == "n" and q.id == "q1" and q.prompt == "42"
    assert [o.text for o in q.options] == ["yes", "null", "x"] and q.options[2].feedback is None


def test_dump_then_load_gives_the_same_quiz() -> None:
    quiz = Quiz(
        id="dq", title="Dump: a quiz", lesson="l/1", source="book/l/1/index.md",
        options=QuizOptions(shuffle_questions=True, n_questions=2, partial=True, enable_retry=False,
                            extra={"custom": [1, 2]}),
        questions=[
            Question("q1", "single", "Line one\n\n```py\nx = 1  \n```\n",
                     [Option("yes", True, "fb: with colon"), Option("#no", False)], "why\nand why not\n", "hint"),
            Question("q2", "order", "  leading spaces", [Option("a"), Option("b\tc")]),
        ],
    )
    text = dump_quiz(quiz)
    assert "explanation: |" in text  # multi-line text is written as a block an instructor can edit
    back = load_quiz_text(text, "dq.yaml")
    for q in back.questions:
        q.line = 0
    assert back == quiz
