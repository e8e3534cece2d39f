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

def _umask() -> int:
    """The process's umask, read without changing it where Linux says it (/proc), else set and restored."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, content: str | bytes) -> None:
    """Replace the file whole, so an interrupted export never leaves half a file for the LMS.

    The file gets the mode a plain write would give it: an existing file keeps its own, a new one
    0o666 less the umask (mkstemp's private 0o600 would hide a gradebook or an export from the
    colleagues or the web server it is written for)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
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
