"""The learner's progress: lessons done, the current lesson, best quiz results, exercises.

Kept in SQLite at `engine.paths.course_data_dir(course)/progress.db` (XDG_DATA_HOME respected;
one store per course, `ProgressStore.for_course`), because the app, a second app window and the
CLI (`course grade --record`, `course check`, `course quiz`) may all write at once. One table
holds one row per fact:

    section   key                     value (JSON)
    current   current_lesson          "02-at-most-once"
    done      01-where-messages-go    "2026-11-27T12:00:00+00:00"
    visited   02-at-most-once         "2026-11-27T12:05:00+00:00"
    quiz      01-where-messages-go    {"score": 3.0, "max": 4, "percent": 75.0, "passed": true,
                                       "answers": {"q1": [2]}, "attempts": 2, "at": "...", "last_at": "..."}
    exercise  acks                    {"passed": true, "checks": 3, "hints_shown": 1, "passed_at": "..."}
    extra     badges                  (top-level keys this version keeps but does not understand)

Beside it, `quiz_drafts` keeps an unfinished quiz attempt per quiz (the questions, the answers so
far, where the learner was) and `settings` the app's choices (the theme).

Why nothing is lost:
- WAL journal, `synchronous=FULL`: a committed change survives a crash or a power cut, and a
  change killed half way is rolled back; readers never block the writer.
- One transaction per change (`BEGIN IMMEDIATE`: one writer at a time, others wait their turn).
- `save(progress)` writes only what changed since this store last loaded or saved, merged into
  what is stored now: a window holding an old snapshot adds its own quiz attempt next to the
  one the CLI recorded meanwhile instead of overwriting it (attempts and checks add up, the best
  quiz result and the first pass are kept). `update()` reads and writes inside one transaction.

The JSON file of earlier versions (`progress.json` next to the database) is imported once, in
the same transaction that marks it imported, then renamed `progress.json.migrated`. A JSON file
that cannot be read is renamed `progress.json.corrupt-<time>`; a database file that is not a
SQLite database (or holds rows this version cannot read) is renamed `progress.db.corrupt-<time>`.
Either way a warning lands in `store.warnings` and a fresh Progress starts; nothing is deleted.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from engine.learner.grading import QuizGrade

VERSION = 1  # of the Progress shape (the JSON of earlier versions carried it too)
SCHEMA = 1  # of the database (PRAGMA user_version)
FILENAME = "progress.db"
LEGACY_FILENAME = "progress.json"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one's transaction before giving up


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ProgressFormatError(ValueError):
    """Stored progress (a row, or the old JSON file) this version does not understand."""


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
    """The learner's progress in one SQLite database; safe to use from several processes and threads."""

    def __init__(self, path: Path | None = None):
        if path is None:
            from engine.paths import data_dir

            path = data_dir() / FILENAME
        self.path = Path(path)
        self.legacy_path = self.path.with_name(LEGACY_FILENAME)
        self.warnings: list[str] = []
        self._baseline: dict[str, Any] = Progress().to_json()  # what the caller's copy started from

    @classmethod
    def for_course(cls, course_root: Path | str | None = None) -> ProgressStore:
        """The store of one course's progress (engine.paths.course_data_dir); None: the course that
        ships with the tool. App settings such as the theme belong to the learner, not to a course:
        read and save them through `ProgressStore()`."""
        from engine.paths import course_data_dir

        return cls(course_data_dir(course_root) / FILENAME)

    # ------------------------------------------------------------ public API

    def load(self) -> Progress:
        """The stored progress; a fresh one when there is none or it cannot be read (see module doc).
        Reading never creates the database."""
        if not self.path.exists() and not self.legacy_path.exists():
            self._baseline = Progress().to_json()
            return Progress()
        with self._connection(fresh_if_unreadable=False) as conn:
            if conn is None:  # moved aside, with a warning
                self._baseline = Progress().to_json()
                return Progress()
            conn.execute("BEGIN")  # one snapshot of every row
            try:
                progress = _read(conn)
            finally:
                conn.execute("COMMIT")
        self._baseline = copy.deepcopy(progress.to_json())
        return progress

    def save(self, progress: Progress) -> None:
        """Store what changed in `progress` since this store last loaded or saved, in one transaction,
        merged with what other writers stored meanwhile (module doc)."""
        new = copy.deepcopy(progress.to_json())
        with self._connection() as conn:
            with _transaction(conn):
                _write(conn, self._baseline, new)
        self._baseline = new

    @contextlib.contextmanager
    def update(self) -> Iterator[Progress]:
        """Read, let the caller change it, write: one transaction, so no other writer comes between.

            with store.update() as progress:
                progress.mark_done("01-where-messages-go")
        """
        with self._connection() as conn:
            with _transaction(conn):
                progress = _read(conn)
                before = copy.deepcopy(progress.to_json())
                yield progress
                after = copy.deepcopy(progress.to_json())
                _write(conn, before, after)
        self._baseline = after

    # ------------------------------------------------------------ quiz drafts and settings
    # Kept in tables of their own (made on first use, so databases of earlier versions need no
    # migration): a draft is the unfinished attempt a learner left, not progress to merge.

    def quiz_drafts(self) -> dict[str, dict[str, Any]]:
        """Every unfinished quiz attempt, by quiz id (empty when there is no database yet)."""
        if not self.path.exists():
            return {}
        with self._connection(fresh_if_unreadable=False) as conn:
            if conn is None:
                return {}
            _extra_tables(conn)
            rows = conn.execute("SELECT quiz, value FROM quiz_drafts").fetchall()
        drafts = {}
        for quiz_id, value in rows:
            try:
                draft = json.loads(value)
            except json.JSONDecodeError:
                continue  # a draft is a convenience: one that cannot be read is started afresh
            if isinstance(draft, dict):
                drafts[str(quiz_id)] = draft
        return drafts

    def save_quiz_draft(self, quiz_id: str, draft: dict[str, Any] | None) -> None:
        """Keep the answers given so far in an unfinished attempt; None forgets the draft."""
        with self._connection() as conn:
            _extra_tables(conn)
            with _transaction(conn):
                if draft is None:
                    conn.execute("DELETE FROM quiz_drafts WHERE quiz = ?", (quiz_id,))
                else:
                    conn.execute("INSERT OR REPLACE INTO quiz_drafts VALUES (?, ?, ?)",
                                 (quiz_id, json.dumps(draft, ensure_ascii=False), now_iso()))

    def settings(self) -> dict[str, Any]:
        """The learner's app settings (e.g. `theme`)."""
        if not self.path.exists():
            return {}
        with self._connection(fresh_if_unreadable=False) as conn:
            if conn is None:
                return {}
            _extra_tables(conn)
            rows = conn.execute("SELECT key, value FROM settings").fetchall()
        out = {}
        for key, value in rows:
            with contextlib.suppress(json.JSONDecodeError):
                out[str(key)] = json.loads(value)
        return out

    def save_setting(self, key: str, value: Any) -> None:
        with self._connection() as conn:
            _extra_tables(conn)
            with _transaction(conn):
                conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, json.dumps(value)))

    # ------------------------------------------------------------ opening

    @contextlib.contextmanager
    def _connection(self, fresh_if_unreadable: bool = True) -> Iterator[Any]:
        """An open, migrated database. When the file is not a database it is moved aside (with a
        warning) and a fresh one is opened, or None is yielded if `fresh_if_unreadable` is False."""
        conn = self._open()
        if conn is None and fresh_if_unreadable:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn is not None:
                conn.close()

    def _open(self) -> sqlite3.Connection | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)  # we say BEGIN ourselves
        try:
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA:
                raise ProgressFormatError(f"it was written by a newer version of the course (schema {version})")
            if version < SCHEMA:
                with _transaction(conn):
                    conn.execute("CREATE TABLE IF NOT EXISTS progress (section TEXT NOT NULL, key TEXT NOT NULL, "
                                 "value TEXT NOT NULL, PRIMARY KEY (section, key)) WITHOUT ROWID")
                    conn.execute(f"PRAGMA user_version = {SCHEMA}")
            self._migrate_json(conn)
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if not _is_corruption(exc):
                raise  # locked, disk full, read-only: nothing wrong with the file itself
            self._database_unreadable(exc)
            return None
        except ProgressFormatError as exc:
            conn.close()
            self._database_unreadable(exc)
            return None
        except BaseException:
            conn.close()
            raise

    def _database_unreadable(self, exc: Exception) -> None:
        aside = _move_aside(self.path, extras=("-wal", "-shm"))
        self.warnings.append(f"{self.path}: could not read your progress ({exc}); it was moved to {aside.name} "
                             "and a fresh progress database was started")

    def _migrate_json(self, conn: sqlite3.Connection) -> None:
        """Import the JSON file of earlier versions once, then rename it `.migrated`."""
        if not self.legacy_path.exists():
            return
        with _transaction(conn):  # two processes starting at once: the second finds it done
            done = conn.execute("SELECT 1 FROM progress WHERE section = 'meta' AND key = 'migrated_json'").fetchone()
            if not done and self.legacy_path.exists():
                try:
                    old = Progress.from_json(json.loads(self.legacy_path.read_bytes().decode("utf-8")))
                except (UnicodeDecodeError, json.JSONDecodeError, ProgressFormatError) as exc:
                    aside = _move_aside(self.legacy_path)
                    self.warnings.append(
                        f"{self.legacy_path}: could not read your progress ({exc}); it was moved to {aside.name} "
                        "and a fresh progress database was started")
                    return
                _write(conn, Progress().to_json(), old.to_json())
                conn.execute("INSERT INTO progress VALUES ('meta', 'migrated_json', ?)", (json.dumps(now_iso()),))
        if self.legacy_path.exists():  # imported now, or imported before a crash kept it from being renamed
            _move_aside(self.legacy_path, suffix=".migrated")


def _extra_tables(conn: sqlite3.Connection) -> None:
    """The tables beside `progress`: unfinished quiz attempts and the app's settings."""
    conn.execute("CREATE TABLE IF NOT EXISTS quiz_drafts (quiz TEXT PRIMARY KEY, value TEXT NOT NULL, "
                 "saved_at TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


# ---------------------------------------------------------------- rows <-> Progress

_SECTIONS = {"done": "lessons_done", "visited": "visited", "quiz": "quizzes", "exercise": "exercises"}


def _read(conn: sqlite3.Connection) -> Progress:
    data: dict[str, Any] = {"version": VERSION, "current_lesson": None,
                            "lessons_done": {}, "visited": {}, "quizzes": {}, "exercises": {}}
    for section, key, value in conn.execute("SELECT section, key, value FROM progress"):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            raise ProgressFormatError(f"the {section} row {key!r} is not JSON") from None
        if section == "current":
            data["current_lesson"] = decoded
        elif section in _SECTIONS:
            data[_SECTIONS[section]][key] = decoded
        elif section == "extra" and key not in data:
            data[key] = decoded
        # "meta" rows (and sections of later versions) are the store's own business
    return Progress.from_json(data)


def _write(conn: sqlite3.Connection, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Store the changes from `before` to `after` (two Progress.to_json()) on top of what is stored."""
    def stored(section: str, key: str) -> Any:
        row = conn.execute("SELECT value FROM progress WHERE section = ? AND key = ?", (section, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(section: str, key: str, value: Any) -> None:
        conn.execute("INSERT OR REPLACE INTO progress VALUES (?, ?, ?)",
                     (section, key, json.dumps(value, ensure_ascii=False)))

    def drop(section: str, key: str) -> None:
        conn.execute("DELETE FROM progress WHERE section = ? AND key = ?", (section, key))

    if after.get("current_lesson") != before.get("current_lesson"):
        put("current", "current_lesson", after.get("current_lesson"))
    for section, field_name in _SECTIONS.items():
        old, new = before.get(field_name, {}), after.get(field_name, {})
        for key in old.keys() - new.keys():
            drop(section, key)
        for key, value in new.items():
            if old.get(key) == value:
                continue  # unchanged here: whatever another writer stored stays
            now = stored(section, key)
            put(section, key, value if now is None else _MERGE[section](now, old.get(key), value))
    known = {"version", "current_lesson", *(_SECTIONS.values())}
    old_extra = {k: v for k, v in before.items() if k not in known}
    new_extra = {k: v for k, v in after.items() if k not in known}
    for key in old_extra.keys() - new_extra.keys():
        drop("extra", key)
    for key, value in new_extra.items():
        if old_extra.get(key) != value:
            put("extra", key, value)


def _merge_done(stored: str, before: str | None, after: str) -> str:
    return min(stored, after)  # a lesson is done since the first time it was marked


def _merge_visited(stored: str, before: str | None, after: str) -> str:
    return max(stored, after)


def _merge_quiz(stored: dict, before: dict | None, after: dict) -> dict:
    """The better of the stored best and this writer's best; every writer's new attempts counted."""
    new_attempts = max(0, after.get("attempts", 1) - (before or {}).get("attempts", 0))
    best = after if after["percent"] >= stored["percent"] else stored
    return {**best, "attempts": stored.get("attempts", 1) + new_attempts,
            "last_at": max(stored.get("last_at", ""), after.get("last_at", ""))}


def _merge_exercise(stored: dict, before: dict | None, after: dict) -> dict:
    """Checks add up, a pass is kept once earned (at its first time), the most hints seen stay shown."""
    new_checks = max(0, after.get("checks", 0) - (before or {}).get("checks", 0))
    passed_at = min((r.get("passed_at", "") for r in (stored, after) if r.get("passed")), default="")
    return {"passed": bool(stored.get("passed") or after.get("passed")),
            "checks": stored.get("checks", 0) + new_checks,
            "hints_shown": max(stored.get("hints_shown", 0), after.get("hints_shown", 0)),
            "passed_at": passed_at}


_MERGE = {"done": _merge_done, "visited": _merge_visited, "quiz": _merge_quiz, "exercise": _merge_exercise}


# ---------------------------------------------------------------- files


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (take the write lock now, waiting up to BUSY_TIMEOUT), COMMIT or ROLLBACK."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Not a database, or a damaged one (SQLITE_NOTADB, SQLITE_CORRUPT); not "locked" or "disk full"."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return type(exc) is sqlite3.DatabaseError


def _move_aside(path: Path, suffix: str | None = None, extras: tuple[str, ...] = ()) -> Path:
    """Rename `path` (and its `extras` files, e.g. SQLite's -wal) out of the way, never over another."""
    if suffix is None:
        suffix = ".corrupt-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(path.name + suffix)
    n = 1
    while aside.exists():  # two in the same second: keep both
        n += 1
        aside = path.with_name(f"{path.name}{suffix}-{n}")
    os.replace(path, aside)
    for extra in extras:
        with contextlib.suppress(FileNotFoundError):
            os.replace(path.with_name(path.name + extra), aside.with_name(aside.name + extra))
    _fsync_dir(path.parent)
    return aside


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


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to write-ahead logging (a no-op once it is). Two processes opening a new
    file at the same moment can get "database is locked" here without SQLite's busy handler being
    asked, since the switch needs the file to itself: try again until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
