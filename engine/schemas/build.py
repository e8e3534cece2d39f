"""Build the course's JSON Schemas from the validators' tables, and the Markdown key reference.

One source of truth: the keys come from engine.content.quizfile (QUIZ_KEYS, QUESTION_KEYS,
OPTION_KEYS, OPTION_NAMES), engine.model (QUESTION_KINDS, QuizOptions defaults),
engine.runs.scenario (SCENARIO_KEYS, TOPIC_KEYS, TRIGGER_KINDS, ACTIONS, METRICS),
engine.runs.exercises (EXERCISE_KEYS, FEEDBACK_EVENTS) and engine.learner.grading (the answers
file). This module only adds what a table cannot say: each key's meaning (`DOCS`) and JSON type.
A key added to a validator without a line in `DOCS` stops the build with a KeyError, so the
schemas and the reference cannot silently fall behind.

    python -m engine.schemas.build            # check: exit 1 if a committed file is stale
    python -m engine.schemas.build --write    # rewrite engine/schemas/*.json and the reference
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from engine.content.quizfile import OPTION_KEYS, OPTION_NAMES, QUESTION_KEYS, QUIZ_KEYS
from engine.learner.grading import DEFAULT_PASSING_GRADE
from engine.model import QUESTION_KINDS, QuizOptions
from engine.runs.exercises import EXERCISE_KEYS, FEEDBACK_EVENTS
from engine.runs.scenario import (
    _EXPECT,
    ACTIONS,
    BROKER_LIMIT,
    METRICS,
    PARTITION_LIMIT,
    SCENARIO_KEYS,
    TOPIC_KEYS,
    TRIGGER_KINDS,
)
from engine.schemas import SCHEMA_NAMES, schema_filename

DRAFT = "https://json-schema.org/draft/2020-12/schema"
HERE = Path(__file__).resolve().parent
REFERENCE_BEGIN = "<!-- BEGIN GENERATED REFERENCE: python -m engine.schemas.build --write -->"
REFERENCE_END = "<!-- END GENERATED REFERENCE -->"

# Text fields of Quiz YAML are read as their written scalar (`title: 42` is the text "42").
TEXT = {"type": ["string", "number", "boolean"]}
OPTIONAL_TEXT = {"type": ["string", "number", "boolean", "null"]}
NON_BLANK = {"type": "string", "pattern": r"\S"}

# What each key means; (schema, dotted place) -> sentence. Keys are checked against the tables.
DOCS: dict[tuple[str, str], str] = {
    ("quiz", "id"): "The quiz id, used by `course grade`, progress and export. Default: the file name without `.yaml`.",
    ("quiz", "title"): "The title shown above the quiz. Default: the id.",
    ("quiz", "lesson"): "The id of the lesson the quiz belongs to (its folder name under lessons/).",
    ("quiz", "source"): "Where the quiz came from (set by `course import`); informational.",
    ("quiz", "options"): "Quiz settings; unknown settings are kept and ignored.",
    ("quiz", "questions"): "The questions, in the order they are asked.",
    ("options", "shuffle_answers"): "Show each question's options in a random order.",
    ("options", "shuffle_questions"): "Ask the questions in a random order.",
    ("options", "n_questions"): "Ask only this many questions, drawn from the list. Default: all.",
    ("options", "passing_grade"): f"Percent of the points needed to pass. Default: {DEFAULT_PASSING_GRADE}.",
    ("options", "partial"): "Partial credit for `multiple` and `order` questions (all-or-nothing otherwise).",
    ("options", "enable_retry"): "Let the learner try the quiz again.",
    ("question", "id"): "The question id, unique in the quiz; answers files name it. Default: `q<position>`.",
    ("question", "kind"): "`single`: one right option; `multiple`: one or more; `order`: options are written "
                          "in the right order and shown shuffled.",
    ("question", "prompt"): "The question, in Markdown (code fences allowed).",
    ("question", "options"): "The answers to choose from (for `order`: the items, in the right order).",
    ("question", "explanation"): "Markdown shown after the question is answered.",
    ("question", "hint"): "Markdown shown on request before answering.",
    ("option", "text"): "The answer, in Markdown.",
    ("option", "correct"): "Whether this option is right (ignored for `order`).",
    ("option", "feedback"): "Markdown shown when the learner picks this option.",
    ("scenario", "title"): "What the scenario shows, in a few words.",
    ("scenario", "description"): "A longer explanation; informational.",
    ("scenario", "brokers"): "How many brokers the sandbox cluster starts (ids 1..N).",
    ("scenario", "timeout"): "Seconds the script may run before it is stopped.",
    ("scenario", "topics"): "The topics created before the script starts: a name, or a mapping.",
    ("scenario", "faults"): "Faults the sandbox injects, each `when:` its trigger fires.",
    ("scenario", "expect"): "The outcome the lesson states: a count and its value or comparison, "
                            "e.g. `lost: 0`, `duplicates: \">0\"`.",
    ("scenario", "output"): "The topic(s) whose log is counted for in_log, lost and duplicates. Default: every topic.",
    ("scenario", "measurement"): "The example times the cluster: the app shows the run once it has ended, so that "
                                 "drawing it does not take CPU from what is measured. Default: false.",
    ("topic", "name"): "The topic name.",
    ("topic", "partitions"): "Number of partitions.",
    ("topic", "replication_factor"): "Copies of each partition. Default: 3, or the number of brokers if fewer.",
    ("topic", "min_insync_replicas"): "min.insync.replicas: replicas that must have a batch before acks=all "
                                      "succeeds. Default: 2, or the replication factor if lower.",
    ("fault", "when"): "`start`, or one trigger: `{seconds: N}`, `{records: N, topic: T}` (appends to T), "
                       "`{sent: N}`, `{acked: N}` or `{processed: N}`.",
    ("fault", "do"): "The fault: " + ", ".join(ACTIONS) + ".",
    ("fault", "broker"): "stop_broker: a broker id or `leader` (default); start_broker: an id or `stopped` "
                         "(default, the last one stopped).",
    ("fault", "topic"): "stop_broker: whose leader to stop. Default: the first topic.",
    ("fault", "partition"): "stop_broker: which partition's leader to stop.",
    ("fault", "count"): "lose_acks / drop_requests: how many requests.",
    ("fault", "api"): "lose_acks / drop_requests: which request type (Kafka API name), e.g. Produce.",
    ("trigger", "seconds"): "Fire after this many seconds.",
    ("trigger", "records"): "Fire once the topic's log holds this many records.",
    ("trigger", "sent"): "Fire once the script has sent this many messages.",
    ("trigger", "acked"): "Fire once this many sends were acknowledged.",
    ("trigger", "processed"): "Fire once the script has processed this many messages.",
    ("trigger", "topic"): "With `records`: the topic whose appends are counted. Default: the first topic.",
    ("exercise", "title"): "What to achieve, in a few words.",
    ("exercise", "lesson"): "The id of the lesson the exercise practises.",
    ("exercise", "description"): "The task, in Markdown.",
    ("exercise", "pass"): "The pass rule over the counts, e.g. `lost == 0 and duplicates == 0` "
                          "(counts, numbers, comparisons, and/or/not).",
    ("exercise", "hints"): "Hints shown one at a time by `course hint`, the gentlest first.",
    ("exercise", "feedback"): "A message per failing count (or `timeout`, `crash`), with `{lost}`-style "
                              "placeholders for the counts.",
    ("answers", "*"): "A question id, mapped to the chosen option numbers (1-based, as written in the quiz): "
                      "`q1: 2`, `q2: [1, 3]`, for `order` the chosen order `q3: [2, 1, 3]`; empty = not answered.",
}

METRIC_DOCS = {
    "sent": "messages the script sent", "acknowledged": "sends the cluster acknowledged",
    "failed": "sends that reported an error", "in_log": "distinct messages in the counted topics",
    "lost": "acknowledged messages missing from the log", "duplicates": "messages processed or stored more than once",
    "log_duplicates": "messages stored more than once in the log", "reordered": "messages out of order in the log",
    "processed": "messages the script processed", "unprocessed": "messages in the log never processed",
    "timeout": "the script ran past `timeout`", "crash": "the script exited with an error",
}


def _doc(schema: str, key: str) -> str:
    return DOCS[(schema, key)]


def _props(schema: str, keys: tuple[str, ...], types: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`properties` for the validator's `keys`, in its order; a key without a type or doc is a build error."""
    missing = [k for k in keys if k not in types]
    extra = [k for k in types if k not in keys]
    if missing or extra:
        raise KeyError(f"{schema}: the validator's keys and the schema's differ (missing {missing}, extra {extra})")
    return {k: {**types[k], "description": _doc(schema, k)} for k in keys}


def _options_schema() -> dict[str, Any]:
    defaults = {f.name: f.default for f in fields(QuizOptions) if f.name != "extra"}
    props: dict[str, Any] = {}
    for spelling, name in OPTION_NAMES.items():
        if name in ("n_questions", "passing_grade"):
            kind: dict[str, Any] = {"type": "integer", "minimum": 0}
            if name == "passing_grade":
                kind["maximum"] = 100
        else:
            kind = {"type": "boolean", "default": defaults[name]}
        doc = _doc("options", name)
        if spelling != name:
            doc = f"quizdown-js spelling of `{name}`."
        props[spelling] = {**kind, "description": doc}
    return {"type": ["object", "null"], "properties": props, "additionalProperties": True,
            "description": _doc("quiz", "options")}


def quiz_schema() -> dict[str, Any]:
    option = {
        "type": "object",
        "required": ["text"],
        "properties": _props("option", OPTION_KEYS, {
            "text": TEXT, "correct": {"type": "boolean", "default": False}, "feedback": OPTIONAL_TEXT}),
        "additionalProperties": False,
    }
    right = {"type": "object", "required": ["correct"], "properties": {"correct": {"const": True}}}
    question = {
        "type": "object",
        "required": ["kind", "prompt", "options"],
        "properties": _props("question", QUESTION_KEYS, {
            "id": OPTIONAL_TEXT, "kind": {"enum": list(QUESTION_KINDS)}, "prompt": TEXT,
            "options": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/option"}},
            "explanation": OPTIONAL_TEXT, "hint": OPTIONAL_TEXT}),
        "additionalProperties": False,
        # The rules on correct options that `course validate` checks, per kind.
        "allOf": [
            {"if": {"properties": {"kind": {"const": "single"}}, "required": ["kind"]},
             "then": {"properties": {"options": {"contains": right, "minContains": 1, "maxContains": 1}}}},
            {"if": {"properties": {"kind": {"const": "multiple"}}, "required": ["kind"]},
             "then": {"properties": {"options": {"contains": right, "minContains": 1}}}},
        ],
    }
    return {
        "$schema": DRAFT,
        "$id": schema_filename("quiz"),
        "title": "Quiz YAML",
        "description": "A quiz of the course (quizzes/<id>.yaml), read by engine.content.quizfile.",
        "type": "object",
        "required": ["questions"],
        "properties": _props("quiz", QUIZ_KEYS, {
            "id": OPTIONAL_TEXT, "title": OPTIONAL_TEXT, "lesson": OPTIONAL_TEXT, "source": OPTIONAL_TEXT,
            "options": {"$ref": "#/$defs/options"},
            "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}}}),
        "additionalProperties": False,
        "$defs": {"options": _options_schema(), "question": question, "option": option},
    }


def _count(minimum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum}


def scenario_schema() -> dict[str, Any]:
    topic = {
        "type": "object",
        "required": ["name"],
        "properties": _props("topic", TOPIC_KEYS, {
            "name": {"type": "string"},
            "partitions": {**_count(1), "maximum": PARTITION_LIMIT, "default": 1},
            "replication_factor": {**_count(1), "maximum": BROKER_LIMIT},
            "min_insync_replicas": {**_count(1), "maximum": BROKER_LIMIT}}),
        "additionalProperties": False,
    }
    number = {"type": "number", "minimum": 0}
    trigger_types = {k: number for k in TRIGGER_KINDS}
    trigger = {
        "type": "object",
        "properties": _props("trigger", TRIGGER_KINDS + ("topic",), {**trigger_types, "topic": {"type": "string"}}),
        "additionalProperties": False,
        # exactly one trigger kind
        "oneOf": [{"required": [k]} for k in TRIGGER_KINDS],
    }
    fault_keys = ("when", "do") + tuple(sorted(set().union(*ACTIONS.values())))
    broker_id = {"type": "integer", "minimum": 1, "maximum": BROKER_LIMIT}
    fault = {
        "type": "object",
        "required": ["when", "do"],
        "properties": _props("fault", fault_keys, {
            "when": {"anyOf": [{"const": "start"}, {"$ref": "#/$defs/trigger"}]},
            "do": {"enum": list(ACTIONS)},
            "broker": {"anyOf": [broker_id, {"enum": ["leader", "stopped"]}]},
            "topic": {"type": "string"},
            "partition": {**_count(0), "default": 0},
            "count": {**_count(1), "default": 1},
            "api": {"type": "string", "default": "Produce"}}),
        # Each action takes its own arguments only (engine.runs.scenario.ACTIONS).
        "allOf": [
            {"if": {"properties": {"do": {"const": action}}, "required": ["do"]},
             "then": {"propertyNames": {"enum": ["when", "do", *sorted(args)]},
                      **({"properties": {"broker": {"anyOf": [broker_id, {"const": "leader"}]}}}
                         if action == "stop_broker" else
                         {"properties": {"broker": {"anyOf": [broker_id, {"const": "stopped"}]}}}
                         if action == "start_broker" else {})}}
            for action, args in ACTIONS.items()
        ],
    }
    expectation = {"anyOf": [_count(0), {"type": "string", "pattern": _EXPECT.pattern}]}
    return {
        "$schema": DRAFT,
        "$id": schema_filename("scenario"),
        "title": "Scenario YAML",
        "description": "What a runnable example or an exercise runs under (examples/<name>.yaml, "
                       "exercises/<name>/scenario.yaml), read by engine.runs.scenario.",
        "type": "object",
        "required": ["title"],
        "properties": _props("scenario", SCENARIO_KEYS, {
            "title": NON_BLANK,
            "description": {"type": ["string", "null"]},
            "brokers": {**_count(1), "maximum": BROKER_LIMIT, "default": 3},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "default": 60},
            "topics": {"type": ["array", "null"], "items": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/topic"}]}},
            "faults": {"type": ["array", "null"], "items": {"$ref": "#/$defs/fault"}},
            "expect": {"type": ["object", "null"], "propertyNames": {"enum": list(METRICS)},
                       "additionalProperties": expectation},
            "output": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                                 {"type": "null"}]},
            "measurement": {"type": "boolean", "default": False}}),
        "additionalProperties": False,
        "$defs": {"topic": topic, "fault": fault, "trigger": trigger},
    }


def exercise_schema() -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": schema_filename("exercise"),
        "title": "Exercise YAML",
        "description": "A self-check exercise (exercises/<name>/exercise.yaml, beside start.py, solution.py "
                       "and scenario.yaml), read by engine.runs.exercises.",
        "type": "object",
        "required": ["title", "pass"],
        "properties": _props("exercise", EXERCISE_KEYS, {
            "title": NON_BLANK,
            "lesson": {"type": ["string", "null"]},
            "description": {"type": ["string", "null"]},
            "pass": NON_BLANK,
            "hints": {"type": ["array", "null"], "items": {"type": "string"}},
            "feedback": {"type": ["object", "null"], "propertyNames": {"enum": list(METRICS + FEEDBACK_EVENTS)},
                         "additionalProperties": {"type": "string"}}}),
        "additionalProperties": False,
    }


def answers_schema() -> dict[str, Any]:
    option_number = {"type": "integer", "minimum": 1}
    return {
        "$schema": DRAFT,
        "$id": schema_filename("answers"),
        "title": "Answers YAML",
        "description": "A learner's answers to one quiz, for `course grade` (engine.learner.grading.read_answers).",
        "type": "object",
        "additionalProperties": {
            "anyOf": [{"type": "null"}, option_number,
                      {"type": "array", "items": option_number, "uniqueItems": True}],
            "description": _doc("answers", "*"),
        },
    }


BUILDERS = {"quiz": quiz_schema, "scenario": scenario_schema, "exercise": exercise_schema, "answers": answers_schema}


def build(name: str) -> dict[str, Any]:
    return BUILDERS[name]()


def schema_json(name: str) -> str:
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- the Markdown reference


def _type_name(s: dict[str, Any], root: dict[str, Any]) -> str:
    """A schema fragment in words: `whole number 1..9`, `list of text`, `` `start` or mapping``."""
    if "$ref" in s:
        return _type_name(_resolve(s["$ref"], root), root)
    if "enum" in s:
        return " \\| ".join(f"`{v}`" for v in s["enum"])
    if "const" in s:
        return f"`{s['const']}`"
    if "type" not in s:
        for combo in ("anyOf", "oneOf"):
            if combo in s:
                parts = [_type_name(x, root) for x in s[combo]]
                return " or ".join(dict.fromkeys(p for p in parts if p)) or "any"
        return "any"
    t = s["type"]
    names = t if isinstance(t, list) else [t]
    if set(names) >= {"string", "number", "boolean"}:
        names = ["text"] + [n for n in names if n not in ("string", "number", "boolean")]
    words = []
    for n in names:
        if n == "null":
            continue
        word = {"integer": "whole number", "number": "number", "boolean": "true/false", "string": "text",
                "array": "list", "object": "mapping", "text": "text"}[n]
        if n == "array" and "items" in s:
            word = f"list of {_type_name(s['items'], root)}"
        if n in ("integer", "number"):
            low = s.get("minimum", s.get("exclusiveMinimum"))
            high = s.get("maximum")
            if low is not None and high is not None:
                word += f" {low}..{high}"
            elif "exclusiveMinimum" in s:
                word += f" > {low}"
            elif low is not None:
                word += f" ≥ {low}"
        words.append(word)
    return " or ".join(words)


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _default(s: dict[str, Any]) -> str:
    if "default" not in s:
        return ""
    value = s["default"]
    return f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`"


def _rows(props: dict[str, Any], required: list[str], root: dict[str, Any], prefix: str) -> list[str]:
    rows = []
    for key, s in props.items():
        need = " (required)" if key in required else ""
        meaning = s.get("description", "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{prefix}{key}`{need} | {_type_name(s, root)} | {_default(s)} | {meaning} |")
    return rows


def _table(title: str, obj: dict[str, Any], root: dict[str, Any], prefix: str = "") -> list[str]:
    lines = [f"#### {title}", "", "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    lines += _rows(obj.get("properties", {}), obj.get("required", []), root, prefix)
    return lines + [""]


def reference_markdown() -> str:
    """Every YAML key of the four schemas with type, default and meaning, as Markdown tables."""
    out: list[str] = []
    quiz = build("quiz")
    out += [f"### Quiz YAML (`quizzes/<id>.yaml`, schema `{schema_filename('quiz')}`)", ""]
    out += _table("Top level", quiz, quiz)
    out += _table("`options:`", quiz["$defs"]["options"], quiz, "options.")
    out += _table("Each question (`questions: - ...`)", quiz["$defs"]["question"], quiz)
    out += _table("Each option of a question (`options: - ...`)", quiz["$defs"]["option"], quiz)
    scenario = build("scenario")
    out += [f"### Scenario YAML (`lessons/<lesson>/examples/<name>.yaml`, `exercises/<name>/scenario.yaml`, "
            f"schema `{schema_filename('scenario')}`)", ""]
    out += _table("Top level", scenario, scenario)
    out += _table("Each topic (`topics: - ...`)", scenario["$defs"]["topic"], scenario)
    out += _table("Each fault (`faults: - ...`)", scenario["$defs"]["fault"], scenario)
    out += ["Arguments each fault action takes besides `when` and `do`:", ""]
    out += [f"- `{a}`: " + (", ".join(f"`{x}`" for x in sorted(args)) or "none") for a, args in ACTIONS.items()]
    out += [""]
    out += _table("A fault's `when:` trigger (one of)", scenario["$defs"]["trigger"], scenario, "when.")
    out += ["The counts `expect:` (and an exercise's `pass:` and `feedback:`) can name:", ""]
    out += [f"- `{m}`: {METRIC_DOCS[m]}" for m in METRICS]
    out += ["", f"An expectation is a whole number (`lost: 0`) or a comparison in quotes (`lost: \">0\"`); "
                f"the operators are ==, >=, <=, >, <.", ""]
    exercise = build("exercise")
    out += [f"### Exercise YAML (`exercises/<name>/exercise.yaml`, schema `{schema_filename('exercise')}`)", ""]
    out += _table("Top level", exercise, exercise)
    out += ["`feedback:` may also name " + ", ".join(f"`{e}` ({METRIC_DOCS[e]})" for e in FEEDBACK_EVENTS) + ".", ""]
    answers = build("answers")
    out += [f"### Answers YAML (for `course grade`, schema `{schema_filename('answers')}`)", "",
            answers["additionalProperties"]["description"], ""]
    return "\n".join(out).rstrip("\n") + "\n"


def splice_reference(doc: str, reference: str) -> str:
    """`doc` with the text between the generated-reference markers replaced by `reference`."""
    start, end = doc.find(REFERENCE_BEGIN), doc.find(REFERENCE_END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {REFERENCE_BEGIN!r} and {REFERENCE_END!r} are missing")
    return doc[: start + len(REFERENCE_BEGIN)] + "\n\n" + reference + "\n" + doc[end:]


def authoring_doc() -> Path:
    return HERE.parent.parent / "docs" / "authoring.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.schemas.build", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the schema files and the reference")
    args = parser.parse_args(argv)
    stale = []
    for name in SCHEMA_NAMES:
        path = HERE / schema_filename(name)
        text = schema_json(name)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if args.write:
                path.write_text(text, encoding="utf-8")
    doc = authoring_doc()
    if doc.is_file():
        current = doc.read_text(encoding="utf-8")
        wanted = splice_reference(current, reference_markdown())
        if wanted != current:
            stale.append(doc)
            if args.write:
                doc.write_text(wanted, encoding="utf-8")
    for path in stale:
        print(f"{'rewrote' if args.write else 'stale'}: {path}")
    return 0 if args.write or not stale else 1


if __name__ == "__main__":
    sys.exit(main())
