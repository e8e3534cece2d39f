"""engine.learner.progress: the SQLite store, several writers at once, the old JSON file migrated,
unreadable files moved aside, and writers killed mid-change."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.learner.grading import grade_quiz
from engine.model import Option, Question, Quiz
from engine.learner.progress import VERSION, Progress, ProgressStore

from tests.paths import ROOT


def a_quiz() -> Quiz:
    return Quiz("qz", "Quiz", [Question("q1", "single", "?", [Option("a", True), Option("b")]),
                               Question("q2", "single", "?", [Option("a"), Option("b", True)])])


def test_missing_file_gives_fresh_progress_and_writes_nothing(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.db")
    p = store.load()
    assert (p.version, p.current_lesson, p.lessons_done, p.quizzes) == (VERSION, None, {}, {})
    assert store.warnings == [] and list(tmp_path.iterdir()) == []


def test_round_trip(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.db")
    p = store.load()
    p.visit("01-a")
    p.mark_done("01-a")
    p.visit("02-b")
    grade = grade_quiz(a_quiz(), {"q1": [1], "q2": [1]})
    p.record_quiz("qz", grade, {"q1": [1], "q2": [1]})
    store.save(p)
    again = ProgressStore(tmp_path / "progress.db").load()
    assert again == p
    assert again.current_lesson == "02-b" and again.is_done("01-a") and not again.is_done("02-b")
    assert again.quizzes["qz"].percent == 50.0 and again.quizzes["qz"].answers == {"q1": [1], "q2": [1]}
    with sqlite3.connect(tmp_path / "progress.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ("done", "01-a") in conn.execute("SELECT section, key FROM progress").fetchall()


def test_record_quiz_keeps_the_best_and_counts_attempts() -> None:
    p = Progress()
    qz = a_quiz()
    first = p.record_quiz("qz", grade_quiz(qz, {"q1": [1]}), {"q1": [1]})
    assert (first.percent, first.attempts, first.passed) == (50.0, 1, False)
    best = p.record_quiz("qz", grade_quiz(qz, {"q1": [1], "q2": [2]}), {"q1": [1], "q2": [2]})
    assert (best.percent, best.attempts, best.passed) == (100.0, 2, True)
    worse = p.record_quiz("qz", grade_quiz(qz, {}), {})
    assert (worse.percent, worse.attempts, worse.answers) == (100.0, 3, {"q1": [1], "q2": [2]})
    assert p.quizzes["qz"] is worse


def test_mark_done_keeps_the_first_time() -> None:
    p = Progress()
    p.mark_done("x")
    first = p.lessons_done["x"]
    p.lessons_done["x"] = "2000-01-01T00:00:00+00:00"
    p.mark_done("x")
    assert p.lessons_done["x"] == "2000-01-01T00:00:00+00:00" != first


def test_default_path_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    store = ProgressStore()
    assert store.path == tmp_path / "kafka-semantics-course" / "progress.db"
    store.save(Progress(current_lesson="x"))
    assert store.path.is_file() and ProgressStore().load().current_lesson == "x"


def test_each_course_keeps_its_own_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two courses can share lesson, quiz and exercise names (an imported book's `index`): the
    course that ships with the tool keeps the data folder itself, any other has its own store,
    told apart from a namesake in another folder."""
    from engine.paths import course_data_dir, course_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    shipped = ProgressStore.for_course(course_dir())
    assert shipped.path == ProgressStore().path == ProgressStore.for_course(None).path
    one, namesake = tmp_path / "a" / "book", tmp_path / "b" / "book"
    stores = [ProgressStore.for_course(one), ProgressStore.for_course(namesake)]
    assert len({shipped.path, *(s.path for s in stores)}) == 3
    assert stores[0].path.parent.parent == tmp_path / "data" / "kafka-semantics-course" / "courses"
    assert stores[0].path.parent.name.startswith("book-")
    assert ProgressStore.for_course(str(one / ".." / "book")).path == stores[0].path  # the same folder
    assert course_data_dir(one) == stores[0].path.parent
    stores[0].save(Progress(current_lesson="index"))
    assert ProgressStore.for_course(one).load().current_lesson == "index"
    assert shipped.load().current_lesson is None and stores[1].load().current_lesson is None


# ---------------------------------------------------------------- two windows and the CLI at once


def test_stale_snapshots_from_two_stores_merge_instead_of_overwriting(tmp_path: Path) -> None:
    """The app saves whole snapshots it loaded long ago; another writer's changes stay."""
    path = tmp_path / "progress.db"
    window, cli = ProgressStore(path), ProgressStore(path)
    mine, theirs = window.load(), cli.load()
    qz = a_quiz()
    theirs.mark_done("01-a")
    theirs.record_quiz("qz", grade_quiz(qz, {"q1": [1], "q2": [2]}), {"q1": [1], "q2": [2]})  # 100%
    theirs.record_exercise("acks", passed=True)
    cli.save(theirs)
    mine.visit("02-b")
    mine.record_quiz("qz", grade_quiz(qz, {"q1": [1]}), {"q1": [1]})  # 50%, knows nothing of the 100%
    mine.record_exercise("acks", passed=False)
    mine.next_hint("acks", available=3)
    window.save(mine)
    stored = ProgressStore(path).load()
    assert stored.is_done("01-a") and stored.current_lesson == "02-b"
    assert (stored.quizzes["qz"].percent, stored.quizzes["qz"].attempts) == (100.0, 2)
    acks = stored.exercises["acks"]
    assert (acks.passed, acks.checks, acks.hints_shown) == (True, 2, 1) and acks.passed_at
    # The window saves again: only what changed since its own last save is written.
    mine.mark_done("02-b")
    window.save(mine)
    stored = ProgressStore(path).load()
    assert sorted(stored.lessons_done) == ["01-a", "02-b"] and stored.quizzes["qz"].attempts == 2


CHILD_WINDOW = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from engine.learner.grading import grade_quiz
    from engine.model import Option, Question, Quiz
    from engine.learner.progress import ProgressStore

    quiz = Quiz("qz", "Quiz", [Question("q1", "single", "?", [Option("a", True), Option("b")])])
    name, rounds = sys.argv[2], int(sys.argv[3])
    store = ProgressStore(Path(sys.argv[1]))
    p = store.load()          # loaded once, like an app window; never reloaded
    print("ready", flush=True)
    sys.stdin.readline()      # both writers start together
    for i in range(rounds):
        p.mark_done(f"{name}-{i:03d}")
        p.visit(f"{name}-{i:03d}")
        p.record_quiz("qz", grade_quiz(quiz, {"q1": [1 if i % 2 else 2]}), {"q1": [1 if i % 2 else 2]})
        p.record_exercise("shared", passed=False)
        p.extra[f"note-{name}"] = i
        store.save(p)
    """
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_two_processes_saving_snapshots_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    rounds = 60
    procs = [subprocess.Popen([sys.executable, "-c", CHILD_WINDOW, str(path), name, str(rounds)], env=_env(),
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for name in ("app", "window")]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    assert [proc.wait(timeout=180) for proc in procs] == [0, 0]
    store = ProgressStore(path)
    p = store.load()
    assert store.warnings == []
    expected = sorted(f"{name}-{i:03d}" for name in ("app", "window") for i in range(rounds))
    assert sorted(p.lessons_done) == expected and sorted(p.visited) == expected
    assert p.quizzes["qz"].attempts == 2 * rounds and p.quizzes["qz"].passed  # the best of both
    assert p.exercises["shared"].checks == 2 * rounds
    assert (p.extra["note-app"], p.extra["note-window"]) == (rounds - 1, rounds - 1)


CHILD_UPDATER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from engine.learner.progress import ProgressStore

    store = ProgressStore(Path(sys.argv[1]))
    for _ in range(int(sys.argv[2])):
        with store.update() as p:
            p.extra["count"] = p.extra.get("count", 0) + 1
    """
)


def test_update_from_two_processes_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    procs = [subprocess.Popen([sys.executable, "-c", CHILD_UPDATER, str(path), "40"], env=_env(), cwd=ROOT)
             for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert ProgressStore(path).load().extra["count"] == 80


def test_a_failed_update_changes_nothing(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.db")
    with store.update() as p:
        p.mark_done("kept")
    with pytest.raises(RuntimeError):
        with store.update() as p:
            p.mark_done("rolled-back")
            raise RuntimeError("boom")
    assert sorted(store.load().lessons_done) == ["kept"]


def test_exercise_passes_and_hints_are_kept(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.db")
    with store.update() as p:
        p.record_exercise("acks", passed=False)
        assert p.next_hint("acks", available=2) == 1
    with store.update() as p:
        p.record_exercise("acks", passed=True)
        p.record_exercise("acks", passed=False)  # a later failure does not take a pass back
        assert p.next_hint("acks", available=2) == 2
        assert p.next_hint("acks", available=2) == 2
    loaded = store.load()
    assert loaded.exercise_passed("acks") and not loaded.exercise_passed("other")
    result = loaded.exercises["acks"]
    assert (result.checks, result.hints_shown) == (3, 2) and result.passed_at


# ---------------------------------------------------------------- the JSON file of earlier versions


OLD_JSON = {
    "version": 1, "current_lesson": "02-b",
    "lessons_done": {"01-a": "2026-11-27T12:00:00+00:00"},
    "visited": {"02-b": "2026-11-27T12:05:00+00:00"},
    "quizzes": {"qz": {"score": 1.0, "max": 2, "percent": 50.0, "passed": False, "answers": {"q1": [1]},
                       "attempts": 3, "at": "2026-11-27T12:01:00+00:00", "last_at": "2026-11-27T12:02:00+00:00"}},
    "exercises": {"acks": {"passed": True, "checks": 2, "hints_shown": 1, "passed_at": "2026-11-27T12:03:00+00:00"}},
    "badges": {"b1": {"earned": True}},
}


def test_the_old_json_file_is_migrated_once_and_kept(tmp_path: Path) -> None:
    legacy = tmp_path / "progress.json"
    legacy.write_text(json.dumps(OLD_JSON))
    store = ProgressStore(tmp_path / "progress.db")
    p = store.load()
    assert p == Progress.from_json(OLD_JSON) and store.warnings == []
    assert not legacy.exists() and json.loads((tmp_path / "progress.json.migrated").read_text()) == OLD_JSON
    p.mark_done("02-b")
    store.save(p)
    # A crash between the import and the rename leaves the file behind: it is not imported twice.
    (tmp_path / "progress.json.migrated").rename(legacy)
    again = ProgressStore(tmp_path / "progress.db").load()
    assert again.quizzes["qz"].attempts == 3 and sorted(again.lessons_done) == ["01-a", "02-b"]
    assert again.extra == {"badges": {"b1": {"earned": True}}}
    assert not legacy.exists() and (tmp_path / "progress.json.migrated").exists()


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"{\"version\": 1, \"lessons_done\": {", "not JSON"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"[1, 2, 3]", "should be an object"),
        (b'{"version": 99}', "unknown version 99"),
        (b'{"lessons_done": {}}', "unknown version None"),
        (b'{"version": 1, "quizzes": []}', "quizzes should be an object"),
        (b'{"version": 1, "quizzes": {"qz": {"score": 1}}}', "has no 'max'"),
    ],
)
def test_an_unreadable_old_json_file_is_moved_aside_with_a_warning(tmp_path: Path, content: bytes,
                                                                    reason: str) -> None:
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    store = ProgressStore(tmp_path / "progress.db")
    p = store.load()
    assert p == Progress()
    asides = list(tmp_path.glob("progress.json.corrupt-*"))
    assert len(asides) == 1 and asides[0].read_bytes() == content  # kept, byte for byte
    assert not path.exists()
    assert len(store.warnings) == 1 and asides[0].name in store.warnings[0]
    if reason not in ("not JSON", "not UTF-8"):
        assert reason in store.warnings[0]
    p.mark_done("l1")
    store.save(p)  # and the fresh database takes changes
    assert ProgressStore(tmp_path / "progress.db").load().is_done("l1")


def test_a_file_that_is_not_a_database_is_moved_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    path.write_bytes(b"this is not SQLite, it is someone's notes" * 100)
    store = ProgressStore(path)
    assert store.load() == Progress()
    (aside,) = tmp_path.glob("progress.db.corrupt-*")
    assert aside.read_bytes().startswith(b"this is not SQLite")
    assert len(store.warnings) == 1 and aside.name in store.warnings[0]
    store.save(Progress(current_lesson="x"))
    assert ProgressStore(path).load().current_lesson == "x"


def test_two_corrupt_files_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    for n in range(2):
        (tmp_path / "progress.db").write_text(f"broken {n}" * 200)
        ProgressStore(tmp_path / "progress.db").load()
    assert sorted(p.read_text()[:8] for p in tmp_path.glob("progress.db.corrupt-*")) == ["broken 0", "broken 1"]


def test_a_database_of_a_newer_course_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    store = ProgressStore(path)
    assert store.load() == Progress()
    assert "newer version" in store.warnings[0] and len(list(tmp_path.glob("progress.db.corrupt-*"))) == 1


# ---------------------------------------------------------------- crashes (real SIGKILL)

CHILD_LOOP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from engine.learner.progress import ProgressStore

    store = ProgressStore(Path(sys.argv[1]))
    p = store.load()
    if store.warnings:
        sys.exit("warnings: " + "; ".join(store.warnings))
    p.extra["padding"] = "x" * 300_000   # bigger transactions, so kills often land inside one
    i = len(p.lessons_done)
    while True:
        p.mark_done(f"lesson-{i:05d}")
        p.extra["padding"] = ("x" if i % 2 else "y") * 300_000
        store.save(p)
        print(i, flush=True)   # only printed once save() returned: this change is promised
        i += 1
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_saves_killed_at_random_moments_never_corrupt_or_lose(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    rng = random.Random(20261127)
    for _ in range(20):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD_LOOP, str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT,
        )
        first = proc.stdout.readline()  # the loop is running and has saved at least once
        assert first, proc.stderr.read()
        time.sleep(rng.uniform(0, 0.03))
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err
        promised = int(([first] + rest.split())[-1])

        store = ProgressStore(path)
        p = store.load()
        assert store.warnings == []  # never corrupt
        done = sorted(p.lessons_done)
        # every promised save is there; at most the one in flight beyond it
        assert done[: promised + 1] == [f"lesson-{i:05d}" for i in range(promised + 1)]
        assert len(done) in (promised + 1, promised + 2)
        assert done == [f"lesson-{i:05d}" for i in range(len(done))]
        assert p.extra["padding"] in ("x" * 300_000, "y" * 300_000)
