"""The course's quizzes: every file is valid Quiz YAML and the course's minimum counts hold.

Counts: at least 8 questions per lesson quiz, at least 60 in all, at least 12 `multiple` questions with two
or more correct answers, at least 6 `order` questions, every question with an explanation, ids unique.

The schema is checked here by hand (so the test stands on its own); when `engine.content.quizfile.load_quiz`
exists, every file must also load through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import ROOT
QUIZZES = ROOT / "quizzes"

LESSON_IDS = [
    "01-where-messages-go",
    "02-at-most-once",
    "03-at-least-once",
    "04-acks-and-replication",
    "05-idempotent-producer",
    "06-transactions",
    "07-exactly-once-pipelines",
    "08-choosing-a-guarantee",
    "09-rebalances-and-offsets",
    "10-errors-and-recovery",
]
KINDS = {"single", "multiple", "order"}

MIN_PER_LESSON = 8
MIN_TOTAL = 60
MIN_MULTI_ANSWER = 12
MIN_ORDER = 6


def quiz_files() -> list[Path]:
    return sorted(QUIZZES.glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: the top level must be a mapping"
    return data


def all_quizzes() -> dict[str, dict[str, Any]]:
    return {p.stem: load(p) for p in quiz_files()}


def n_correct(question: dict[str, Any]) -> int:
    return sum(1 for o in question.get("options") or [] if isinstance(o, dict) and o.get("correct") is True)


def schema_problems(name: str, quiz: dict[str, Any]) -> list[str]:
    """Everything wrong with one quiz, as readable sentences (empty when it is valid)."""
    problems: list[str] = []
    for key in ("id", "title", "questions"):
        if key not in quiz:
            problems.append(f"{name}: missing top-level `{key}`")
    options = quiz.get("options", {})
    if not isinstance(options, dict):
        problems.append(f"{name}: `options` must be a mapping")
    questions = quiz.get("questions") or []
    if not isinstance(questions, list) or not questions:
        problems.append(f"{name}: `questions` must be a non-empty list")
        return problems
    seen: set[str] = set()
    for i, q in enumerate(questions, 1):
        where = f"{name} question {i}"
        if not isinstance(q, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        for key in ("id", "kind", "prompt", "options"):
            if key not in q:
                problems.append(f"{where}: missing `{key}`")
        qid = q.get("id")
        if qid in seen:
            problems.append(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        kind = q.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
        if not isinstance(q.get("prompt"), str) or not q.get("prompt", "").strip():
            problems.append(f"{where}: `prompt` must be non-empty Markdown")
        opts = q.get("options")
        if not isinstance(opts, list) or len(opts) < 2:
            problems.append(f"{where}: needs at least two options")
            continue
        for j, o in enumerate(opts, 1):
            if not isinstance(o, dict) or not isinstance(o.get("text"), str) or not o["text"].strip():
                problems.append(f"{where} option {j}: needs a non-empty `text`")
            elif "correct" in o and not isinstance(o["correct"], bool):
                problems.append(f"{where} option {j}: `correct` must be true or false")
        correct = n_correct(q)
        if kind == "single" and correct != 1:
            problems.append(f"{where}: a single-choice question needs exactly one correct option, has {correct}")
        if kind == "multiple" and correct < 1:
            problems.append(f"{where}: a multiple-choice question needs at least one correct option")
        if kind == "order":
            if len(opts) < 3:
                problems.append(f"{where}: an ordering question needs at least three options")
            if any(isinstance(o, dict) and o.get("correct") is False for o in opts):
                problems.append(f"{where}: ordering options are written in the correct order; omit `correct`")
        if not isinstance(q.get("explanation"), str) or not q["explanation"].strip():
            problems.append(f"{where}: needs an `explanation`")
        elif q["explanation"].lstrip().lower().startswith(("explanation:", "**explanation:**")):
            problems.append(f"{where}: write the explanation without an 'Explanation:' label")
    return problems


def test_every_lesson_has_a_quiz_and_nothing_else() -> None:
    assert sorted(p.stem for p in quiz_files()) == sorted(LESSON_IDS)


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_quiz_schema(lesson_id: str) -> None:
    path = QUIZZES / f"{lesson_id}.yaml"
    quiz = load(path)
    assert schema_problems(path.name, quiz) == []
    assert quiz["id"] == lesson_id
    assert quiz.get("lesson") == lesson_id
    assert quiz.get("options", {}).get("passing_grade") == 70
    assert quiz.get("options", {}).get("shuffle_answers") is True


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_quiz_loads_through_the_engine(lesson_id: str) -> None:
    try:
        from engine.content.quizfile import load_quiz  # written by another issue; may not exist yet
    except ImportError:
        return  # the schema test above already validated the file by hand
    path = QUIZZES / f"{lesson_id}.yaml"
    result = load_quiz(path)
    quiz = result
    if isinstance(result, tuple):  # tolerate a (quiz, problems) return
        quiz = next((r for r in result if hasattr(r, "questions")), None)
    assert quiz is not None and hasattr(quiz, "questions"), f"load_quiz({path.name}) returned {result!r}"
    assert len(quiz.questions) == len(load(path)["questions"])
    try:
        from engine.content.quizfile import read_quiz  # reports warnings too, without raising
    except ImportError:
        return
    _, problems = read_quiz(path)
    assert [str(p) for p in problems] == []


def test_counts() -> None:
    quizzes = all_quizzes()
    questions = [q for quiz in quizzes.values() for q in quiz["questions"]]
    for name, quiz in quizzes.items():
        assert len(quiz["questions"]) >= MIN_PER_LESSON, f"{name}: {len(quiz['questions'])} questions"
    assert len(questions) >= MIN_TOTAL
    multi = [q for q in questions if q["kind"] == "multiple" and n_correct(q) >= 2]
    assert len(multi) >= MIN_MULTI_ANSWER
    assert len([q for q in questions if q["kind"] == "order"]) >= MIN_ORDER
    assert all(isinstance(q.get("explanation"), str) and q["explanation"].strip() for q in questions)


def test_ids_unique() -> None:
    quizzes = all_quizzes()
    quiz_ids = [quiz["id"] for quiz in quizzes.values()]
    assert len(quiz_ids) == len(set(quiz_ids))
    for name, quiz in quizzes.items():
        qids = [q["id"] for q in quiz["questions"]]
        assert len(qids) == len(set(qids)), f"{name}: duplicate question ids"
        assert qids == [f"q{i}" for i in range(1, len(qids) + 1)], f"{name}: ids should run q1..qN"


def test_wrong_options_mostly_explain_themselves() -> None:
    """Per-option feedback where a wrong option reveals a misconception: most wrong options carry feedback."""
    quizzes = all_quizzes()
    wrong = [
        o
        for quiz in quizzes.values()
        for q in quiz["questions"]
        if q["kind"] != "order"
        for o in q["options"]
        if not o.get("correct")
    ]
    with_feedback = [o for o in wrong if isinstance(o.get("feedback"), str) and o["feedback"].strip()]
    assert len(with_feedback) >= 0.8 * len(wrong)
