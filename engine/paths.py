"""Where the course's own content and the learner's data live."""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def course_dir() -> Path:
    """The folder holding lessons/ and quizzes/.

    In a checkout that is the checkout itself; in an installed wheel it is
    site-packages/course_content, which setup.py fills at build time.
    """
    if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "lessons").is_dir():
        return _ROOT
    return _ROOT / "course_content"


def data_dir() -> Path:
    """The learner's data folder (XDG_DATA_HOME respected), created on demand."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    path = Path(base) / "kafka-semantics-course"
    path.mkdir(parents=True, exist_ok=True)
    return path
