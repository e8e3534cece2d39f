"""Where the course's own content and the learner's data live."""

from __future__ import annotations

import os
import tempfile
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

def write_atomically(path: Path, content: str | bytes) -> None:
    """Replace the file whole, so an interrupted export never leaves half a file for the LMS."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as fb:
                fb.write(content)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(content)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
