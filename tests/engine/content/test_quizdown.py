"""quizdown -> Quiz, by quizdown-js's rules."""

from __future__ import annotations

from tests.paths import FIXTURES

from pathlib import Path

from engine.content.course import read_page
from engine.content.quizdown import parse_quizdown

RETRIES = FIXTURES / "content" / "course" / "lessons" / "02-retries" / "index.md"


def test_list_type_decides_the_kind() -> None:
    quiz = read_page(RETRIES, lesson_id="02-retries").quiz
    assert quiz is not None
    assert [q.kind for q in quiz.questions] == ["multiple", "single", "order"]
    assert [q.correct_indexes for q in quiz.questions] == [[0], [1], [0, 1, 2, 3]]
    assert [o.text for o in quiz.questions[2].options] == ["serialize", "partition", "batch", "send"]


def test_body_explanation_hint_feedback_and_options_block() -> None:
    quiz = read_page(RETRIES).quiz
    assert quiz is not None
    q1, q2, _ = quiz.questions
    assert q1.prompt.startswith("Which setting stops duplicate writes from retries?\n\nThink of the producer")
    assert "```properties\nretries=5\n```" in q1.prompt
    assert q1.options[0].text == "`enable.idempotence=true`"
    assert q1.options[0].feedback == "Right: the broker drops repeats by sequence number."
    assert q1.options[1].feedback is None
    assert q1.explanation == "An idempotent producer tags batches with sequence numbers."
    assert q1.hint is None
    assert q2.hint == "Think about replicas." and q2.explanation is None
    assert quiz.options.shuffle_answers is False and quiz.options.passing_grade == 50
    assert q1.line == 17 and q1.id == "q1"


def test_single_choice_with_two_correct_is_an_error_and_the_rest_loads() -> None:
    text = "### A?\n\n1. [x] a\n1. [x] b\n\n### B?\n\n- [x] yes\n- [ ] no\n"
    quiz, problems = parse_quizdown(text, file="page.md", line_offset=10)
    assert [q.id for q in quiz.questions] == ["q2"]
    (p,) = problems
    assert (p.file, p.line, p.severity) == ("page.md", 11, "error")
    assert "lines 13, 14" in p.message and "single choice" in p.message


def test_no_correct_option_missing_boxes_and_missing_list() -> None:
    text = ("# None right\n\n- [ ] a\n- [ ] b\n\n# Half boxed\n\n- [x] a\n- b\n\n"
            "# No list\n\njust text\n\n# Plain bullets\n\n- a\n- b\n\n# Fine\n\n- [X] upper-case box\n- [ ] b\n")
    quiz, problems = parse_quizdown(text)
    assert [q.id for q in quiz.questions] == ["q5"]
    assert quiz.questions[0].options[0].correct
    assert [(p.line, p.severity) for p in problems] == [(1, "error"), (9, "error"), (11, "error"), (15, "error")]
    assert "no correct option" in problems[0].message and "`[x]`" in problems[0].message
    assert "`- [ ] text`" in problems[1].message
    assert "no options" in problems[2].message
    assert "no boxes" in problems[3].message


def test_links_are_not_boxes_and_unknown_options_are_kept() -> None:
    text = "---\nnQuestions: 1\ncustom: 3\n---\n### Q\n\n1. [Docs](#docs)\n2. [x] b\n"
    quiz, problems = parse_quizdown(text)
    assert quiz.options.n_questions == 1 and quiz.options.extra == {"custom": 3}
    assert not quiz.questions and "no box" in problems[0].message and problems[0].line == 7


def test_text_before_the_first_heading_and_an_empty_quiz() -> None:
    quiz, problems = parse_quizdown("intro\n\n## Q\n- [x] a\n- [ ] b\n")
    assert len(quiz.questions) == 1 and problems[0].severity == "warning" and problems[0].line == 1
    quiz, problems = parse_quizdown("\n\n")
    assert quiz.questions == [] and "no questions" in problems[0].message


def test_unclosed_options_block_and_bad_yaml_are_reported() -> None:
    _, problems = parse_quizdown("---\nshuffleAnswers: true\n### Q\n- [x] a\n")
    assert any("never closed" in p.message for p in problems)
    _, problems = parse_quizdown("---\nshuffleAnswers: [\n---\n### Q\n- [x] a\n- [ ] b\n", line_offset=4)
    assert problems[0].line >= 6 and "not valid YAML" in problems[0].message
