"""`course import` and `course validate` on our own fixtures."""

from __future__ import annotations

from tests.paths import FIXTURES

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course.cli import main
from engine.content.course import load_course
from engine.content.quizfile import load_quiz

SHELF = FIXTURES / "content" / "book" / "shelf"
COURSE = FIXTURES / "content" / "course"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_import_a_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(capsys, "import", str(SHELF), "--out", str(tmp_path), "--json")
    assert code == 1  # one page has a single-choice question with two correct options
    assert {k: out[k] for k in ("pages", "lessons", "quizzes", "questions")} == {
        "pages": 6, "lessons": 6, "quizzes": 4, "questions": 4}
    (err,) = out["errors"]
    assert err["file"].endswith("2/1/index.md") and err["line"] == 13 and "single choice" in err["message"]
    assert any("never closed" in w["message"] for w in out["warnings"])
    written = tmp_path / "lessons" / "1" / "1" / "index.md"
    assert "quizdown" not in written.read_text() and "Every record gets an offset." in written.read_text()
    quiz = load_quiz(tmp_path / "quizzes" / "1-1.yaml")
    assert (quiz.lesson, quiz.source, quiz.title) == ("1/1", "1/1/index.md", "1.1 Offsets")
    assert [o.correct for o in quiz.questions[0].options] == [True, False, True]
    # the imported folder is a course: same lessons, quizzes attached again
    course = load_course(tmp_path)
    assert [lesson.id for lesson in course.lessons()] == ["2/1", "1", "1/2", "1/1"]
    assert course.lesson("1/1").quiz is not None and course.lesson("1/1").quiz.questions == quiz.questions
    assert main(["validate", str(tmp_path)]) == 0


def test_import_one_page_keeps_its_book_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(capsys, "import", str(SHELF / "1" / "1" / "index.md"), "--out", str(tmp_path), "--json")
    assert code == 0 and out == {"pages": 1, "lessons": 1, "quizzes": 1, "questions": 1, "errors": [],
                                 "warnings": []}
    assert (tmp_path / "lessons" / "1" / "1" / "index.md").is_file()
    assert load_quiz(tmp_path / "quizzes" / "1-1.yaml").source == "1/1/index.md"


def test_import_bad_paths_and_skipped_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "b"
    (book / "1").mkdir(parents=True)
    (book / "1" / "index.md").write_text("---\ntitle: [broken\n---\n\ntext\n")
    (book / "notes.txt").write_text("x")
    code, out = run_json(capsys, "import", str(book), str(tmp_path / "nope"), str(book / "notes.txt"),
                         "--out", str(tmp_path / "o"), "--json")
    assert code == 1 and out["pages"] == 1 and out["lessons"] == 0
    messages = " | ".join(e["message"] for e in out["errors"])
    assert "front matter is not valid YAML" in messages and "page skipped" in messages
    assert "no such file or folder" in messages and "not a Markdown page" in messages


def test_validate_reports_and_exits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(COURSE)]) == 0
    capsys.readouterr()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "typo.yaml").write_text(
        "id: typo\nquestions:\n  - id: q1\n    kind: multi\n    prompt: p\n    options:\n"
        "      - {text: a, correct: false}\n      - {text: b, correct: false}\n")
    code, out = run_json(capsys, "validate", str(tmp_path), "--json")
    assert code == 1 and out["quizzes"] == 1 and out["questions"] == 0
    (err,) = out["errors"]
    assert (err["line"], err["column"]) == (4, 11) and "did you mean `multiple`" in err["message"]
    assert main(["validate", str(tmp_path / "missing")]) == 1
    capsys.readouterr()
    # Pointing at a course's lessons/ checks the quizzes beside it too.
    (tmp_path / "lessons").mkdir()
    code, out = run_json(capsys, "validate", str(tmp_path / "lessons"), "--json")
    assert code == 1 and out["quizzes"] == 1 and "did you mean `multiple`" in out["errors"][0]["message"]


def test_help_of_both_commands_in_a_real_process() -> None:
    for cmd in ("import", "validate"):
        out = subprocess.run([sys.executable, "-m", "course", cmd, "--help"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0 and f"usage: course {cmd}" in out.stdout and "--json" in out.stdout
