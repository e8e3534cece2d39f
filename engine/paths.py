"""Where the course's own content and the learner's data live."""

from __future__ import annotations

import hashlib
import os
import re
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


def course_data_dir(course_root: Path | str | None = None) -> Path:
    """The learner's data for one course: progress, quiz drafts, edited example copies, exercise copies.

    The course that ships with the tool keeps the data folder itself, where its progress has always
    been. Any other course (an imported book, an instructor's own) gets a folder of its own under
    `courses/`, named after the course's folder and told apart from a namesake by a hash of its
    path, so that two courses' lesson, quiz and exercise names never meet (a course moved to another
    folder starts afresh)."""
    base = data_dir()
    if course_root is None:
        return base
    root = Path(course_root).resolve()
    if root == course_dir().resolve():
        return base
    digest = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip("-.") or "course"
    path = base / "courses" / f"{name}-{digest}"
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
