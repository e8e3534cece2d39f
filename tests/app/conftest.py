"""Shared helpers for the app's tests: the fixture course, a private XDG data dir, waiting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.app.apphelpers import FIXTURE_COURSE


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every app test gets its own XDG data dir: the learner's real progress is never touched."""
    data = tmp_path / "xdg-data"
    data.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """A copy of the fixture course (tests may break or extend it)."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    return root
