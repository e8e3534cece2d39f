"""The example's output pipes have room for a burst of report lines (engine.runs.runner.widen_pipe):
a reader that falls behind for a moment must not block the example's print, which the example
would count as the cluster's latency."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from engine.runs.runner import PIPE_BYTES, ExampleRun, launch_command, widen_pipe

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


pytestmark = pytest.mark.skipif(GETPIPE is None or pipe_ceiling() < PIPE_BYTES,
                                reason="pipe sizes are set with Linux's F_SETPIPE_SZ, up to pipe-max-size")


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


def test_widen_pipe_leaves_a_stream_without_a_pipe_alone(tmp_path: Path) -> None:
    with open(tmp_path / "file.txt", "w") as regular:  # not a pipe: F_SETPIPE_SZ fails, the run goes on
        assert widen_pipe(regular) is None
    assert widen_pipe(None) is None


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
