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
    out = course(env, "grade", str(quiz), str(a), "--json", "--reveal")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "quiz": "semantics",
        "score": 2.0,
        "max": 3,
        "percent": 66.67,
        "passed": True,
        "questions": [
            {"id": "q1", "correct": True, "credit": 1.0, "expected": [2], "given": [2]},
            {"id": "q2", "correct": True, "credit": 1.0, "expected": [1, 3], "given": [3, 1]},
            {"id": "q3", "correct": False, "credit": 0.0, "expected": [1, 2, 3], "given": [1, 3, 2]},
        ],
    }


def test_json_hides_the_right_answers_without_reveal(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: 1\n")
    out = course(env, "grade", str(quiz), str(a), "--json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert all("expected" not in q for q in data["questions"])
    assert data["questions"][0] == {"id": "q1", "correct": False, "credit": 0.0, "given": [1]}


def test_failing_answers_report_and_exit_1(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: [1]\nq3: [1, 2, 3]\n")
    out = course(env, "grade", str(quiz), str(a), "--reveal")
    assert out.returncode == 1, out.stderr
    assert "q1  wrong: the answer is 2, you gave 1" in out.stdout
    assert "q2  not answered: the answer is 1, 3" in out.stdout
    assert "q3  right" in out.stdout
    assert "Score 1 / 3 (33.33%): not passed (passing grade 60%)" in out.stdout


def test_report_reveals_nothing_without_reveal(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: [1]\nq3: [1, 2, 3]\n")
    out = course(env, "grade", str(quiz), str(a))
    assert out.returncode == 1, out.stderr
    assert "q1  wrong: you gave 1" in out.stdout
    assert "q2  not answered\n" in out.stdout
    assert "the answer is" not in out.stdout and "--reveal" in out.stdout


@pytest.mark.parametrize("args, code", [((), 1), (("--json",), 1), (("--reveal",), 1)])
def test_closed_pipe_keeps_the_grades_exit_status(tmp_path: Path, quiz: Path, env: dict[str, str],
                                                   args: tuple[str, ...], code: int) -> None:
    """`course grade ... | head`: the reader is gone before anything is written; the status is the grade's."""
    a = answers(tmp_path, "q1: 1\n")
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, deterministically
    try:
        run = subprocess.run([sys.executable, "-m", "course", "grade", str(quiz), str(a), *args],
                             stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    finally:
        os.close(write_end)
    assert run.returncode == code
    assert "Traceback" not in run.stderr and "BrokenPipeError" not in run.stderr, run.stderr


def test_shell_pipe_into_head_keeps_the_status(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    a = answers(tmp_path, "q1: 1\n")
    cmd = f"{sys.executable} -m course grade {quiz} {a} | head -n 1; exit ${{PIPESTATUS[0]}}"
    run = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 1, run.stderr
    assert run.stdout == "Delivery semantics (semantics)\n"


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
    assert data["file"] == str(tmp_path / "data" / "kafka-semantics-course" / "progress.db")
    best = data["quizzes"]["semantics"]
    assert (best["percent"], best["passed"], best["attempts"]) == (66.67, True, 3)
    assert best["answers"] == {"q1": [2], "q2": [1, 3]}
    text = course(env, "progress").stdout
    assert "semantics: 2 / 3 (66.67%), passed, 3 attempts" in text


def test_progress_counts_the_lessons_as_the_app_does(tmp_path: Path, env: dict[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The course's introduction is not a lesson to do (the app's outline says "N of M lessons
    done" without it): marked done, it counts in neither number."""
    from engine.content.course import load_course
    from engine.learner.progress import Progress, ProgressStore
    from engine.paths import course_dir

    monkeypatch.setenv("XDG_DATA_HOME", env["XDG_DATA_HOME"])
    course_ = load_course(course_dir())
    first = next(course_.counted_lessons())
    ProgressStore.for_course(None).save(Progress(lessons_done={"index": "2026-01-01T00:00:00+00:00",
                                                               first.id: "2026-01-02T00:00:00+00:00"}))
    out = course(env, "progress")
    assert out.returncode == 0, out.stderr
    assert f"Lessons done: 1 of {len(list(course_.counted_lessons()))}\n" in out.stdout, out.stdout
    assert len(list(course_.counted_lessons())) == len(list(course_.lessons())) - 1


def test_another_course_records_into_its_own_progress(tmp_path: Path, quiz: Path, env: dict[str, str]) -> None:
    """`course --course DIR` reads and writes DIR's progress, not that of the course shipped with the tool."""
    other = tmp_path / "book"
    (other / "lessons").mkdir(parents=True)
    out = course(env, "--course", str(other), "grade", str(quiz), str(answers(tmp_path, "q1: 2\nq2: [1, 3]\n")),
                 "--record")
    assert out.returncode == 0, out.stderr
    mine = json.loads(course(env, "--course", str(other), "progress", "--json").stdout)
    assert mine["quizzes"]["semantics"]["attempts"] == 1
    assert Path(mine["file"]).parent.parent == tmp_path / "data" / "kafka-semantics-course" / "courses"
    shipped = json.loads(course(env, "progress", "--json").stdout)
    assert shipped["quizzes"] == {} and shipped["file"] != mine["file"]


def test_progress_with_a_corrupt_file_warns_and_starts_fresh(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "data" / "kafka-semantics-course"
    folder.mkdir(parents=True)
    (folder / "progress.json").write_text("{not json")
    out = course(env, "progress")
    assert out.returncode == 0
    assert "warning:" in out.stderr and "progress.json.corrupt-" in out.stderr
    assert "Quizzes: none taken yet" in out.stdout
    assert [p.read_text() for p in folder.glob("progress.json.corrupt-*")] == ["{not json"]


# ---------------------------------------------------------------- a class: one file per learner


def _class_folder(folder: Path, n: int = 30) -> dict[str, str]:
    """`n` generated answers files, some of them broken on purpose; returns file name -> kind."""
    import random

    rng = random.Random(20261130)
    folder.mkdir()
    kinds: dict[str, str] = {}
    broken = {
        3: "q1: [2\n",  # not YAML
        7: "q1: 2\nq7: [1]\n",  # no such question
        11: "q2: [1, 9]\n",  # no such option
        17: "",  # empty
        23: "- 1\n- 2\n",  # not a mapping
        29: "q3: [1, 2]\n",  # an order missing an item
    }
    for i in range(n):
        name = f"learner{i:02d}.yaml"
        if i in broken:
            text, kinds[name] = broken[i], "broken"
        else:
            lines = []
            if rng.random() < 0.9:
                lines.append(f"q1: {rng.randint(1, 3)}")
            if rng.random() < 0.9:
                lines.append(f"q2: {sorted(rng.sample([1, 2, 3], rng.randint(1, 3)))}")
            if rng.random() < 0.9:
                lines.append(f"q3: {rng.sample([1, 2, 3], 3)}")
            text, kinds[name] = "\n".join(lines) + "\n", "ok"
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("not answers\n")
    kinds["notes.txt"] = "broken"
    (folder / "learner00.yml").write_text("q1: 2\n")  # the same learner twice
    kinds["learner00.yml"] = "broken"
    return kinds


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from course.cli import main

    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("partial", [False, True])
def test_gradebook_matches_grading_each_file_alone(tmp_path: Path, quiz: Path, partial: bool,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    import io

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if partial:
        quiz.write_text(QUIZ.replace("{passing_grade: 60}", "{passing_grade: 60, partial: true}"))
    folder = tmp_path / "class"
    kinds = _class_folder(folder)
    book = tmp_path / "gradebook.csv"
    code, out, err = _cli(["grade", str(quiz), str(folder), "--csv", str(book)], capsys)
    assert code == 2  # some files could not be graded
    rows = list(csv.DictReader(io.StringIO(book.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["learner", "q1", "q2", "q3", "total", "max", "percent", "passed"]
    assert len(rows) == sum(1 for k in kinds.values() if k == "ok") == 24
    not_graded = sorted(line.split(": not graded: ")[0] for line in err.splitlines() if ": not graded: " in line)
    assert not_graded == sorted(str(folder / f) for f, k in kinds.items() if k == "broken")
    assert "notes.txt: not graded: not an answers file" in err
    assert "learner00.yml: not graded: learner 'learner00' is already graded from learner00.yaml" in err

    by_learner = {row["learner"]: row for row in rows}
    for name, kind in kinds.items():
        if not name.endswith(".yaml"):
            continue
        alone, single_out, _ = _cli(["grade", str(quiz), str(folder / name), "--json"], capsys)
        if kind == "broken":
            assert alone == 2 and Path(name).stem not in by_learner
            continue
        grade = json.loads(single_out)
        row = by_learner[Path(name).stem]
        assert alone == (0 if grade["passed"] else 1)
        assert {q["id"]: float(row[q["id"]]) for q in grade["questions"]} == \
            {q["id"]: pytest.approx(q["credit"], abs=1e-4) for q in grade["questions"]}
        assert float(row["total"]) == pytest.approx(grade["score"], abs=1e-4)
        assert int(row["max"]) == grade["max"]
        assert float(row["percent"]) == pytest.approx(grade["percent"], abs=1e-2)
        assert row["passed"] == ("true" if grade["passed"] else "false")

    # --json prints the same gradebook
    code, out, _ = _cli(["grade", str(quiz), str(folder), "--json"], capsys)
    data = json.loads(out)
    assert code == 2 and data["questions"] == ["q1", "q2", "q3"]
    assert [r["learner"] for r in data["learners"]] == [r["learner"] for r in rows]
    for r in data["learners"]:
        assert r["total"] == pytest.approx(float(by_learner[r["learner"]]["total"]), abs=1e-4)
        assert r["passed"] == (by_learner[r["learner"]]["passed"] == "true")
    assert sorted(u["file"] for u in data["unreadable"]) == not_graded


def test_gradebook_of_a_clean_class_exits_0_and_prints_csv(tmp_path: Path, quiz: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.yaml").write_text("q1: 2\nq2: [1, 3]\nq3: [1, 2, 3]\n")
    (folder / "bob.yaml").write_text("q1: 1\n")
    code, out, err = _cli(["grade", str(quiz), str(folder)], capsys)
    assert code == 0, err
    assert out == ("learner,q1,q2,q3,total,max,percent,passed\n"
                   "ada,1,1,1,3,3,100,true\n"
                   "bob,0,0,0,0,3,0,false\n")


def test_csv_needs_a_folder(tmp_path: Path, quiz: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = answers(tmp_path, "q1: 2\n")
    code, _, err = _cli(["grade", str(quiz), str(a), "--csv", str(tmp_path / "x.csv")], capsys)
    assert code == 2 and "give a folder" in err
