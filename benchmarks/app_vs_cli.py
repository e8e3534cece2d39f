"""Lesson 8's measurements from the command line and from inside the app: do they agree?

Lesson 8's example (measure-costs.py) times five producer setups against the sandbox: burst
throughput (msg/s) and per-message latency (p50, p99). The learner runs it from the CLI
(`course run 08-choosing-a-guarantee`) or from the app's run panel (the same runner, in a worker
thread of the Textual app, with the sandbox in a child process: engine.sandbox.process).

Each measurement runs in a fresh interpreter: `--one cli` is `course run` itself (course.cli.main,
its printed output captured); `--one app` starts CourseApp headless (run_test), opens lesson 8's
Examples tab and presses ctrl+r, as a learner would, then reads the example's report from the
panel's result. The two kinds of run alternate (cli, app, cli, app, ...), so that a change in the
machine's load falls on both sides alike.

For each number of the lesson's table it prints the median of each side, the app/cli ratio of the
medians, the CLI's own spread (min-max of its runs) and a verdict:
  within 20 %   the ratio is within the target;
  noise         outside 20 %, but the app's median lies within the CLI's own min-max: the CLI
                disagrees with itself as much, so the runs cannot tell the two apart;
  differs       outside 20 % and outside the CLI's own spread: a real gap.
Then how steady the example itself is: the CLI's own spread (largest over smallest of its runs) of
every number, as a median and a count of the numbers whose runs stayed within 20 %. The machine's
load average is printed beside each reading (other work on the machine moves p99s).

    .venv/bin/python benchmarks/app_vs_cli.py [--rounds 5] [--sandbox process|thread|both] [--baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LESSON_PREFIX = "08-"
SCRIPT = "measure-costs"
METRICS = ("msg/s", "p50 ms", "p99 ms")
TARGET = 0.20  # app and CLI agree within 20 %
CPU = "caller-cpu"  # not a setup: the caller's CPU seconds during the run, the run's seconds, its main thread's CPU


def parse_table(output: list[str]) -> dict[str, list[float]]:
    """The example's closing table: {setup: [msg/s, p50 ms, p99 ms]}."""
    rows: dict[str, list[float]] = {}
    header = next((i for i, line in enumerate(output) if line.split()[:2] == ["setup", "msg/s"]), None)
    if header is None:
        raise SystemExit("the example printed no results table:\n" + "\n".join(output[-20:]))
    for line in output[header + 1:]:
        parts = line.split()
        if len(parts) == 4:
            rows[parts[0]] = [float(p) for p in parts[1:]]
    return rows


def use_sandbox(kind: str) -> None:
    """`thread`: the runner gets the in-process Sandbox again (how runs were before)."""
    if kind == "thread":
        import engine.sandbox.process as process
        from engine.sandbox import Sandbox

        process.SandboxProcess = Sandbox  # type: ignore[misc, assignment]


def lesson_example() -> tuple[str, Path]:
    from engine.content.course import load_course
    from engine.paths import course_dir

    course = load_course(course_dir())
    for lesson in course.lessons():
        if lesson.id.split("/")[-1].startswith(LESSON_PREFIX):
            for example in lesson.examples:
                if Path(example.script).stem == SCRIPT:
                    return lesson.id, Path(example.script)
    raise SystemExit(f"lesson {LESSON_PREFIX}* has no example {SCRIPT}")


def one_cli() -> dict[str, list[float]]:
    """`course run LESSON --example measure-costs`, as typed in a terminal (its printer, its
    defaults: no sandbox events), with what it prints captured here."""
    import contextlib
    import io

    from course.cli import main as course_main

    lesson_id, _ = lesson_example()
    printed = io.StringIO()
    cpu, wall, main = time.process_time(), time.monotonic(), time.thread_time()
    with contextlib.redirect_stdout(printed):
        code = course_main(["run", lesson_id.split("/")[-1], "--example", SCRIPT])
    cpu, wall, main = time.process_time() - cpu, time.monotonic() - wall, time.thread_time() - main
    lines = printed.getvalue().splitlines()
    if code != 0:
        raise SystemExit(f"course run failed (exit {code}):\n" + "\n".join(lines[-20:]))
    output = [line[4:] for line in lines if line.startswith("  | ")]  # the example's own lines
    return {**parse_table(output), CPU: [cpu, wall, main]}


async def one_app_async() -> dict[str, list[float]]:
    from textual.widgets import TabbedContent

    from course.app import CourseApp
    from course.screens.lesson import LessonScreen
    from course.widgets.messages import OpenLesson
    from course.widgets.run_panel import RunPanel
    from engine.paths import course_dir

    lesson_id, _ = lesson_example()
    app = CourseApp(course_dir())

    async def until(pilot: Any, condition: Any, what: str, timeout: float = 300, learner: bool = False) -> None:
        """Poll `condition`. `learner`: by sleeping, as nobody drives a learner's app; Pilot.pause
        posts a callback to every widget on the screen (lesson 8's text is hundreds) and forces a
        repaint, 20 times a second: that alone took most of a core from the run being measured."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            if learner:
                await asyncio.sleep(0.1)
            else:
                await pilot.pause(0.05)

    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.course is not None, "the course to load")
        app.post_message(OpenLesson(lesson_id))
        await until(pilot, lambda: isinstance(app.screen, LessonScreen), "lesson 8")
        await pilot.pause()
        await pilot.press("e")
        screen = app.screen
        await until(pilot, lambda: screen.query_one("#lesson-tabs", TabbedContent).active == "run", "the Examples tab")
        panel = screen.query_one(RunPanel)
        await until(pilot, lambda: panel.scenario is not None and panel.example is not None
                    and Path(panel.example.script).stem == SCRIPT, "the example to load")
        await pilot.pause()
        before = panel.finished_runs
        cpu, ui = time.process_time(), time.thread_time()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: panel.finished_runs > before, "the run to finish", learner=True)
        cpu, ui = time.process_time() - cpu, time.thread_time() - ui
        result = panel.result
        if result is None or result.exit_code != 0:
            raise SystemExit("the example failed in the app:\n" + "\n".join((result.output if result else [])[-20:]))
        return {**parse_table(result.output), CPU: [cpu, result.duration, ui]}


def measure(path: str, sandbox: str) -> dict[str, list[float]]:
    """One run in a fresh interpreter (its own XDG data dir: the learner's files are not touched)."""
    with tempfile.TemporaryDirectory(prefix="app-vs-cli-") as data:
        env = dict(os.environ, XDG_DATA_HOME=data, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, __file__, "--one", path, "--sandbox", sandbox],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{path}/{sandbox} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and its cores: the readings' context."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each kind (default 5)")
    parser.add_argument("--sandbox", choices=("both", "process", "thread"), default="process",
                        help="process: the runner's child-process sandbox (default); thread: the old "
                             "in-process Sandbox, for comparison; both: one after the other")
    parser.add_argument("--baseline", action="store_true",
                        help="compare the CLI with itself (two sets of CLI runs): how close two sets of "
                             "runs come on this machine at best")
    parser.add_argument("--one", choices=("cli", "app"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        use_sandbox(args.sandbox)
        table = one_cli() if args.one == "cli" else asyncio.run(one_app_async())
        print(json.dumps(table))
        return

    kinds = ("thread", "process") if args.sandbox == "both" else (args.sandbox,)
    print(f"lesson 8 {SCRIPT}: {args.rounds} runs of each kind, cli and app alternating")
    for kind in kinds:
        runs: dict[str, list[dict[str, list[float]]]] = {"cli": [], "app": []}
        loads = [load()]
        for i in range(args.rounds):
            for path in ("cli", "app"):
                runs[path].append(measure("cli" if args.baseline else path, kind))
            loads.append(load())
            print(f"  round {i + 1}: {loads[-1]}", flush=True)
        label = "sandbox in the caller's process" if kind == "thread" else "sandbox in a child process"
        if args.baseline:
            label += "; BASELINE: the 'app' column is a second set of CLI runs"
        print(f"\n== {label} (--sandbox {kind}); {load()} at the end")
        report(runs, args.baseline)


def spread(values: list[float]) -> str:
    return f"{min(values):.3f}-{max(values):.3f}" if max(values) < 100 else f"{min(values):.0f}-{max(values):.0f}"


def width(values: list[float]) -> float:
    """How far apart a series' runs came: its largest over its smallest value (1.0: all alike)."""
    return max(values) / min(values) if min(values) > 0 else float("inf")


def verdict(cli: list[float], app: list[float]) -> tuple[float, str]:
    """The app/cli ratio of the medians, and whether it is within the target, within the CLI's
    own spread (noise) or outside both (differs)."""
    mid_cli, mid_app = statistics.median(cli), statistics.median(app)
    ratio = mid_app / mid_cli if mid_cli else float("inf")
    if abs(ratio - 1) <= TARGET:
        return ratio, f"within {TARGET:.0%}"
    if min(cli) <= mid_app <= max(cli):
        return ratio, "noise"
    return ratio, "differs"


def report(runs: dict[str, list[dict[str, list[float]]]], baseline: bool = False) -> None:
    """One line per number the lesson's table reports: median of each side, their ratio, the
    CLI's own spread and the verdict; then a count of each verdict."""
    tally: dict[str, list[str]] = {}
    widths: list[float] = []  # the CLI's own spread of each number, max/min
    print(f"{'setup':<14}{'number':<8}{'app':>10}{'cli':>10}{'app/cli':>9}  {'cli spread':<20}"
          f"{'app spread':<20}verdict")
    for setup in runs["cli"][0]:
        if setup == CPU:
            continue
        for i, metric in enumerate(METRICS):
            cli = [r[setup][i] for r in runs["cli"] if setup in r]
            app = [r[setup][i] for r in runs["app"] if setup in r]
            ratio, said = verdict(cli, app)
            digits = 0 if metric == "msg/s" else 3
            print(f"{setup:<14}{metric:<8}{statistics.median(app):>10.{digits}f}{statistics.median(cli):>10.{digits}f}"
                  f"{ratio:>9.2f}  {spread(cli):<20}{spread(app):<20}{said}")
            tally.setdefault(said, []).append(f"{setup} {metric}")
            widths.append(width(cli))
    for path in ("cli", "app"):
        cpu = statistics.median(r[CPU][0] for r in runs[path])
        wall = statistics.median(r[CPU][1] for r in runs[path])
        main = statistics.median(r[CPU][2] for r in runs[path])
        print(f"  {path}: the caller's process used {cpu:.2f} s of CPU ({main:.2f} s on its main thread"
              f"{': the UI' if path == 'app' and not baseline else ''}) during a {wall:.1f} s run (medians)")
    print(f"  the CLI's own spread (max/min of its runs) over the {len(widths)} numbers: median "
          f"{statistics.median(widths):.2f}, widest {max(widths):.2f}; numbers whose runs stayed within 20 %: "
          f"{sum(w <= 1 + TARGET for w in widths)}")
    total = sum(len(v) for v in tally.values())
    within = len(tally.get(f"within {TARGET:.0%}", []))
    print(f"verdict: {within} of {total} numbers within {TARGET:.0%}; "
          f"noise (outside {TARGET:.0%}, inside the CLI's own spread): {len(tally.get('noise', []))}"
          + (f" ({', '.join(tally['noise'])})" if tally.get("noise") else "")
          + f"; differs: {len(tally.get('differs', []))}"
          + (f" ({', '.join(tally['differs'])})" if tally.get("differs") else ""))


if __name__ == "__main__":
    main()
