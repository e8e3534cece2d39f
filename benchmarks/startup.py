"""Start-up time: from starting `course` to the outline on screen, in a real pseudo-terminal.

Each run starts `python -m course` (the same entry point as the `course` script) in a new
pseudo-terminal of 100x32 with a fresh, empty XDG data dir, reads what it draws, and stops the clock
when the outline's progress line ("N of M lessons done") has been drawn: the course and progress
are loaded and shown. The baseline is `python -c pass` started the same way, so the ratio
outline / bare interpreter says how much the app adds, on a loaded machine too.

    .venv/bin/python benchmarks/startup.py [--runs N] [--compare GIT_REV]

--compare (e.g. `--compare main`) also measures that commit's code, exported with `git archive`
into a temporary folder, in the same rounds (bare, this tree, that commit, bare, ...), so before and
after see the same machine load. Prints the median and range of each, and ratios to the baseline.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTLINE_SHOWN = re.compile(rb"\d+ of \d+ lessons done")
ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>78])")
TIMEOUT_S = 60.0  # per run: a loaded machine is slow, but not this slow


def run_in_pty(argv: list[str], tree: Path, data_dir: Path, until: re.Pattern[bytes] | None) -> float:
    """Seconds from spawning `argv` in a 100x32 pty until `until` is drawn (or, for None, it exits)."""
    env = dict(os.environ, PYTHONPATH=str(tree), XDG_DATA_HOME=str(data_dir), TERM="xterm-256color",
               COLUMNS="100", LINES="32")
    env.pop("TEXTUAL", None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=tree, env=env, stdin=slave, stdout=slave, stderr=slave,
                               start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while True:
            if time.perf_counter() - start > TIMEOUT_S:
                raise TimeoutError(f"{' '.join(argv)}: nothing matched within {TIMEOUT_S:g} s; last output:\n"
                                   f"{ANSI.sub(b'', seen)[-400:].decode(errors='replace')}")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal (it exited)
                    chunk = b""
                if not chunk and until is None:
                    return time.perf_counter() - start
                seen += chunk
                if until is not None and until.search(ANSI.sub(b"", seen[-20000:])):
                    return time.perf_counter() - start
            if until is None and process.poll() is not None:
                return time.perf_counter() - start
            if until is not None and process.poll() is not None:
                raise RuntimeError(f"{' '.join(argv)} exited with {process.returncode} before the outline:\n"
                                   f"{ANSI.sub(b'', seen)[-800:].decode(errors='replace')}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        os.close(master)


def export(rev: str, into: Path) -> Path:
    """The code (and course) of commit `rev`, as files under `into`."""
    archive = subprocess.run(["git", "archive", rev, "engine", "course", "lessons", "quizzes", "exercises",
                              "pyproject.toml"], cwd=REPO, check=True, capture_output=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def summary(label: str, times: list[float]) -> str:
    return (f"{label:<28} median {statistics.median(times) * 1000:7.0f} ms   "
            f"range {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms   ({len(times)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--compare", metavar="GIT_REV", help="also measure this git revision's code")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        trees = {"this tree": REPO}
        if args.compare:
            trees[args.compare] = export(args.compare, Path(scratch) / "compare")
        bare: list[float] = []
        outline: dict[str, list[float]] = {label: [] for label in trees}
        for i in range(args.runs):  # interleaved, so every variant sees the same machine load
            data = Path(scratch) / f"data-{i}"
            data.mkdir()
            bare.append(run_in_pty([python, "-c", "pass"], REPO, data, None))
            for label, tree in trees.items():
                outline[label].append(run_in_pty([python, "-m", "course"], tree, data, OUTLINE_SHOWN))
        print("start-up of `course` in a 100x32 pty: from spawning the process to the outline drawn")
        print(summary("python -c pass", bare))
        for label, times in outline.items():
            print(summary(f"course ({label})", times))
        for label, times in outline.items():
            print(f"ratio {label} / bare interpreter (medians): "
                  f"{statistics.median(times) / statistics.median(bare):.1f}")
        if args.compare:
            ratio = statistics.median(outline["this tree"]) / statistics.median(outline[args.compare])
            print(f"this tree / {args.compare} (medians): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
