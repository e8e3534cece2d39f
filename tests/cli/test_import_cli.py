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


PAGE = """---
title: Retries
---

## Retries

A producer resends a batch it heard nothing about.

{{< quizdown >}}

### What can a retry add to the log?

- [x] A duplicate
- [ ] Nothing, ever

{{< /quizdown >}}
"""


def test_import_needs_out_and_writes_nothing_into_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "src" / "retries.md"
    page.parent.mkdir()
    page.write_text(PAGE)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    with pytest.raises(SystemExit) as exc:
        main(["import", str(page)])
    assert exc.value.code == 2 and "--out" in capsys.readouterr().err
    assert list(here.iterdir()) == []


def test_import_refuses_an_existing_course_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "retries.md"
    page.write_text(PAGE)
    course = tmp_path / "course"
    (course / "lessons").mkdir(parents=True)
    assert main(["import", str(page), "--out", str(course)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "already holds a course (lessons/)" in err and "--force" in err
    assert not (course / "quizzes").exists() and list((course / "lessons").iterdir()) == []
    assert main(["import", str(page), "--out", str(course), "--force"]) == 0
    assert (course / "lessons" / "retries.md").is_file() and (course / "quizzes" / "retries.yaml").is_file()


@pytest.mark.parametrize("given", ["bundle/index.md", "bundle", "flat/retries.md"])
def test_a_single_page_imports_into_a_course_with_its_lesson_and_quiz(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str) -> None:
    for where in ("bundle/index.md", "flat/retries.md"):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_text(PAGE)
    out = tmp_path / "out"
    code, summary = run_json(capsys, "import", str(tmp_path / given), "--out", str(out), "--json")
    assert code == 0 and (summary["lessons"], summary["quizzes"], summary["questions"]) == (1, 1, 1)
    course = load_course(out)
    (lesson,) = list(course.lessons())
    assert lesson.id == ("retries" if given.startswith("flat") else "bundle")
    assert lesson.quiz is not None and len(lesson.quiz.questions) == 1 and not course.problems
    code, report = run_json(capsys, "validate", str(out), "--json")
    assert code == 0 and report["errors"] == [] and report["warnings"] == [] and report["lessons"] == 1


def test_validate_one_file_of_each_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quiz = tmp_path / "quizzes" / "q.yaml"
    quiz.parent.mkdir()
    quiz.write_text("id: q\nquestions:\n  - id: q1\n    kind: multi\n    prompt: p\n    options:\n"
                    "      - {text: a, correct: true}\n      - {text: b, correct: false}\n")
    code, out = run_json(capsys, "validate", str(quiz), "--json")
    assert code == 1 and out["kind"] == "quiz"
    (err,) = out["errors"]
    assert (err["file"], err["line"], err["column"]) == (str(quiz), 4, 11) and "multiple" in err["message"]
    # a scenario, known by its place (lessons/<id>/examples/) and, elsewhere, by its keys
    for scenario in (tmp_path / "lessons" / "l" / "examples" / "s.yaml", tmp_path / "loose.yaml"):
        scenario.parent.mkdir(parents=True, exist_ok=True)
        scenario.write_text("title: t\nbrokers: 3\nfaults:\n  - {when: {records: 5}, do: explode}\n")
        code, out = run_json(capsys, "validate", str(scenario), "--json")
        assert code == 1 and out["kind"] == "scenario"
        (err,) = out["errors"]
        assert (err["line"], err["column"]) == (4, 30) and "`do:` is one of" in err["message"]
    exercise = tmp_path / "exercises" / "e" / "exercise.yaml"
    exercise.parent.mkdir(parents=True)
    exercise.write_text("title: t\npass: lost == 0\nhints: [h]\n")
    code, out = run_json(capsys, "validate", str(exercise), "--json")
    assert code == 1 and out["kind"] == "exercise"
    assert any("missing start.py" in e["message"] for e in out["errors"])
    page = tmp_path / "p.md"
    page.write_text(PAGE.replace("- [ ] Nothing, ever\n", ""))
    code, out = run_json(capsys, "validate", str(page), "--json")
    assert code == 0 and out["kind"] == "page" and out["questions"] == 1
    assert [(w["line"], "only one option" in w["message"]) for w in out["warnings"]] == [(11, True)]
    odd = tmp_path / "odd.yaml"
    odd.write_text("colour: blue\n")
    code, out = run_json(capsys, "validate", str(odd), "--json")
    assert code == 1 and "cannot tell what this YAML file is" in out["errors"][0]["message"]
    assert main(["validate", str(quiz)]) == 1
    text = capsys.readouterr().out
    assert f"{quiz}:4:11: error:" in text and "checked as a quiz" in text
