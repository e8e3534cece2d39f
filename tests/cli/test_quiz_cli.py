"""`course quiz LESSON` in the plain terminal, and `course grade` keeping the right answers for --reveal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course.commands.quiz import parse_answer
from engine.content.course import load_course
from engine.learner.attempt import plan_attempt
from engine.model import Quiz

from tests.paths import FIXTURES, ROOT

COURSE = FIXTURES / "quiz_course"


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def the_quiz() -> Quiz:
    return load_course(COURSE).lesson("01-acks").quiz  # type: ignore[return-value]


def typed(quiz: Quiz, attempt: int, right: bool) -> list[str]:
    """What a learner types for each question of this attempt (options are numbered as shown)."""
    questions, orders = plan_attempt(quiz, attempt)
    lines = []
    for q in questions:
        shown = orders[q.id]
        want = [i + 1 for i in q.correct_indexes]  # option numbers of the quiz file, in the right order
        if not right:
            want = want[::-1] if q.kind == "order" else [n for n in shown if n not in want][:1]
        lines.append(" ".join(str(shown.index(n) + 1) for n in want))
    return lines


def course(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", "--course", str(COURSE), *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)


def progress(env: dict[str, str]) -> dict:
    out = course(env, "progress", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


NO_TEXTUAL = textwrap.dedent(
    """
    import sys
    from course.cli import main
    code = main(sys.argv[1:])
    loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
    print("TEXTUAL:", loaded)
    sys.exit(code)
    """
)


def test_a_quiz_in_the_plain_terminal_gives_feedback_and_a_score_and_is_recorded(env: dict[str, str]) -> None:
    quiz = the_quiz()
    first, second, third = typed(quiz, 1, right=True)
    # A hint, a number out of range and a half answer are all answered, then asked again.
    stdin = "\n".join(["?", first, "9", "1 1", second, "1", third]) + "\n"
    out = subprocess.run([sys.executable, "-c", NO_TEXTUAL, "--course", str(COURSE), "quiz", "01-acks"],
                         input=stdin, capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert "TEXTUAL: []" in text  # the plain terminal: the full-screen app is never loaded
    assert "Question 1/3" in text and "Question 3/3" in text
    assert text.count("Correct.") == 3
    assert "`9` is not an option number" in text and "Each number once" in text
    assert "Hint: The strongest one." in text and "Give all 4 numbers" in text
    assert "Score 3 / 3 (100%): passed (passing grade 60%)" in text
    data = progress(env)
    result = data["quizzes"]["acks-quiz"]
    assert (result["percent"], result["passed"], result["attempts"]) == (100.0, True, 1)
    assert "01-acks" in data["lessons_done"]  # passing the quiz finishes the lesson, as in the app


def test_a_second_attempt_is_counted_and_the_best_result_kept(env: dict[str, str]) -> None:
    quiz = the_quiz()
    good = course(env, "quiz", "01-acks", stdin="\n".join(typed(quiz, 1, right=True)) + "\n")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = course(env, "quiz", "acks-quiz", stdin="\n".join(typed(quiz, 2, right=False)) + "\n")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Score 0 / 3 (0%): not passed yet" in bad.stdout and "Not quite." in bad.stdout
    assert "your choice, wrong" in bad.stdout and "Recorded (attempt 2; your best: 100%, passed)" in bad.stdout
    result = progress(env)["quizzes"]["acks-quiz"]
    assert (result["percent"], result["attempts"]) == (100.0, 2)


def test_stopping_half_way_records_nothing(env: dict[str, str]) -> None:
    first = typed(the_quiz(), 1, right=True)[0]
    for stdin in (first + "\nq\n", first + "\n"):  # `q`, or the input simply ends
        out = course(env, "quiz", "01-acks", stdin=stdin)
        assert out.returncode == 1 and "nothing was recorded" in out.stdout
    assert progress(env)["quizzes"] == {}


def test_an_unknown_lesson_or_one_without_a_quiz_says_so(env: dict[str, str]) -> None:
    out = course(env, "quiz", "01-ack")
    assert out.returncode == 2 and "did you mean `01-acks`?" in out.stderr
    out = subprocess.run([sys.executable, "-m", "course", "--course", str(FIXTURES / "app_course"), "quiz",
                          "01-first-steps"], capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and "has no quiz" in out.stderr and "02-acks" in out.stderr


@pytest.mark.parametrize("line, kind, count, expected", [
    ("2", "single", 3, ([2], "")),
    ("1 3", "multiple", 3, ([1, 3], "")),
    ("3,1", "multiple", 3, ([3, 1], "")),
    (" 3 , 1 ,2 ", "order", 3, ([3, 1, 2], "")),
    ("1 2", "single", 3, ([], "One number only: this question has one right answer.")),
    ("1 2", "order", 3, ([], "Give all 3 numbers, in the order you think is right.")),
    ("0", "single", 3, ([], "`0` is not an option number; type numbers from 1 to 3.")),
    ("b", "multiple", 3, ([], "`b` is not an option number; type numbers from 1 to 3.")),
])
def test_parse_answer(line: str, kind: str, count: int, expected: tuple[list[int], str]) -> None:
    assert parse_answer(line, kind, count) == expected


def test_course_grade_reveals_the_right_answers_only_when_asked(tmp_path: Path, env: dict[str, str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("q1: 1\nq2: [1, 2]\n")  # q1 wrong, q3 not answered
    quiz = str(COURSE / "quizzes" / "01-acks.yaml")
    hidden = course(env, "grade", quiz, str(answers))
    assert hidden.returncode == 1, hidden.stderr  # 1 of 3: not passed
    assert "q1  wrong: you gave 1" in hidden.stdout and "q3  not answered" in hidden.stdout
    assert "the answer is" not in hidden.stdout and "the order is" not in hidden.stdout
    assert "--reveal" in hidden.stdout
    as_json = json.loads(course(env, "grade", quiz, str(answers), "--json").stdout)
    assert all("expected" not in q for q in as_json["questions"])
    shown = course(env, "grade", quiz, str(answers), "--reveal")
    assert "q1  wrong: the answer is 3, you gave 1" in shown.stdout
    assert "q3  not answered: the order is 1, 2, 3, 4" in shown.stdout
    revealed = json.loads(course(env, "grade", quiz, str(answers), "--json", "--reveal").stdout)
    assert revealed["questions"][0]["expected"] == [3]
