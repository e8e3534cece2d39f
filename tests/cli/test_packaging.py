"""A plain (non-editable) install ships the course content: the wheel carries lessons, quizzes,
exercises and the app's stylesheet where engine.paths looks for them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.paths import ROOT


def test_wheel_ships_content_next_to_the_packages(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("lessons", "quizzes", "exercises"):
        shipped = {n for n in names if n.startswith(f"course_content/{folder}/")}
        on_disk = {f"course_content/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / folder).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts}
        assert on_disk and on_disk <= shipped, sorted(on_disk - shipped)[:5]
    assert "course/course.tcss" in names
    assert "engine/sandbox/sandbox.py" in names and "course/cli.py" in names
