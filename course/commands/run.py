"""`course run LESSON [--example NAME] [--bootstrap-servers S] [--json]`: run one example live."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.content.examples import EXTENSIONS, find_example
from engine.jvm import CompileError, ResolveError
from engine.jvm import MissingTool as NoJvmTool  # main() imports apache_kafka's MissingTool by that name
from engine.problems import ContentError
from engine.runs.runner import ClusterUnreachable, RunEvent, RunResult, run_example, terminate_on_sigterm
from engine.runs.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a lesson's example against the sandbox and report what happened",
                       description="Run one lesson example as a subprocess against a fresh sandbox (or a real "
                                   "cluster), apply its scenario's faults, and count sent, acknowledged, lost "
                                   "and duplicated messages.")
    p.add_argument("lesson", metavar="LESSON", help="lesson id (e.g. 02-at-most-once), lesson folder or script")
    p.add_argument("--example", metavar="NAME", help="which example of the lesson (default: the first)")
    p.add_argument("--bootstrap-servers", dest="run_bootstrap", metavar="S",
                   help="run against this Kafka cluster instead of the sandbox (faults are not injected)")
    p.add_argument("--against", choices=["sandbox", "kafka"], default="sandbox",
                   help="kafka: real Apache Kafka (course kafka's release) with the same faults injected")
    p.add_argument("--lang", choices=list(EXTENSIONS), default="python",
                   help="run the example's twin in this language (compiled once; needs a JDK and Maven)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="kill the example after this long")
    p.add_argument("--events", action="store_true", help="also print every sandbox event while it runs")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        script, scenario_path = find_example(args.lesson, args.example,
                                             Path(args.course) if getattr(args, "course", None) else None,
                                             lang=getattr(args, "lang", "python"))
        scenario = load_scenario(scenario_path) if scenario_path else None
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 2
    bootstrap = args.run_bootstrap or getattr(args, "bootstrap_servers", None)
    listener = None if args.json else _Printer(show_sandbox=args.events)
    run = run_example
    if getattr(args, "against", "sandbox") == "kafka" and not bootstrap:
        from engine.apache_kafka import MissingTool, find_tools
        from engine.apache_kafka.runs import run_on_kafka as run
        try:
            find_tools()
        except MissingTool as exc:
            print(f"course run: {exc}", file=sys.stderr)
            return 2
    try:
        with terminate_on_sigterm():  # the runner ends the example's process group on the way out
            result = run(script, scenario, bootstrap_servers=bootstrap, timeout=args.timeout,
                         listener=listener, sandbox_events=args.json or args.events)
    except ClusterUnreachable as exc:
        print(f"course run: {exc}", file=sys.stderr)
        return 2
    except (CompileError, NoJvmTool, ResolveError) as exc:  # a JVM twin: one line, then each compile error
        print(f"course run: {exc}", file=sys.stderr)
        for problem in getattr(exc, "problems", []):
            print(f"  {script}:{problem.line}: {problem.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("course run: interrupted; the example was stopped", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(format_report(result))
    return 0 if result.exit_code == 0 and not result.timed_out else 1


class _Printer:
    """Streams the example's output and the faults as they happen."""

    def __init__(self, show_sandbox: bool):
        self.show_sandbox = show_sandbox

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "output":
            print(f"  | {event.text}", flush=True)
        elif event.kind in ("fault", "timeout", "note", "started"):
            print(f"{event.time:6.2f}s {event.kind}: {event.text}", flush=True)
        elif event.kind == "sandbox" and self.show_sandbox:
            print(f"        {event.text}", flush=True)


_TARGETS = {"sandbox": "the sandbox", "kafka": "real Kafka"}


def format_report(result: RunResult) -> str:
    o = result.outcome
    lines = [
        "",
        f"{result.script.name} against {_TARGETS.get(result.target, result.target)}"
        f" — {'killed at the timeout' if result.timed_out else f'exit code {result.exit_code}'}"
        f", {result.duration:.1f} s",
    ]
    if result.faults:
        lines.append("faults: " + "; ".join(result.faults))
    rows = [("sent", o.sent, ""), ("acknowledged", o.acknowledged, ""), ("failed", o.failed, "delivery reports with an error"),
            ("in the log", o.in_log, "distinct messages a read_committed reader sees"),
            ("lost", o.lost, "acknowledged, yet not in the log"), ("duplicates", o.duplicates, "extra copies read" if o.processed else "extra copies in the log")]
    if o.reordered:
        rows.append(("reordered", o.reordered, "landed after a message sent later"))
    if o.processed or o.unprocessed:
        rows += [("processed", o.processed, "distinct messages the consumer processed"),
                 ("never processed", o.unprocessed, "in the log, but no consumer processed them")]
    for name, value, why in rows:
        lines.append(f"  {name:16s}{value:>7}  {why if value else ''}".rstrip())
    if o.lost_ids:
        lines.append("  lost ids: " + ", ".join(o.lost_ids[:10]) + (" ..." if len(o.lost_ids) > 10 else ""))
    if o.duplicate_ids:
        lines.append("  duplicated ids: " + ", ".join(o.duplicate_ids[:10]) + (" ..." if len(o.duplicate_ids) > 10 else ""))
    if result.checks:
        marks = [f"{e} ({'yes' if ok else f'no: {actual}'})" for e, actual, ok in result.checks]
        lines.append("the lesson says: " + "; ".join(marks))
        lines += [f"  {metric} {result.outcome.get(metric)} counts as met: {why}" for metric, why in result.allowed.items()]
    return "\n".join(lines)
