"""What a run asks of the process that starts it, so that the app and the CLI measure alike:
- the example's output pipes have room for a burst of report lines (engine.runs.runner.widen_pipe):
  a reader that falls behind for a moment must not block the example's print, which the example
  would count as the cluster's latency;
- the caller's objects are frozen out of garbage collection while runs go on, and no full collection
  starts until the last run ends (frozen_heap)."""

from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path

import pytest

from engine.runs.runner import NO_FULL_COLLECTION, PIPE_BYTES, ExampleRun, frozen_heap, launch_command, widen_pipe

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

GETPIPE = getattr(fcntl, "F_GETPIPE_SZ", None) if fcntl is not None else None


def pipe_ceiling() -> int:
    try:
        return int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except OSError:
        return 0


needs_pipe_sizes = pytest.mark.skipif(GETPIPE is None or pipe_ceiling() < PIPE_BYTES,
                                      reason="pipe sizes are set with Linux's F_SETPIPE_SZ, up to pipe-max-size")


def test_the_callers_objects_stay_out_of_collections_until_the_last_run_ends() -> None:
    assert gc.get_freeze_count() == 0
    before = [[] for _ in range(1000)]  # containers: tracked by the collector
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > len(before)  # everything the process had, these among them
        # Made during the run: a second gc.freeze() would take these too. (The count is not exact:
        # a frozen object that another thread frees leaves the permanent generation.)
        fresh = [[] for _ in range(1000)]
        other_run_in = threading.Event()
        other_run_may_end = threading.Event()

        def another_run() -> None:  # the app may run a snippet while an example runs
            with frozen_heap():
                other_run_in.set()
                other_run_may_end.wait(30)

        thread = threading.Thread(target=another_run)
        thread.start()
        assert other_run_in.wait(30)
        assert gc.get_freeze_count() < frozen + len(fresh)  # a second run does not freeze again
        other_run_may_end.set()
        thread.join(30)
        assert 0 < gc.get_freeze_count() < frozen + len(fresh)  # one run still goes on: still frozen
    del fresh
    assert gc.get_freeze_count() == 0


def test_no_full_collection_starts_while_runs_go_on() -> None:
    before = gc.get_threshold()
    with frozen_heap():
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2]  # the young generations are collected as usual
        assert full >= NO_FULL_COLLECTION > 1000 * before[2]
        with frozen_heap():  # a second run inside the first changes nothing
            assert gc.get_threshold() == (young, middle, full)
        assert gc.get_threshold() == (young, middle, full)  # one run still goes on
        collected = []
        gc.callbacks.append(lambda phase, info: collected.append(info["generation"]) if phase == "start" else None)
        try:
            garbage = [[[]] for _ in range(50_000)]  # enough young objects for many collections
            del garbage
        finally:
            gc.callbacks.pop()
        assert collected and 2 not in collected, collected
    assert gc.get_threshold() == before


def test_a_run_that_fails_still_unfreezes() -> None:
    with pytest.raises(RuntimeError):
        with frozen_heap():
            raise RuntimeError("the sandbox did not start")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold()[2] < NO_FULL_COLLECTION


@needs_pipe_sizes
def test_widen_pipe_gives_the_pipe_a_megabyte() -> None:
    read, write = os.pipe()
    try:
        with os.fdopen(read, "rb", closefd=False) as stream:
            before = fcntl.fcntl(read, GETPIPE)
            assert widen_pipe(stream) == PIPE_BYTES
            assert fcntl.fcntl(read, GETPIPE) == PIPE_BYTES > before
    finally:
        os.close(read)
        os.close(write)


@needs_pipe_sizes
def test_widen_pipe_leaves_a_stream_without_a_pipe_alone(tmp_path: Path) -> None:
    with open(tmp_path / "file.txt", "w") as regular:  # not a pipe: F_SETPIPE_SZ fails, the run goes on
        assert widen_pipe(regular) is None
    assert widen_pipe(None) is None


@needs_pipe_sizes
def test_the_example_writes_into_widened_pipes(tmp_path: Path) -> None:
    """What the example itself sees: its stdout and stderr are pipes of PIPE_BYTES."""
    script = tmp_path / "pipes.py"
    script.write_text(
        "import fcntl, sys\n"
        f"print(fcntl.fcntl(1, {GETPIPE}), fcntl.fcntl(2, {GETPIPE}))\n", encoding="utf-8")
    run = ExampleRun(script)
    run._command = launch_command(script, sys.executable)  # noqa: SLF001 (set by run() before spawning)
    proc = run._spawn("127.0.0.1:9")  # noqa: SLF001 (no cluster: the script never connects)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.split() == [str(PIPE_BYTES), str(PIPE_BYTES)]


def test_report_lines_wake_the_supervisor_only_for_a_fault_that_counts_them(tmp_path: Path) -> None:
    """A fault `when: {acked: N}` is applied as soon as the Nth line is read (the supervisor is
    woken); without such a fault the lines wake nobody: lesson 8 prints tens of thousands."""
    import io

    from engine.runs.scenario import Scenario, load_scenario

    script = tmp_path / "example.py"
    scenario = tmp_path / "example.yaml"
    scenario.write_text("title: t\ntopics: [{name: t}]\n"
                        "faults:\n  - {when: {acked: 2}, do: pause_replication}\n", encoding="utf-8")
    lines = "sent a\nacked a 0 0\nhello\n"
    counting = ExampleRun(script, load_scenario(scenario))
    counting._read(io.StringIO(lines), "stdout")  # noqa: SLF001 (the reader thread's body)
    assert counting._wake.is_set()  # noqa: SLF001
    plain = ExampleRun(script, Scenario(title="t"))
    plain._read(io.StringIO(lines), "stdout")  # noqa: SLF001
    assert not plain._wake.is_set()  # noqa: SLF001
    assert len(plain.report.acked) == 1 and plain.output == ["hello"]


def test_the_pipe_is_read_in_chunks_and_every_line_comes_out_whole(tmp_path: Path) -> None:
    """The reader takes what the pipe holds at once: lines split across reads, a character split
    across reads, Windows line ends and a last line without one all come out as printed."""
    read, write = os.pipe()
    run = ExampleRun(tmp_path / "example.py")
    thread = threading.Thread(target=run._read, args=(os.fdopen(read, "r"), "stdout"))  # noqa: SLF001
    thread.start()
    many = "".join(f"sent m-{i}\n" for i in range(5000)).encode()
    pieces = [many[:7], many[7:40000], many[40000:], "café\r\n".encode()[:4], "café\r\n".encode()[4:],
              b"acked m-1 0 1\n", b"last words"]
    for piece in pieces:
        os.write(write, piece)
    os.close(write)
    thread.join(30)
    assert not thread.is_alive()
    assert len(run.report.sent) == 5000 and len(run.report.acked) == 1
    assert run.output == ["café", "last words"]
