"""engine.learner.grading: every question kind, all-or-nothing and partial credit, the passing grade."""

from __future__ import annotations

import itertools

import pytest

from engine.learner.grading import DEFAULT_PASSING_GRADE, AnswerError, grade_question, grade_quiz
from engine.model import Option, Question, Quiz, QuizOptions


def single() -> Question:
    return Question("s", "single", "Which?", [Option("a"), Option("b", correct=True), Option("c")])


def multiple() -> Question:
    # correct: 1, 3, 4 (k = 3); wrong: 2, 5
    opts = [Option("a", True), Option("b"), Option("c", True), Option("d", True), Option("e")]
    return Question("m", "multiple", "Which ones?", opts)


def order(n: int = 4) -> Question:
    return Question("o", "order", "Put in order", [Option(f"step {i}") for i in range(1, n + 1)])


def quiz(*questions: Question, partial: bool = False, passing: int | None = None) -> Quiz:
    return Quiz("q", "Quiz", list(questions), QuizOptions(partial=partial, passing_grade=passing))


# ---------------------------------------------------------------- single


def test_single_right_and_wrong() -> None:
    right = grade_question(single(), [2])
    assert (right.correct, right.credit, right.expected, right.given) == (True, 1.0, [2], [2])
    wrong = grade_question(single(), [3])
    assert (wrong.correct, wrong.credit, wrong.expected, wrong.given) == (False, 0.0, [2], [3])


def test_single_has_no_partial_credit() -> None:
    assert grade_question(single(), [1], partial=True).credit == 0.0


def test_single_with_two_picks_is_an_error() -> None:
    with pytest.raises(AnswerError, match="single choice"):
        grade_question(single(), [1, 2])


# ---------------------------------------------------------------- multiple


def test_multiple_is_all_or_nothing_by_default() -> None:
    q = multiple()
    assert grade_question(q, [4, 1, 3]).correct  # any order of the right set
    assert grade_question(q, [1, 3]).credit == 0.0  # one missing
    assert grade_question(q, [1, 3, 4, 5]).credit == 0.0  # one extra


@pytest.mark.parametrize(
    "chosen, credit",
    [
        ([1, 3, 4], 1.0),
        ([1, 3], 2 / 3),
        ([1], 1 / 3),
        ([1, 3, 4, 2], 2 / 3),  # 3 right - 1 wrong
        ([1, 2], 0.0),  # 1 - 1
        ([1, 2, 5], 0.0),  # floored at 0, never negative
        ([1, 2, 3, 4, 5], 1 / 3),  # everything: 3 - 2
        ([2, 5], 0.0),
    ],
)
def test_multiple_partial_credit(chosen: list[int], credit: float) -> None:
    g = grade_question(multiple(), chosen, partial=True)
    assert g.credit == pytest.approx(credit)
    assert g.correct is (credit == 1.0)


def test_partial_rule_matches_brute_force_over_every_subset() -> None:
    """(right - wrong)/k floored at 0, checked against an independent count on all 2^5 subsets."""
    q = multiple()
    correct = {1, 3, 4}
    for r in range(6):
        for subset in itertools.combinations(range(1, 6), r):
            right = sum(1 for c in subset if c in correct)
            wrong = len(subset) - right
            want = 0.0 if not subset else max(0, right - wrong) / 3
            assert grade_question(q, list(subset), partial=True).credit == pytest.approx(want), subset


# ---------------------------------------------------------------- order


def test_order_all_or_nothing() -> None:
    assert grade_question(order(), [1, 2, 3, 4]).correct
    g = grade_question(order(), [2, 1, 3, 4])
    assert (g.credit, g.expected, g.given) == (0.0, [1, 2, 3, 4], [2, 1, 3, 4])


@pytest.mark.parametrize(
    "given, credit",
    [
        ([1, 2, 3, 4], 1.0),
        ([2, 1, 3, 4], 3 / 4),  # 1,3,4 or 2,3,4 in order
        ([4, 1, 2, 3], 3 / 4),
        ([1, 3, 2, 4], 3 / 4),
        ([2, 4, 1, 3], 2 / 4),
        ([4, 3, 2, 1], 0.0),  # longest ordered run is a single item: 0
    ],
)
def test_order_partial_is_longest_ordered_subset(given: list[int], credit: float) -> None:
    assert grade_question(order(), given, partial=True).credit == pytest.approx(credit)


def test_order_partial_matches_brute_force_for_every_permutation() -> None:
    def longest_increasing(seq: tuple[int, ...]) -> int:
        best = 1
        for r in range(len(seq), 1, -1):
            if any(list(c) == sorted(c) for c in itertools.combinations(seq, r)):
                return r
        return best

    for perm in itertools.permutations(range(1, 6)):
        lis = longest_increasing(perm)
        want = lis / 5 if lis >= 2 else 0.0
        assert grade_question(order(5), list(perm), partial=True).credit == pytest.approx(want), perm


def test_order_must_list_every_option_once() -> None:
    with pytest.raises(AnswerError, match="missing: 4"):
        grade_question(order(), [1, 2, 3])
    with pytest.raises(AnswerError, match="twice"):
        grade_question(order(), [1, 2, 2, 3])


# ---------------------------------------------------------------- bad answers


@pytest.mark.parametrize("bad", [[0], [6], [-1], ["2"], [1.5], [True]])
def test_impossible_option_numbers_are_errors(bad: list) -> None:
    with pytest.raises(AnswerError):
        grade_question(multiple(), bad)


# ---------------------------------------------------------------- whole quiz


def test_quiz_score_percent_and_pass() -> None:
    qz = quiz(single(), multiple(), order())
    g = grade_quiz(qz, {"s": [2], "m": [1, 3, 4], "o": [2, 1, 3, 4]})
    assert (g.quiz, g.score, g.max, g.percent) == ("q", 2.0, 3, 66.67)
    assert g.passed is False  # 66.67 < default 70
    assert DEFAULT_PASSING_GRADE == 70
    assert [q.correct for q in g.questions] == [True, True, False]


def test_quiz_passing_grade_from_options() -> None:
    qz = quiz(single(), multiple(), order(), passing=60)
    assert grade_quiz(qz, {"s": [2], "m": [1, 3, 4]}).passed is True  # 66.67 >= 60
    assert grade_quiz(qz, {"s": [2]}).passed is False  # 33.33


def test_quiz_partial_option_applies_to_every_question() -> None:
    qz = quiz(single(), multiple(), order(), partial=True)
    g = grade_quiz(qz, {"s": [1], "m": [1, 3], "o": [2, 1, 3, 4]})
    assert [round(q.credit, 4) for q in g.questions] == [0.0, 0.6667, 0.75]
    assert g.score == pytest.approx(0 + 2 / 3 + 3 / 4, abs=1e-4)
    assert g.percent == pytest.approx(100 * (2 / 3 + 3 / 4) / 3, abs=0.01)


def test_unanswered_questions_are_wrong() -> None:
    g = grade_quiz(quiz(single(), multiple()), {"s": [2]})
    assert [(q.id, q.correct, q.given) for q in g.questions] == [("s", True, [2]), ("m", False, [])]
    assert (g.score, g.percent) == (1.0, 50.0)


def test_exactly_the_passing_grade_passes() -> None:
    qs = [Question(f"q{i}", "single", "?", [Option("a", True), Option("b")]) for i in range(10)]
    answers = {q.id: [1] if i < 7 else [2] for i, q in enumerate(qs)}
    g = grade_quiz(quiz(*qs), answers)
    assert (g.percent, g.passed) == (70.0, True)
    answers["q6"] = [2]
    assert grade_quiz(quiz(*qs), answers).passed is False


def test_unknown_question_id_is_an_error() -> None:
    with pytest.raises(KeyError, match="q9"):
        grade_quiz(quiz(single()), {"q9": [1]})


def test_asked_subset_only() -> None:
    g = grade_quiz(quiz(single(), multiple(), order()), {"s": [2]}, asked=["s"])
    assert (g.max, g.percent, g.passed) == (1, 100.0, True)


def test_json_shape_is_exactly_the_contract() -> None:
    g = grade_quiz(quiz(single(), order()), {"s": [3], "o": [1, 2, 3, 4]})
    assert g.to_json() == {
        "quiz": "q",
        "score": 1.0,
        "max": 2,
        "percent": 50.0,
        "passed": False,
        "questions": [
            {"id": "s", "correct": False, "credit": 0.0, "expected": [2], "given": [3]},
            {"id": "o", "correct": True, "credit": 1.0, "expected": [1, 2, 3, 4], "given": [1, 2, 3, 4]},
        ],
    }
    assert [set(q) for q in g.to_json(reveal=False)["questions"]] == [{"id", "correct", "credit", "given"}] * 2
