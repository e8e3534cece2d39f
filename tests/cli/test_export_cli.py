"""What `course export --out` and `course grade --csv` leave on disk: the whole file, with the mode a
plain write gives it (an instructor hands these files to an LMS, a web server or colleagues)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from course.cli import main
from engine.paths import write_atomically
from tests.paths import ROOT

QUIZ = sorted((ROOT / "quizzes").glob("*.yaml"))[0]


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift", "quizdown", "qti21"])
def test_an_export_gets_the_umask_mode_not_a_private_one(tmp_path: Path, umask_027: None, fmt: str) -> None:
    out = tmp_path / f"quiz.{fmt}"
    assert main(["export", str(QUIZ), "--format", fmt, "--out", str(out)]) == 0
    assert mode(out) == 0o640  # 0o666 less the umask, as `>` in a shell would give
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_a_gradebook_gets_the_umask_mode(tmp_path: Path, umask_027: None) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "ada.yaml").write_text("q1: 1\n", encoding="utf-8")
    book = tmp_path / "gradebook.csv"
    main(["grade", str(QUIZ), str(answers), "--csv", str(book)])
    assert book.read_text(encoding="utf-8").startswith("learner,") and mode(book) == 0o640


def test_rewriting_a_file_keeps_its_mode(tmp_path: Path, umask_027: None) -> None:
    out = tmp_path / "quiz.xml"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o604)
    write_atomically(out, "new")
    assert out.read_text(encoding="utf-8") == "new" and mode(out) == 0o604
