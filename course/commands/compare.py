"""`course compare LESSON [--example NAME] [--json]`: run one lesson example on the sandbox and on
real Apache Kafka (the pinned release, same faults injected) and print both outcomes side by side
with what the lesson claims. Exit 0 when both runs finished and agree, 1 when they differ, 2 when
the example is not found or Java/Maven are missing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.content.examples import find_example
from engine.problems import ContentError
from engine.runs.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="run a lesson's example on the sandbox and on real Kafka, side by side",
                       description="Run one lesson example on a fresh sandbox, then on real Apache Kafka with "
                                   "the same faults, and compare sent, acknowledged, in the log, lost and "
                                   "duplicates with what the lesson claims. Needs a JDK and Maven.")
    p.add_argument("lesson", metavar="LESSON", help="lesson id (e.g. 02-at-most-once), lesson folder or script")
    p.add_argument("--example", metavar="NAME", help="which example of the lesson (default: the first)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from engine.apache_kafka import KafkaUnavailable, MissingTool, find_tools
    from engine.apache_kafka.runs import compare_example, format_comparison

    try:
        script, scenario_path = find_example(args.lesson, args.example,
                                             Path(args.course) if getattr(args, "course", None) else None)
        scenario = load_scenario(scenario_path) if scenario_path else None
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        find_tools()
        comparison = compare_example(script, scenario)
    except MissingTool as exc:
        print(f"course compare: {exc}", file=sys.stderr)
        return 2
    except (KafkaUnavailable, RuntimeError) as exc:
        print(f"course compare: real Kafka did not start: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"sandbox": comparison.sandbox.to_json(), "kafka": comparison.kafka.to_json(),
                          "differences": comparison.differences()}))
    else:
        print(format_comparison(comparison))
    finished = all(r.exit_code == 0 and not r.timed_out for r in (comparison.sandbox, comparison.kafka))
    return 0 if finished and comparison.agree else 1
