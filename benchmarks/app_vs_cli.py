"""Lesson 8's measurements from the command line and from inside the app: do they agree?

Lesson 8's example (measure-costs.py) times five producer setups against the sandbox: burst
throughput (msg/s) and per-message latency (p50, p99). The learner runs it from the CLI
(`course run`: engine.runs.runner in a plain process) or from the app's run panel (the same
runner, in a worker thread of the Textual app). When the sandbox's brokers ran in the caller's
process they shared its GIL with the app's rendering, and the app's numbers came out several
times worse; the runner now starts the sandbox in a child process (engine.sandbox.process).

Each measurement runs in a fresh interpreter: `--one cli` calls run_example directly; `--one app`
starts CourseApp headless (run_test), opens lesson 8's Examples tab and presses ctrl+r, as a
learner would, then reads the example's report from the panel's result. `--sandbox thread` puts
back the in-process Sandbox (the "before"), `--sandbox process` is what the runner does now.
Prints, for each number of the lesson's table, the median [min-max] over the rounds from each
side, the app/cli ratio of the medians and a verdict (target: within 20 %), with how much the CLI's
own runs vary (on a loaded machine a p99 of 100 samples moves a lot from run to run).

    .venv/bin/python benchmarks/app_vs_cli.py [--rounds 5] [--sandbox both|process|thread] [--baseline]
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
CPU = "caller-cpu"  # not a setup: CPU seconds the caller's process used during the run, and the run's seconds


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
    from engine.runs.runner import run_example
    from engine.runs.scenario import load_scenario

    _, script = lesson_example()
    cpu = time.process_time()
    result = run_example(script, load_scenario(script.with_suffix(".yaml")))
    if result.exit_code != 0:
        raise SystemExit(f"the example failed (exit {result.exit_code}):\n" + "\n".join(result.output[-20:]))
    return {**parse_table(result.output), CPU: [time.process_time() - cpu, result.duration, 0.0]}


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
        cpu = time.process_time()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: panel.finished_runs > before, "the run to finish", learner=True)
        cpu = time.process_time() - cpu
        result = panel.result
        if result is None or result.exit_code != 0:
            raise SystemExit("the example failed in the app:\n" + "\n".join((result.output if result else [])[-20:]))
        return {**parse_table(result.output), CPU: [cpu, result.duration, 0.0]}


def measure(path: str, sandbox: str) -> dict[str, list[float]]:
    """One run in a fresh interpreter (its own XDG data dir: the learner's files are not touched)."""
    with tempfile.TemporaryDirectory(prefix="app-vs-cli-") as data:
        env = dict(os.environ, XDG_DATA_HOME=data, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, __file__, "--one", path, "--sandbox", sandbox],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{path}/{sandbox} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sandbox", choices=("both", "process", "thread"), default="both")
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
    print(f"lesson 8 {SCRIPT}: median of {args.rounds} runs each; cli and app runs interleaved")
    for kind in kinds:
        runs: dict[str, list[dict[str, list[float]]]] = {"cli": [], "app": []}
        for _ in range(args.rounds):
            for path in ("cli", "app"):
                runs[path].append(measure("cli" if args.baseline else path, kind))
        label = "before: sandbox in the caller's process" if kind == "thread" else "after: sandbox in a child process"
        if args.baseline:
            label += "; BASELINE: the 'app' column is a second set of CLI runs"
        print(f"\n== {label} (--sandbox {kind}): median [min-max] of {args.rounds} runs")
        report(runs)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def report(runs: dict[str, list[dict[str, list[float]]]]) -> None:
    """One verdict line per number the lesson's table reports: app/cli ratio of the medians,
    within the target or not; and how much the CLI's own runs vary (the noise the ratio sits in)."""
    misses = []
    for setup in runs["cli"][0]:
        if setup == CPU:
            continue
        for i, metric in enumerate(METRICS):
            cli = [r[setup][i] for r in runs["cli"] if setup in r]
            app = [r[setup][i] for r in runs["app"] if setup in r]
            ratio = statistics.median(app) / statistics.median(cli) if statistics.median(cli) else float("inf")
            ok = abs(ratio - 1) <= TARGET
            noise = max(abs(v / statistics.median(cli) - 1) for v in cli) if statistics.median(cli) else 0.0
            verdict = "within" if ok else "NOT within"
            print(f"{setup:<14}{metric:<7} cli {spread(cli):<26} app {spread(app):<26} app/cli {ratio:5.2f}  "
                  f"{verdict} {TARGET:.0%}  (cli runs vary up to {noise:.0%} from their median)")
            if not ok:
                misses.append(f"{setup} {metric}")
    for path in ("cli", "app"):
        cpu = statistics.median(r[CPU][0] for r in runs[path])
        wall = statistics.median(r[CPU][1] for r in runs[path])
        print(f"  {path}: the caller's process used {cpu:.2f} s of CPU during a {wall:.1f} s run (medians)")
    total = sum(1 for s in runs["cli"][0] if s != CPU) * len(METRICS)
    print(f"verdict: {total - len(misses)} of {total} numbers within {TARGET:.0%}"
          + (f"; not: {', '.join(misses)}" if misses else ""))


if __name__ == "__main__":
    main()
