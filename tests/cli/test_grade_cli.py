"""`course grade` and `course progress`, run as a user would (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

QUIZ = textwrap.dedent(
    """\
    id: semantics
    title: Delivery semantics
    options: {passing_grade: 60}
    questions:
      - id: q1
        kind: single
        prompt: "Which `acks` waits for the in-sync replicas?"
        options:
          - {text: "`acks=0`"}
          - {text: "`acks=all`", correct: true}
          - {text: "`acks=1`"}
      - id: q2
        kind: multiple
        prompt: "Which can lose an acknowledged message?"
        options:
          - {text: "acks=1 and a leader crash", correct: true}
          - {text: "acks=all with min.insync.replicas=2"}
          - {text: "unclean leader election", correct: true}
      - id: q3
        kind: order
        prompt: "Order the hops"
        options:
          - {text: "producer"}
          - {text: "leader"}
          - {text: "follower"}
    """
)


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}


@pytest.fixture()
def quiz(tmp_path: Path) -> Path:
    path = tmp_path / "semantics.yaml"
    path.write_text(QUIZ)
    return path


def course(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", *args], capture_output=True, text=True,
                          env=env, timeout=60, cwd=cwd)


def answers(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_passing_answers_json(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: 2\nq2: [3, 1]\nq3: [1, 3, 2]\n")
    out = course(env, "grade", str(quiz), str(a), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "quiz": "semantics",
        "score": 2.0,
        "max": 3,
        "percent": 66.67,
        "passed": True,
        "questions": [
            {"id": "q1", "correct": True, "expected": [2], "given": [2]},
            {"id": "q2", "correct": True, "expected": [1, 3], "given": [3, 1]},
            {"id": "q3", "correct": False, "expected": [1, 2, 3], "given": [1, 3, 2]},
        ],
    }


def test_failing_answers_report_and_exit_1(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: [1]\nq3: [1, 2, 3]\n")
    out = course(env, "grade", str(quiz), str(a))
    assert out.returncode == 1, out.stderr
    assert "q1  wrong: the answer is 2, you gave 1" in out.stdout
    assert "q2  not answered: the answer is 1, 3" in out.stdout
    assert "q3  right" in out.stdout
    assert "Score 1 / 3 (33.33%): not passed (passing grade 60%)" in out.stdout


def test_partial_credit_quiz(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    quiz.write_text(QUIZ.replace("options: {passing_grade: 60}", "options: {passing_grade: 60, partial: true}"))
    a = answers(tmp_path, "q1: 2\nq2: [1]\nq3: [1, 3, 2]\n")
    out = course(env, "grade", str(quiz), str(a), "--json")
    data = json.loads(out.stdout)
    # 1 + 1/2 (one of two right picks) + 2/3 (longest ordered run: 1, 3 or 1, 2)
    assert data["score"] == pytest.approx(1 + 0.5 + 2 / 3, abs=1e-4)
    assert data["percent"] == pytest.approx(72.22, abs=0.01)
    assert out.returncode == 0 and data["passed"] is True


def test_quiz_by_id_in_the_course_folder(tmp_path: Path, env: dict[str, str]) -> None:
    root = tmp_path / "mycourse"
    (root / "quizzes").mkdir(parents=True)
    (root / "lessons").mkdir()
    (root / "quizzes" / "semantics.yaml").write_text(QUIZ)
    a = answers(tmp_path, "q1: 2\nq2: [1, 3]\nq3: [1, 2, 3]\n")
    out = course(env, "--course", str(root), "grade", "semantics", str(a), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["percent"] == 100.0
    missing = course(env, "--course", str(root), "grade", "semantic", str(a))
    assert missing.returncode == 2
    assert "did you mean `semantics`?" in missing.stderr


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("q1: [2\n", ":2:1:", "expected ',' or ']'"),
        ("- 1\n- 2\n", ":1:1:", "must map question ids to option numbers"),
        ("q1: 2\nqq2: [1]\n", ":2:1:", "has no question `qq2`; did you mean `q2`?"),
        ("q1: 2\nq2: [1, 7]\n", ":2:5:", "option 7 does not exist: question 'q2' has options 1 to 3"),
        ("q1: [1, 2]\n", ":1:5:", "single choice"),
        ("q3: [1, 2]\n", ":1:5:", "missing: 3"),
        ("q2: [1, one]\n", ":1:9:", "'one' is not an option number"),
        ("q2: {a: 1}\n", ":1:5:", "is not an option number"),
        ("", ":1:", "the answers file is empty"),
    ],
)
def test_bad_answers_file_names_file_and_line(
    tmp_path: Path, quiz: Path, env: dict[str, str], text: str, where: str, message: str
) -> None:
    a = answers(tmp_path, text)
    out = course(env, "grade", str(quiz), str(a), "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert f"{a}{where}" in out.stderr and message in out.stderr, out.stderr


def test_every_problem_is_reported_at_once(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: 9\nq9: 1\nq3: [3, 3, 1]\n")
    out = course(env, "grade", str(quiz), str(a))
    assert out.returncode == 2
    assert [line.split(": error:")[0] for line in out.stderr.splitlines()] == [f"{a}:1:5", f"{a}:2:1", f"{a}:3:5"]


def test_missing_answers_file_and_broken_quiz(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    out = course(env, "grade", str(quiz), str(tmp_path / "nope.yaml"))
    assert out.returncode == 2 and "no such answers file" in out.stderr
    quiz.write_text(QUIZ.replace("kind: order", "kind: ordering"))
    a = answers(tmp_path, "q1: 2\n")
    out = course(env, "grade", str(quiz), str(a))
    assert out.returncode == 2 and f"{quiz}:" in out.stderr


def test_record_then_progress(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    empty = course(env, "progress", "--json")
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout)["quizzes"] == {}

    course(env, "grade", str(quiz), str(answers(tmp_path, "q1: 1\n")), "--record")
    course(env, "grade", str(quiz), str(answers(tmp_path, "q1: 2\nq2: [1, 3]\n")), "--record")
    course(env, "grade", str(quiz), str(answers(tmp_path, "q1: 2\n")), "--record")

    data = json.loads(course(env, "progress", "--json").stdout)
    assert data["file"] == str(tmp_path / "data" / "kafka-semantics-course" / "progress.json")
    best = data["quizzes"]["semantics"]
    assert (best["percent"], best["passed"], best["attempts"]) == (66.67, True, 3)
    assert best["answers"] == {"q1": [2], "q2": [1, 3]}
    text = course(env, "progress").stdout
    assert "semantics: 2 / 3 (66.67%), passed, 3 attempts" in text


def test_progress_with_a_corrupt_file_warns_and_starts_fresh(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "data" / "kafka-semantics-course"
    folder.mkdir(parents=True)
    (folder / "progress.json").write_text("{not json")
    out = course(env, "progress")
    assert out.returncode == 0
    assert "warning:" in out.stderr and "progress.json.corrupt-" in out.stderr
    assert "Quizzes: none taken yet" in out.stdout
    assert [p.read_text() for p in folder.glob("progress.json.corrupt-*")] == ["{not json"]
