"""Self-check commands: `course exercises`, `course check`, `course hint`, `course reset`,
`course solution`. The learner edits their copy in the workspace with any editor."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from course.commands.grade import course_root
from engine.content.examples import EXTENSIONS
from engine.jvm import MissingTool, ResolveError
from engine.runs.exercises import CheckResult, Exercise, Workspace, check, load_exercises
from engine.learner.progress import ProgressStore
from engine.runs.runner import ClusterUnreachable, RunEvent, terminate_on_sigterm


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exercises", help="list the self-check exercises and where your copies are")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("check", help="grade your exercise scripts against the sandbox under faults",
                       description="Run your copy of an exercise (or all of them) under its scenario's faults "
                                   "and say whether it lost or duplicated messages.")
    p.add_argument("exercise", nargs="?", metavar="EXERCISE", help="exercise name (default: all)")
    p.add_argument("--watch", action="store_true", help="check again every time you save the file")
    p.add_argument("--json", action="store_true", help="one JSON object per exercise, one per line")
    p.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML, for CI")
    p.add_argument("--bootstrap-servers", dest="run_bootstrap", metavar="S",
                   help="run against a real cluster (faults are not injected there)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("hint", help="show the next hint for an exercise")
    p.add_argument("exercise", metavar="EXERCISE")
    p.set_defaults(func=cmd_hint)

    p = sub.add_parser("reset", help="put an exercise back to its starting script (yours is kept as .bak)")
    p.add_argument("exercise", metavar="EXERCISE")
    p.add_argument("--lang", choices=list(EXTENSIONS),
                   help="start over in this language, if the exercise ships a start file in it "
                        "(`course check` then runs that copy)")
    p.set_defaults(func=cmd_reset)

    p = sub.add_parser("solution", help="show the reference solution of an exercise you have passed")
    p.add_argument("exercise", metavar="EXERCISE")
    p.set_defaults(func=cmd_solution)


def _all(args: argparse.Namespace) -> list[Exercise]:
    exercises, problems = load_exercises(course_root(args))
    for problem in problems:
        print(problem, file=sys.stderr)
    return exercises


def _one(args: argparse.Namespace) -> Exercise | None:
    exercises = _all(args)
    for ex in exercises:
        if ex.name == args.exercise:
            return ex
    names = ", ".join(e.name for e in exercises) or "none"
    print(f"no exercise `{args.exercise}`; exercises: {names}", file=sys.stderr)
    return None


def cmd_exercises(args: argparse.Namespace) -> int:
    ws = Workspace(course_root=course_root(args))
    progress = ProgressStore.for_course(course_root(args)).load()
    rows = []
    for ex in _all(args):
        path = ws.ensure(ex)
        passed = progress.exercise_passed(ex.name)
        rows.append({"exercise": ex.name, "title": ex.title, "lesson": ex.lesson, "path": str(path), "passed": passed})
    if args.json:
        print(json.dumps({"workspace": str(ws.root), "exercises": rows}))
        return 0
    print(f"Your copies are in {ws.root} — open them in any editor, then run `course check NAME`.\n")
    for r in rows:
        mark = "passed" if r["passed"] else "to do "
        print(f"  [{mark}] {r['exercise']:28s} {r['title']}")
    return 0


def _print_live(event: RunEvent) -> None:
    if event.kind == "fault":
        print(f"  {event.time:5.1f}s fault: {event.text}", flush=True)
    elif event.kind == "timeout":
        print(f"  {event.time:5.1f}s {event.text}", flush=True)


def _report(result: CheckResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json()), flush=True)
        return
    o = result.run.outcome
    verdict = "PASSED" if result.passed else "NOT YET"
    print(f"{verdict}  {result.exercise.name}: sent {o.sent}, acknowledged {o.acknowledged}, "
          f"in the log {o.in_log}, lost {o.lost}, duplicates {o.duplicates}")
    for line in result.feedback:
        print(f"  - {line}")
    if result.passed:
        print(f"  The reference solution: `course solution {result.exercise.name}`.")
    elif result.exercise.hints:
        print(f"  Stuck? `course hint {result.exercise.name}`.")
    print(flush=True)


def _check_and_record(ex: Exercise, args: argparse.Namespace, store: ProgressStore, ws: Workspace) -> CheckResult:
    script = ws.ensure(ex)  # a copy deleted while watching comes back as the starting script
    if not args.json:
        print(f"Checking {ex.name} ({script}) under: " + "; ".join(f.describe() for f in ex.scenario.faults),
              flush=True)
    result = check(ex, script, bootstrap_servers=args.run_bootstrap or getattr(args, "bootstrap_servers", None),
                   listener=None if args.json else _print_live)
    with store.update() as progress:
        progress.record_exercise(ex.name, result.passed)
    return result


def cmd_check(args: argparse.Namespace) -> int:
    try:
        with terminate_on_sigterm():  # the runner ends the example's process group on the way out
            return _cmd_check(args)
    except (ClusterUnreachable, MissingTool, ResolveError) as exc:
        print(f"course check: {exc}", file=sys.stderr)
        return 2


def _cmd_check(args: argparse.Namespace) -> int:
    if args.exercise:
        ex = _one(args)
        if ex is None:
            return 2
        targets = [ex]
    else:
        targets = _all(args)
    store = ProgressStore.for_course(course_root(args))
    ws = Workspace(course_root=course_root(args))
    for ex in targets:
        ws.ensure(ex)
    # What each check runs is the file as of this moment: a save during the check counts as new.
    seen = {ex.name: _mtime(ws.path(ex)) for ex in targets}
    results = [_check_and_record(ex, args, store, ws) for ex in targets]
    for r in results:
        _report(r, args.json)
    if getattr(args, "junit", None):
        from engine.paths import write_atomically
        from engine.learner.junit import junit_xml

        write_atomically(Path(args.junit), junit_xml(results))
    if not args.watch:
        return 0 if results and all(r.passed for r in results) else 1
    print("Watching for changes (Ctrl-C to stop)...", file=sys.stderr, flush=True)
    while True:
        time.sleep(0.5)
        for ex in targets:
            mtime = _mtime(ws.path(ex))
            if mtime != seen[ex.name]:
                seen[ex.name] = mtime
                _report(_check_and_record(ex, args, store, ws), args.json)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def cmd_hint(args: argparse.Namespace) -> int:
    ex = _one(args)
    if ex is None:
        return 2
    if not ex.hints:
        print(f"{ex.name} has no hints. Re-read the lesson {ex.lesson or ''}".rstrip() + ".")
        return 0
    with ProgressStore.for_course(course_root(args)).update() as progress:
        shown = progress.next_hint(ex.name, len(ex.hints))
    for i in range(shown):
        print(f"Hint {i + 1}/{len(ex.hints)}: {ex.hints[i]}")
    if shown == len(ex.hints):
        print("That was the last hint.")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    ex = _one(args)
    if ex is None:
        return 2
    ws = Workspace(course_root=course_root(args))
    extension = None
    if getattr(args, "lang", None):
        extension = EXTENSIONS[args.lang]
        if extension not in ex.extensions:
            print(f"{ex.name} has no {args.lang} start file; it can be done in: "
                  f"{', '.join(sorted(k for k, v in EXTENSIONS.items() if v in ex.extensions))}", file=sys.stderr)
            return 2
    backup = ws.reset(ex, extension)
    print(f"{ws.path(ex, extension)} is back to the starting script."
          + (f" Your version is kept in {backup}." if backup else ""))
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    ex = _one(args)
    if ex is None:
        return 2
    if not ProgressStore.for_course(course_root(args)).load().exercise_passed(ex.name):
        print(f"Pass `{ex.name}` first (`course check {ex.name}`); the solution is shown after a pass.",
              file=sys.stderr)
        return 1
    print(ex.solution_for(Workspace(course_root=course_root(args)).path(ex)).read_text(encoding="utf-8"), end="")
    return 0
