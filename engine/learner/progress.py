"""The learner's progress: lessons done, the current lesson, best quiz results.

Stored as versioned JSON at `engine.paths.data_dir()/progress.json` (XDG_DATA_HOME respected):

    {"version": 1, "current_lesson": "02-at-most-once",
     "lessons_done": {"01-where-messages-go": "2026-11-27T12:00:00+00:00"},
     "visited": {"02-at-most-once": "2026-11-27T12:05:00+00:00"},
     "quizzes": {"01-where-messages-go": {"score": 3.0, "max": 4, "percent": 75.0, "passed": true,
                 "answers": {"q1": [2]}, "attempts": 2, "at": "...", "last_at": "..."}}}

Saving never leaves a half-written file: the JSON goes to a temporary file in the same folder,
is flushed and fsynced, then os.replace()d over progress.json (atomic on POSIX), and the folder
is fsynced so the rename itself survives a power cut. A crash at any point leaves either the
old or the new file. A file that cannot be read (not JSON, wrong shape, unknown version) is
never overwritten: it is renamed `progress.json.corrupt-<timestamp>`, a warning is recorded in
`store.warnings`, and a fresh Progress is returned.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from engine.learner.grading import QuizGrade

VERSION = 1
FILENAME = "progress.json"
_TMP_PREFIX = ".progress-"
_TMP_SUFFIX = ".tmp"
# A temporary file older than this is a leftover of a killed save, not a save in progress.
STALE_TMP_SECONDS = 600


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ProgressFormatError(ValueError):
    """progress.json is readable text but not a progress file this version understands."""


@dataclass
class QuizResult:
    """The best attempt at one quiz, and how many attempts there were."""

    score: float
    max: int
    percent: float
    passed: bool
    answers: dict[str, list[int]]
    attempts: int
    at: str  # ISO time of the best attempt
    last_at: str = ""  # ISO time of the latest attempt

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max": self.max,
            "percent": self.percent,
            "passed": self.passed,
            "answers": {k: list(v) for k, v in self.answers.items()},
            "attempts": self.attempts,
            "at": self.at,
            "last_at": self.last_at or self.at,
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> "QuizResult":
        d = _expect(data, dict, where)
        answers = _expect(d.get("answers", {}), dict, f"{where}.answers")
        for qid, chosen in answers.items():
            if not isinstance(chosen, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in chosen):
                raise ProgressFormatError(f"{where}.answers.{qid} should be a list of option numbers")
        try:
            return cls(
                score=float(_number(d["score"], f"{where}.score")),
                max=int(_number(d["max"], f"{where}.max")),
                percent=float(_number(d["percent"], f"{where}.percent")),
                passed=_expect(d["passed"], bool, f"{where}.passed"),
                answers={str(k): list(v) for k, v in answers.items()},
                attempts=int(_number(d.get("attempts", 1), f"{where}.attempts")),
                at=_expect(d.get("at", ""), str, f"{where}.at"),
                last_at=_expect(d.get("last_at", ""), str, f"{where}.last_at"),
            )
        except KeyError as exc:
            raise ProgressFormatError(f"{where} has no {exc.args[0]!r}") from None


@dataclass
class ExerciseResult:
    """A self-check exercise: passed yet, how many checks, how many hints seen."""

    passed: bool = False
    checks: int = 0
    hints_shown: int = 0
    passed_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": self.checks, "hints_shown": self.hints_shown,
                "passed_at": self.passed_at}

    @classmethod
    def from_json(cls, data: Any, where: str) -> "ExerciseResult":
        d = _expect(data, dict, where)
        return cls(
            passed=_expect(d.get("passed", False), bool, f"{where}.passed"),
            checks=int(_number(d.get("checks", 0), f"{where}.checks")),
            hints_shown=int(_number(d.get("hints_shown", 0), f"{where}.hints_shown")),
            passed_at=_expect(d.get("passed_at", ""), str, f"{where}.passed_at"),
        )


@dataclass
class Progress:
    version: int = VERSION
    current_lesson: str | None = None
    lessons_done: dict[str, str] = field(default_factory=dict)  # lesson id -> ISO time done
    visited: dict[str, str] = field(default_factory=dict)  # lesson id -> ISO time of last visit
    quizzes: dict[str, QuizResult] = field(default_factory=dict)  # quiz id -> best result
    exercises: dict[str, ExerciseResult] = field(default_factory=dict)  # exercise name -> result
    extra: dict[str, Any] = field(default_factory=dict)  # top-level keys kept but not understood

    def visit(self, lesson_id: str) -> None:
        self.current_lesson = lesson_id
        self.visited[lesson_id] = now_iso()

    def mark_done(self, lesson_id: str) -> None:
        self.lessons_done.setdefault(lesson_id, now_iso())

    def is_done(self, lesson_id: str) -> bool:
        return lesson_id in self.lessons_done

    def record_quiz(self, quiz_id: str, grade: QuizGrade, answers: dict[str, list[int]]) -> QuizResult:
        """Count an attempt; keep it as the result when it is at least as good as the best so far."""
        at = now_iso()
        old = self.quizzes.get(quiz_id)
        attempts = (old.attempts if old else 0) + 1
        if old is None or grade.percent >= old.percent:
            result = QuizResult(
                score=grade.score,
                max=grade.max,
                percent=grade.percent,
                passed=grade.passed,
                answers={k: list(v) for k, v in answers.items()},
                attempts=attempts,
                at=at,
                last_at=at,
            )
        else:
            result = QuizResult(**{**old.__dict__, "attempts": attempts, "last_at": at})
        self.quizzes[quiz_id] = result
        return result

    def record_exercise(self, name: str, passed: bool) -> ExerciseResult:
        """Count a check; a pass is kept once earned (the solution stays unlocked)."""
        result = self.exercises.setdefault(name, ExerciseResult())
        result.checks += 1
        if passed and not result.passed:
            result.passed, result.passed_at = True, now_iso()
        return result

    def exercise_passed(self, name: str) -> bool:
        return name in self.exercises and self.exercises[name].passed

    def next_hint(self, name: str, available: int) -> int:
        """Reveal one more hint (up to `available`); returns how many are now shown."""
        result = self.exercises.setdefault(name, ExerciseResult())
        result.hints_shown = min(available, result.hints_shown + 1)
        return result.hints_shown

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        out.update(
            version=self.version,
            current_lesson=self.current_lesson,
            lessons_done=dict(self.lessons_done),
            visited=dict(self.visited),
            quizzes={k: v.to_json() for k, v in self.quizzes.items()},
            exercises={k: v.to_json() for k, v in self.exercises.items()},
        )
        return out

    @classmethod
    def from_json(cls, data: Any) -> "Progress":
        d = _expect(data, dict, "the file")
        version = d.get("version")
        if version != VERSION:
            raise ProgressFormatError(f"unknown version {version!r} (this course reads version {VERSION})")
        current = d.get("current_lesson")
        if current is not None and not isinstance(current, str):
            raise ProgressFormatError("current_lesson should be a lesson id or null")
        done = _expect(d.get("lessons_done", {}), dict, "lessons_done")
        visited = _expect(d.get("visited", {}), dict, "visited")
        for name, table in (("lessons_done", done), ("visited", visited)):
            if not all(isinstance(v, str) for v in table.values()):
                raise ProgressFormatError(f"{name} should map lesson ids to times")
        quizzes = _expect(d.get("quizzes", {}), dict, "quizzes")
        exercises = _expect(d.get("exercises", {}), dict, "exercises")
        known = {"version", "current_lesson", "lessons_done", "visited", "quizzes", "exercises"}
        return cls(
            version=VERSION,
            current_lesson=current,
            lessons_done=dict(done),
            visited=dict(visited),
            quizzes={str(k): QuizResult.from_json(v, f"quizzes.{k}") for k, v in quizzes.items()},
            exercises={str(k): ExerciseResult.from_json(v, f"exercises.{k}") for k, v in exercises.items()},
            extra={k: v for k, v in d.items() if k not in known},
        )


class ProgressStore:
    """Loads and saves one progress file."""

    def __init__(self, path: Path | None = None):
        if path is None:
            from engine.paths import data_dir

            path = data_dir() / FILENAME
        self.path = Path(path)
        self.warnings: list[str] = []

    # ------------------------------------------------------------ load

    def load(self) -> Progress:
        """The saved progress; a fresh one when there is none or it cannot be read (see module doc)."""
        self._remove_stale_temporaries()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Progress()
        try:
            return Progress.from_json(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError, ProgressFormatError) as exc:
            aside = self._move_aside()
            self.warnings.append(
                f"{self.path}: could not read your progress ({exc}); it was moved to {aside.name} "
                "and a fresh progress file was started"
            )
            return Progress()

    def _move_aside(self) -> Path:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():  # two corrupt files within a second: keep both
            n += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, aside)
        _fsync_dir(self.path.parent)
        return aside

    def _remove_stale_temporaries(self) -> None:
        """Delete temporary files left by saves that were killed (younger ones may be in flight)."""
        folder = self.path.parent
        if not folder.is_dir():
            return
        cutoff = time.time() - STALE_TMP_SECONDS
        for tmp in folder.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()

    # ------------------------------------------------------------ save

    def save(self, progress: Progress) -> None:
        """Write atomically: temp file in the same folder, fsync, os.replace, fsync the folder."""
        data = json.dumps(progress.to_json(), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(folder)

    @contextlib.contextmanager
    def update(self) -> Iterator[Progress]:
        """Load, let the caller change it, save; under a lock so two processes don't lose updates.

            with store.update() as progress:
                progress.mark_done("01-where-messages-go")
        """
        with self._locked():
            progress = self.load()
            yield progress
            self.save(progress)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # not POSIX: saves stay atomic, concurrent updates are not serialised
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable; platforms that cannot open folders skip it."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _expect(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise ProgressFormatError(f"{where} should be {'an object' if kind is dict else kind.__name__}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProgressFormatError(f"{where} should be a number")
    return value
