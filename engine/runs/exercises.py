"""Self-check exercises: a starting script the learner edits, a scenario with faults, a pass
rule, hints, feedback that teaches, and a reference solution shown only after a pass.

On disk (`exercises/<name>/`): `exercise.yaml`, `start.py`, `solution.py`, `scenario.yaml`; an
exercise may also ship the pair in a JVM language (`start.java` + `solution.java`, or .kt, .scala,
.clj: engine.jvm). The learner's copy lives in the workspace (`<course's data dir>/exercises/<name>.py`, or
`<name>.java` for a learner who took the Java start; or $COURSE_WORKSPACE), where any editor can
open it. What `check` runs, and so which language, is picked from that file's extension.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import paths
from engine.runs.passrule import PassRule, RuleError, parse_rule
from engine.problems import ContentError, Problem, unknown_field
from engine.jvm import CompileError
from engine.jvm.languages import LANGUAGES
from engine.runs.client_differences import check_claims, client_of
from engine.runs.outcome import ClientReport, compute_outcome
from engine.runs.runner import Listener, RunResult, run_example
from engine.runs.scenario import METRICS, Scenario, load_scenario
from engine.yamlsource import load_located

# The keys of exercise.yaml, and what `feedback:` may name besides the counted metrics
# (engine.schemas builds the exercise JSON Schema from these tables).
EXERCISE_KEYS = ("title", "lesson", "description", "pass", "hints", "feedback")
FIELDS = set(EXERCISE_KEYS)
FEEDBACK_EVENTS = ("timeout", "crash")
# What a start/solution pair may be written in: Python, or one of the JVM languages.
EXTENSIONS = (".py", *(lang.extension for lang in LANGUAGES.values()))


@dataclass
class Exercise:
    name: str
    title: str
    folder: Path
    scenario: Scenario
    rule: PassRule
    description: str = ""
    lesson: str | None = None
    hints: list[str] = field(default_factory=list)
    feedback: dict[str, str] = field(default_factory=dict)  # metric -> message template

    @property
    def start(self) -> Path:
        return self.folder / "start.py"

    @property
    def solution(self) -> Path:
        return self.folder / "solution.py"

    @property
    def extensions(self) -> list[str]:
        """The languages this exercise can be done in, as file extensions (".py" first)."""
        return [ext for ext in EXTENSIONS if (self.folder / f"start{ext}").is_file()]

    def start_in(self, extension: str) -> Path:
        return self.folder / f"start{extension}"

    def solution_for(self, script: Path) -> Path:
        """The reference solution in the language of `script` (the Python one if there is none)."""
        own = self.folder / f"solution{script.suffix}"
        return own if own.is_file() else self.solution


def exercises_dir(root: Path | None = None) -> Path:
    return (root or paths.course_dir()) / "exercises"


def load_exercise(folder: Path) -> Exercise:
    spec = folder / "exercise.yaml"
    problems: list[Problem] = []
    try:
        data, loc = load_located(spec.read_text(encoding="utf-8"), str(spec))
    except OSError as exc:
        raise ContentError([Problem(str(spec), 0, f"cannot read the exercise: {exc.strerror}")]) from None
    if not isinstance(data, dict):
        raise ContentError([loc.problem((), "an exercise is a mapping with `title:`, `pass:` and `hints:`")])
    for key in data:
        if key not in FIELDS:
            problems.append(loc.problem((key,), unknown_field(key, FIELDS), key=True))
    for needed in ("start.py", "solution.py", "scenario.yaml"):
        if not (folder / needed).is_file():
            problems.append(Problem(str(folder), 0, f"missing {needed}: an exercise folder holds exercise.yaml, "
                                                    "start.py, solution.py and scenario.yaml"))
    for ext in EXTENSIONS[1:]:  # a JVM start without its solution (or the reverse) is half an exercise
        have = [f"{kind}{ext}" for kind in ("start", "solution") if (folder / f"{kind}{ext}").is_file()]
        if len(have) == 1:
            problems.append(Problem(str(folder / have[0]), 0, f"{have[0]} has no partner: an exercise in "
                                                               f"another language ships start{ext} and solution{ext}"))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(loc.problem(("title",), "write a `title:` that says what to achieve"))
    rule = None
    try:
        rule = parse_rule(str(data.get("pass", "")), set(METRICS))
    except RuleError as exc:
        problems.append(loc.problem(("pass",), str(exc)))
    for key in ("lesson", "description"):
        if key in data and not isinstance(data[key], (str, type(None))):
            problems.append(loc.problem((key,), f"`{key}:` is text; quote it: \"...\""))
    hints = data.get("hints") or []
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        problems.append(loc.problem(("hints",), "`hints:` is a list of strings, the gentlest first"))
        hints = []
    feedback = data.get("feedback") or {}
    if not isinstance(feedback, dict):
        problems.append(loc.problem(("feedback",), "`feedback:` maps a count (e.g. `lost`) to a message"))
        feedback = {}
    for metric in feedback:
        if metric not in METRICS and metric not in FEEDBACK_EVENTS:
            problems.append(loc.problem(("feedback", metric), f"`{metric}` is not counted; use one of: "
                                                               f"{', '.join(METRICS + FEEDBACK_EVENTS)}", key=True))
        elif not isinstance(feedback[metric], str):
            problems.append(loc.problem(("feedback", metric), f"the feedback for `{metric}` is a message; quote it"))
    scenario = None
    if (folder / "scenario.yaml").is_file():
        try:
            scenario = load_scenario(folder / "scenario.yaml")
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems or rule is None or scenario is None:
        raise ContentError(problems)
    return Exercise(folder.name, title.strip(), folder, scenario, rule, str(data.get("description") or ""),
                    data.get("lesson"), list(hints), {str(k): str(v) for k, v in feedback.items()})


def load_exercises(root: Path | None = None) -> tuple[list[Exercise], list[Problem]]:
    """Every exercise of the course, in name order; a broken one is reported, not fatal."""
    found, problems = [], []
    base = exercises_dir(root)
    for folder in sorted(p for p in base.glob("*/") if (p / "exercise.yaml").is_file()):
        try:
            found.append(load_exercise(folder))
        except ContentError as exc:
            problems.extend(exc.problems)
    return found, problems


# ---------------------------------------------------------------- the learner's workspace


class Workspace:
    """Where the learner's copies live: one editable script per exercise."""

    def __init__(self, root: Path | None = None, course_root: Path | str | None = None):
        """`root` if given, else $COURSE_WORKSPACE (the learner's choice), else the `exercises`
        folder of the course's data (engine.paths.course_data_dir: `course_root` None is the
        course that ships with the tool)."""
        env = os.environ.get("COURSE_WORKSPACE")
        self.root = root or (Path(env) if env else paths.course_data_dir(course_root) / "exercises")

    def path(self, exercise: Exercise, extension: str | None = None) -> Path:
        """The learner's copy: `<name>.py`, or `<name>.java` (...) when that is the one they work on
        (of several languages' copies, the one saved last)."""
        if extension is not None:
            return self.root / f"{exercise.name}{extension}"
        copies = [c for c in (self.root / f"{exercise.name}{ext}" for ext in exercise.extensions[1:]) if c.exists()]
        python = self.root / f"{exercise.name}.py"
        if python.exists():
            copies.append(python)
        return max(copies, key=lambda c: c.stat().st_mtime_ns) if copies else python

    def ensure(self, exercise: Exercise, extension: str | None = None) -> Path:
        """The learner's copy, made from the starting script (in that language) the first time."""
        target = self.path(exercise, extension)
        if not target.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(exercise.start_in(target.suffix), target)
        return target

    def reset(self, exercise: Exercise, extension: str | None = None) -> Path | None:
        """Back to the starting script; the learner's version is kept as `<name>.py.bak` (`.java.bak` ...)."""
        target = self.path(exercise, extension)
        backup = None
        if target.exists():
            backup = target.with_suffix(target.suffix + ".bak")
            shutil.copyfile(target, backup)
            target.unlink()
        self.ensure(exercise, target.suffix)
        return backup


# ---------------------------------------------------------------- checking


@dataclass
class CheckResult:
    exercise: Exercise
    script: Path
    passed: bool
    run: RunResult
    feedback: list[str]

    def to_json(self) -> dict[str, Any]:
        o = self.run.outcome
        return {"exercise": self.exercise.name, "passed": self.passed, "sent": o.sent,
                "acknowledged": o.acknowledged, "lost": o.lost, "duplicates": o.duplicates,
                "feedback": self.feedback}


def check(exercise: Exercise, script: Path, *, bootstrap_servers: str | None = None,
          listener: Listener | None = None) -> CheckResult:
    """Run `script` under the exercise's scenario and grade it by the pass rule. A JVM script that
    does not compile is not run: it fails with the compiler's errors as the feedback."""
    try:
        run = run_example(script, exercise.scenario, bootstrap_servers=bootstrap_servers, listener=listener,
                          sandbox_events=listener is not None)
    except CompileError as exc:
        return CheckResult(exercise, script, False, _not_run(script, exercise.scenario),
                           [str(exc)] + [f"{script.name}:{p.line}: {p.message}" for p in exc.problems[1:]])
    values = {m: run.outcome.get(m) for m in METRICS}
    crashed = run.exit_code not in (0, None) and not run.timed_out
    passed = run.exit_code == 0 and not run.timed_out and exercise.rule.holds(values)
    return CheckResult(exercise, script, passed, run, _feedback(exercise, run, values, crashed, passed))


def _not_run(script: Path, scenario: Scenario) -> RunResult:
    """The result of a run that never started: nothing sent, nothing in the log."""
    outcome = compute_outcome(ClientReport(), {})
    checks, allowed = check_claims(scenario.expect, outcome, client_of(script))
    return RunResult(script, outcome, None, False, 0.0, [], [], [], checks, "not run", allowed=allowed)


def _feedback(ex: Exercise, run: RunResult, values: dict[str, int], crashed: bool, passed: bool) -> list[str]:
    facts = dict(values, faults="; ".join(run.faults) or "no faults", timeout=f"{ex.scenario.timeout:g}",
                 stopped=_stopped_brokers(run), exit_code=run.exit_code)
    if passed:
        return [f"Passed: {ex.rule.text} holds ({_counts(values, ex.rule)})."]
    out = []
    if run.timed_out:
        out.append(_fill(ex.feedback.get("timeout", "Your script did not finish within {timeout} s and was "
                                                    "stopped. Does it wait for something that never comes?"), facts))
    elif crashed:
        tail = [line for line in run.output if line.strip()][-3:]
        out.append(_fill(ex.feedback.get("crash", "Your script stopped with exit code {exit_code}."), facts)
                   + (" Its last words: " + " / ".join(tail) if tail else ""))
    failing = ex.rule.failing_parts(values)
    for part in failing:
        metric = next((m for m in METRICS if m in part.split()), None)
        message = ex.feedback.get(metric or "", f"`{part}` does not hold: {metric} = {values.get(metric or '', '?')}.")
        out.append(_fill(message, facts))
    if not out:
        out.append(f"Not yet: `{ex.rule.text}` does not hold ({_counts(values, ex.rule)}).")
    return out


def _counts(values: dict[str, int], rule: PassRule) -> str:
    return ", ".join(f"{name} = {values[name]}" for name in sorted(rule.names))


def _stopped_brokers(run: RunResult) -> str:
    stopped = [f.rsplit("broker ", 1)[-1] for f in run.faults if f.startswith("stop_broker")]
    return ("broker " + ", ".join(stopped)) if stopped else "the leader"


def _fill(template: str, facts: dict[str, Any]) -> str:
    try:
        return template.format(**facts)
    except (KeyError, IndexError, ValueError):
        return template  # a template naming an unknown fact is shown as written
