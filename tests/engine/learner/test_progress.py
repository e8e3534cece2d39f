"""engine.learner.progress: the versioned JSON store, corrupt files, and saves killed mid-write."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.learner.grading import grade_quiz
from engine.model import Option, Question, Quiz
from engine.learner.progress import STALE_TMP_SECONDS, VERSION, Progress, ProgressStore

from tests.paths import ROOT


def a_quiz() -> Quiz:
    return Quiz("qz", "Quiz", [Question("q1", "single", "?", [Option("a", True), Option("b")]),
                               Question("q2", "single", "?", [Option("a"), Option("b", True)])])


def test_missing_file_gives_fresh_progress_and_writes_nothing(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    p = store.load()
    assert (p.version, p.current_lesson, p.lessons_done, p.quizzes) == (VERSION, None, {}, {})
    assert store.warnings == [] and list(tmp_path.iterdir()) == []


def test_round_trip(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    p = store.load()
    p.visit("01-a")
    p.mark_done("01-a")
    p.visit("02-b")
    grade = grade_quiz(a_quiz(), {"q1": [1], "q2": [1]})
    p.record_quiz("qz", grade, {"q1": [1], "q2": [1]})
    store.save(p)
    again = ProgressStore(tmp_path / "progress.json").load()
    assert again == p
    assert again.current_lesson == "02-b" and again.is_done("01-a") and not again.is_done("02-b")
    assert again.quizzes["qz"].percent == 50.0 and again.quizzes["qz"].answers == {"q1": [1], "q2": [1]}
    assert sorted(os.listdir(tmp_path)) == ["progress.json"]  # no temporary file left behind
    assert json.loads((tmp_path / "progress.json").read_text())["version"] == VERSION


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
    assert store.path == tmp_path / "kafka-semantics-course" / "progress.json"
    store.save(Progress(current_lesson="x"))
    assert store.path.is_file()


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
def test_unreadable_file_is_moved_aside_with_a_warning(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    store = ProgressStore(path)
    p = store.load()
    assert p == Progress()
    asides = list(tmp_path.glob("progress.json.corrupt-*"))
    assert len(asides) == 1 and asides[0].read_bytes() == content  # kept, byte for byte
    assert not path.exists()
    assert len(store.warnings) == 1 and asides[0].name in store.warnings[0]
    if reason not in ("not JSON", "not UTF-8"):
        assert reason in store.warnings[0]
    store.save(p)  # and a fresh file can be written
    assert ProgressStore(path).load() == Progress()


def test_two_corrupt_files_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    for n in range(2):
        path.write_text(f"broken {n}")
        ProgressStore(path).load()
    assert sorted(p.read_text() for p in tmp_path.glob("progress.json.corrupt-*")) == ["broken 0", "broken 1"]


def test_unknown_top_level_keys_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"version": 1, "badges": {"b1": {"earned": True}}}))
    store = ProgressStore(path)
    p = store.load()
    p.mark_done("l1")
    store.save(p)
    assert json.loads(path.read_text())["badges"] == {"b1": {"earned": True}}


def test_exercise_passes_and_hints_are_kept(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
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


def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    old = tmp_path / ".progress-killed.tmp"
    young = tmp_path / ".progress-inflight.tmp"
    other = tmp_path / "notes.tmp"
    for f in (old, young, other):
        f.write_text("{")
    past = time.time() - STALE_TMP_SECONDS - 60
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    ProgressStore(tmp_path / "progress.json").load()
    assert not old.exists() and young.exists() and other.exists()


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
    p.extra["padding"] = "x" * 300_000   # a bigger file, so kills often land inside a save
    i = len(p.lessons_done)
    while True:
        p.mark_done(f"lesson-{i:05d}")
        store.save(p)
        print(i, flush=True)   # only printed once save() returned: this save is promised
        i += 1
    """
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_saves_killed_at_random_moments_never_corrupt_or_lose(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    rng = random.Random(20261127)
    rounds = 20
    for _ in range(rounds):
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
        assert p.extra["padding"] == "x" * 300_000


CHILD_STAGED = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import engine.learner.progress as progress

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    stage = sys.argv[2]
    if stage == "mid-write":          # half the bytes are in the temporary file
        real_fdopen = os.fdopen
        class HalfWriter:
            def __init__(self, f): self.f = f
            def __enter__(self): return self
            def __exit__(self, *exc): self.f.close()
            def fileno(self): return self.f.fileno()
            def flush(self): self.f.flush()
            def write(self, data):
                self.f.write(data[: len(data) // 2]); self.f.flush(); os.fsync(self.f.fileno()); die()
        os.fdopen = lambda fd, mode: HalfWriter(real_fdopen(fd, mode))
    elif stage == "before-rename":    # the new file is complete and synced, not yet renamed
        os.replace = die
    elif stage == "before-dir-sync":  # renamed, the directory not yet synced
        progress._fsync_dir = die

    store = progress.ProgressStore(Path(sys.argv[1]))
    p = store.load()
    p.mark_done("second")
    store.save(p)
    sys.exit("save() returned, the kill did not happen")
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("stage, survivors", [
    ("mid-write", ["first"]),
    ("before-rename", ["first"]),
    ("before-dir-sync", ["first", "second"]),
])
def test_kill_at_each_stage_of_a_save(tmp_path: Path, stage: str, survivors: list[str]) -> None:
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    p = store.load()
    p.mark_done("first")
    store.save(p)
    before = path.read_bytes()

    out = subprocess.run([sys.executable, "-c", CHILD_STAGED, str(path), stage],
                         capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    assert out.returncode == -signal.SIGKILL, out.stderr

    loaded = ProgressStore(path)
    assert sorted(loaded.load().lessons_done) == survivors
    assert loaded.warnings == []
    leftovers = list(tmp_path.glob(".progress-*.tmp"))
    if stage == "before-dir-sync":
        assert leftovers == []
    else:
        assert path.read_bytes() == before and len(leftovers) == 1  # the killed save's temp file


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
    path = tmp_path / "progress.json"
    procs = [subprocess.Popen([sys.executable, "-c", CHILD_UPDATER, str(path), "40"], env=_env(), cwd=ROOT)
             for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert ProgressStore(path).load().extra["count"] == 80
