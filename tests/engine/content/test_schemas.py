"""The JSON Schemas in engine/schemas agree with the validators, and every shipped YAML file follows them.

Agreement is checked by behaviour, not only by comparing tables: each case below is a small YAML
document that `course validate` (or `course grade`'s answers reader) either accepts or rejects, and
the schema must give the same verdict. The shipped files are checked with the real `check-jsonschema`
command, run as a subprocess, the way an instructor's CI would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from course.cli import main as cli
from engine.content.quizfile import OPTION_KEYS, OPTION_NAMES, QUESTION_KEYS, QUIZ_KEYS, read_quiz_text
from engine.learner.grading import read_answers
from engine.model import QUESTION_KINDS
from engine.problems import ContentError
from engine.runs.exercises import EXERCISE_KEYS, FEEDBACK_EVENTS, load_exercise
from engine.runs.scenario import ACTIONS, METRICS, SCENARIO_KEYS, TOPIC_KEYS, TRIGGER_KINDS, parse_scenario
from engine.schemas import MODELINE, SCHEMA_FILES, SCHEMA_NAMES, load_schema, schema_filename
from engine.schemas import build
from tests.paths import ROOT

SCHEMAS = ROOT / "engine" / "schemas"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_ok(name: str, text: str) -> bool:
    return _validator(name).is_valid(yaml.safe_load(text))


# ---------------------------------------------------------------- generated, committed, shipped


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_committed_schema_is_what_the_tables_generate(name: str) -> None:
    committed = (SCHEMAS / schema_filename(name)).read_text(encoding="utf-8")
    assert committed == build.schema_json(name), "run `python -m engine.schemas.build --write` and commit"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_course_schema_prints_the_shipped_schema(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["schema", name]) == 0
    assert json.loads(capsys.readouterr().out) == load_schema(name)


def test_course_schema_without_a_name_says_which_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["schema"]) == 2
    assert "quiz, scenario, exercise, answers" in capsys.readouterr().err


def test_the_schemas_are_package_data() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"engine.schemas" = ["*.schema.json"]' in text


# ---------------------------------------------------------------- the same keys and enums


def test_keys_and_enums_equal_the_validators_tables() -> None:
    quiz = load_schema("quiz")
    assert tuple(quiz["properties"]) == QUIZ_KEYS
    assert tuple(quiz["$defs"]["question"]["properties"]) == QUESTION_KEYS
    assert tuple(quiz["$defs"]["option"]["properties"]) == OPTION_KEYS
    assert set(quiz["$defs"]["options"]["properties"]) == set(OPTION_NAMES)
    assert tuple(quiz["$defs"]["question"]["properties"]["kind"]["enum"]) == QUESTION_KINDS
    scenario = load_schema("scenario")
    assert tuple(scenario["properties"]) == SCENARIO_KEYS
    assert tuple(scenario["$defs"]["topic"]["properties"]) == TOPIC_KEYS
    fault = scenario["$defs"]["fault"]
    assert set(fault["properties"]) == {"when", "do"} | set().union(*ACTIONS.values())
    assert fault["properties"]["do"]["enum"] == list(ACTIONS)
    for rule in fault["allOf"]:
        action = rule["if"]["properties"]["do"]["const"]
        assert set(rule["then"]["propertyNames"]["enum"]) == {"when", "do"} | ACTIONS[action]
    assert set(scenario["$defs"]["trigger"]["properties"]) == set(TRIGGER_KINDS) | {"topic"}
    assert tuple(scenario["properties"]["expect"]["propertyNames"]["enum"]) == METRICS
    exercise = load_schema("exercise")
    assert tuple(exercise["properties"]) == EXERCISE_KEYS
    assert tuple(exercise["properties"]["feedback"]["propertyNames"]["enum"]) == METRICS + FEEDBACK_EVENTS


QUIZ_OK = """\
id: demo
questions:
  - id: q1
    kind: single
    prompt: Which?
    options:
      - {text: a, correct: true}
      - {text: b}
"""


def _quiz_verdict(text: str) -> bool:
    """True when `course validate` accepts the quiz without any problem."""
    quiz, problems = read_quiz_text(text, "q.yaml")
    return quiz is not None and not problems


@pytest.mark.parametrize("key", QUIZ_KEYS[:-1] + ("titel", "questons"))
def test_quiz_top_level_keys_agree(key: str) -> None:
    value = "{passing_grade: 80}" if key == "options" else "some text"
    text = QUIZ_OK.replace("id: demo\n", f"id: demo\n{key}: {value}\n") if key != "id" else QUIZ_OK
    assert _quiz_verdict(text) == _schema_ok("quiz", text), key


@pytest.mark.parametrize("key", QUESTION_KEYS + ("promt", "answer"))
def test_question_keys_agree(key: str) -> None:
    text = QUIZ_OK if key in ("id", "kind", "prompt", "options") else \
        QUIZ_OK.replace("    prompt: Which?\n", f"    prompt: Which?\n    {key}: some text\n")
    assert _quiz_verdict(text) == _schema_ok("quiz", text), key
    assert _quiz_verdict(text) == (key in QUESTION_KEYS)


@pytest.mark.parametrize("key", OPTION_KEYS + ("right", "feedbak"))
def test_option_keys_agree(key: str) -> None:
    value = "true" if key == "correct" else "x"
    text = QUIZ_OK.replace("{text: b}", f"{{text: b, {key}: {value}}}" if key != "text" else "{text: b}")
    if key == "correct":
        text = QUIZ_OK.replace("{text: b}", "{text: b, correct: false}")
    assert _quiz_verdict(text) == _schema_ok("quiz", text) == (key in OPTION_KEYS), key


QUIZ_CASES = {
    "kind misspelt": QUIZ_OK.replace("kind: single", "kind: singel"),
    "single with two right options": QUIZ_OK.replace("{text: b}", "{text: b, correct: true}"),
    "multiple with no right option": QUIZ_OK.replace("kind: single", "kind: multiple").replace(
        "{text: a, correct: true}", "{text: a}"),
    "multiple with two right options": QUIZ_OK.replace("kind: single", "kind: multiple").replace(
        "{text: b}", "{text: b, correct: true}"),
    "order without correct marks": QUIZ_OK.replace("kind: single", "kind: order").replace(
        "{text: a, correct: true}", "{text: a}"),
    "no questions": "id: demo\nquestions: []\n",
    "questions missing": "id: demo\n",
    "prompt missing": QUIZ_OK.replace("    prompt: Which?\n", ""),
    "option without text": QUIZ_OK.replace("{text: b}", "{correct: false}"),
    "correct is not a boolean": QUIZ_OK.replace("{text: b}", "{text: b, correct: maybe}"),
    "option as a bare string": QUIZ_OK.replace("      - {text: b}", "      - b"),
    "passing grade above 100": QUIZ_OK.replace("id: demo\n", "id: demo\noptions: {passing_grade: 120}\n"),
    "shuffle is not a boolean": QUIZ_OK.replace("id: demo\n", "id: demo\noptions: {shuffleAnswers: 3}\n"),
    "unknown option kept": QUIZ_OK.replace("id: demo\n", "id: demo\noptions: {theme: dark}\n"),
    "number as title": QUIZ_OK.replace("id: demo\n", "id: demo\ntitle: 42\n"),
    "list as title": QUIZ_OK.replace("id: demo\n", "id: demo\ntitle: [a]\n"),
}


@pytest.mark.parametrize("case", QUIZ_CASES)
def test_quiz_verdicts_agree(case: str) -> None:
    text = QUIZ_CASES[case]
    assert _quiz_verdict(text) == _schema_ok("quiz", text), case


SCENARIO_OK = """\
title: demo
brokers: 3
timeout: 30
topics:
  - {name: orders, partitions: 1, replication_factor: 3, min_insync_replicas: 2}
  - events
faults:
  - {when: start, do: pause_replication}
  - {when: {records: 50, topic: orders}, do: stop_broker, broker: leader, partition: 0}
  - {when: {seconds: 4}, do: start_broker, broker: stopped}
  - {when: {acked: 10}, do: lose_acks, count: 2, api: Produce}
expect:
  lost: 0
  duplicates: ">0"
output: orders
description: what it shows
"""

SCENARIO_CASES = {
    "ok": SCENARIO_OK,
    "unknown top key": SCENARIO_OK + "brokerz: 3\n",
    "title missing": SCENARIO_OK.replace("title: demo\n", ""),
    "blank title": SCENARIO_OK.replace("title: demo", "title: ' '"),
    "ten brokers": SCENARIO_OK.replace("brokers: 3", "brokers: 10"),
    "timeout zero": SCENARIO_OK.replace("timeout: 30", "timeout: 0"),
    "unknown topic key": SCENARIO_OK.replace("partitions: 1,", "partitons: 1,"),
    "65 partitions": SCENARIO_OK.replace("partitions: 1,", "partitions: 65,"),
    "unknown action": SCENARIO_OK.replace("do: pause_replication", "do: pause_replica"),
    "argument the action does not take": SCENARIO_OK.replace("do: pause_replication", "do: pause_replication, count: 2"),
    "stop_broker stopped": SCENARIO_OK.replace("broker: leader", "broker: stopped"),
    "start_broker leader": SCENARIO_OK.replace("broker: stopped", "broker: leader"),
    "broker id zero": SCENARIO_OK.replace("broker: leader", "broker: 0"),
    "two trigger kinds": SCENARIO_OK.replace("{seconds: 4}", "{seconds: 4, sent: 3}"),
    "unknown trigger key": SCENARIO_OK.replace("{seconds: 4}", "{seconds: 4, after: 3}"),
    "negative trigger": SCENARIO_OK.replace("{seconds: 4}", "{seconds: -4}"),
    "when missing": SCENARIO_OK.replace("when: start, ", ""),
    "count zero": SCENARIO_OK.replace("count: 2", "count: 0"),
    "partition not a number": SCENARIO_OK.replace("partition: 0", "partition: first"),
    "api not text": SCENARIO_OK.replace("api: Produce", "api: [Produce]"),
    "unknown metric": SCENARIO_OK.replace("lost: 0", "lose: 0"),
    "bad comparison": SCENARIO_OK.replace('">0"', '"about 3"'),
    "comparison with spaces": SCENARIO_OK.replace('">0"', '" >= 2 "'),
    "output list": SCENARIO_OK.replace("output: orders", "output: [orders, events]"),
    "topics not a list": SCENARIO_OK.split("topics:")[0] + "topics: orders\n",
}


def _scenario_verdict(text: str) -> bool:
    try:
        parse_scenario(text, "s.yaml")
    except ContentError:
        return False
    return True


@pytest.mark.parametrize("case", SCENARIO_CASES)
def test_scenario_verdicts_agree(case: str) -> None:
    text = SCENARIO_CASES[case]
    assert _scenario_verdict(text) == _schema_ok("scenario", text), case


def test_scenario_ok_case_is_accepted() -> None:
    assert _scenario_verdict(SCENARIO_OK) and _schema_ok("scenario", SCENARIO_OK)


EXERCISE_OK = """\
title: demo
lesson: 02-at-most-once
description: do it
pass: lost == 0 and duplicates == 0
hints: [one, two]
feedback:
  lost: "{lost} lost"
  timeout: too slow
"""

EXERCISE_CASES = {
    "ok": EXERCISE_OK,
    "unknown key": EXERCISE_OK + "hint: x\n",
    "title missing": EXERCISE_OK.replace("title: demo\n", ""),
    "pass missing": EXERCISE_OK.replace("pass: lost == 0 and duplicates == 0\n", ""),
    "hints not strings": EXERCISE_OK.replace("[one, two]", "[1, 2]"),
    "unknown feedback metric": EXERCISE_OK.replace("  timeout:", "  slowness:"),
    "feedback not text": EXERCISE_OK.replace("timeout: too slow", "timeout: [too, slow]"),
    "lesson not text": EXERCISE_OK.replace("lesson: 02-at-most-once", "lesson: [2]"),
}


def _exercise_verdict(text: str, tmp_path: Path) -> bool:
    folder = tmp_path / "ex"
    shutil.copytree(ROOT / "exercises" / "acks-failover", folder)
    (folder / "exercise.yaml").write_text(text, encoding="utf-8")
    try:
        load_exercise(folder)
    except ContentError:
        return False
    return True


@pytest.mark.parametrize("case", EXERCISE_CASES)
def test_exercise_verdicts_agree(case: str, tmp_path: Path) -> None:
    text = EXERCISE_CASES[case]
    assert _exercise_verdict(text, tmp_path) == _schema_ok("exercise", text), case


ANSWERS_CASES = {
    "ok": "q1: 2\nq2: [1, 3]\nq3:\n",
    "word": "q1: two\n",
    "zero": "q1: 0\n",
    "boolean": "q1: true\n",
    "repeated option": "q2: [1, 1]\n",
    "list of words": "q2: [a, b]\n",
    "not a mapping": "- 1\n- 2\n",
}


@pytest.mark.parametrize("case", ANSWERS_CASES)
def test_answers_verdicts_agree(case: str, tmp_path: Path) -> None:
    quiz = read_quiz_text("id: demo\nquestions:\n"
                          "  - {id: q1, kind: single, prompt: a, options: [{text: a, correct: true}, {text: b}]}\n"
                          "  - {id: q2, kind: multiple, prompt: b, options: [{text: a, correct: true}, {text: b}, "
                          "{text: c, correct: true}]}\n"
                          "  - {id: q3, kind: order, prompt: c, options: [{text: a}, {text: b}]}\n", "demo.yaml")[0]
    assert quiz is not None
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS_CASES[case], encoding="utf-8")
    try:
        read_answers(path, quiz)
        graded = True
    except ContentError:
        graded = False
    assert graded == _schema_ok("answers", ANSWERS_CASES[case]), case


# ---------------------------------------------------------------- the shipped files


def _shipped() -> list[tuple[str, Path]]:
    return [(name, path) for name in SCHEMA_NAMES for pattern in SCHEMA_FILES[name]
            for path in sorted(ROOT.glob(pattern))]


def test_every_shipped_yaml_names_its_schema_on_the_first_line() -> None:
    shipped = _shipped()
    assert len(shipped) >= 30
    for name, path in shipped:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith(MODELINE), f"{path}: the first line must be `{MODELINE}...`"
        target = (path.parent / first[len(MODELINE):]).resolve()
        assert target == (SCHEMAS / schema_filename(name)).resolve(), path


@pytest.mark.skipif(not CHECK_JSONSCHEMA.is_file(), reason="check-jsonschema is not installed (pip install -e '.[test]')")
def test_check_jsonschema_accepts_every_shipped_file() -> None:
    for name in ("quiz", "scenario", "exercise"):
        files = [str(p) for n, p in _shipped() if n == name]
        run = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMAS / schema_filename(name)), *files],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.skipif(not CHECK_JSONSCHEMA.is_file(), reason="check-jsonschema is not installed (pip install -e '.[test]')")
def test_check_jsonschema_rejects_a_broken_quiz(tmp_path: Path) -> None:
    shipped = ROOT / "quizzes" / "02-at-most-once.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text(shipped.read_text(encoding="utf-8").replace("kind: single", "kind: singel", 1), encoding="utf-8")
    run = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMAS / "quiz.schema.json"), str(broken)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "singel" in run.stdout + run.stderr
    # ... and `course validate`'s reader says the same, with a line and a suggestion
    problems = read_quiz_text(broken.read_text(encoding="utf-8"), str(broken))[1]
    assert any("did you mean `single`" in p.message and p.line > 1 for p in problems)


def test_loaders_ignore_the_modeline(tmp_path: Path) -> None:
    quiz, problems = read_quiz_text(MODELINE + "../engine/schemas/quiz.schema.json\n" + QUIZ_OK, "q.yaml")
    assert quiz is not None and not problems
    assert _scenario_verdict(MODELINE + "x.json\n" + SCENARIO_OK)
    assert os.path.basename(build.authoring_doc()) == "authoring.md"


def test_the_committed_reference_in_docs_is_the_generated_one() -> None:
    doc = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert build.splice_reference(doc, build.reference_markdown()) == doc, \
        "run `python -m engine.schemas.build --write` and commit docs/authoring.md"


def test_course_schema_markdown_is_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["schema", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out == build.reference_markdown()
    # every key of every schema, with its meaning, is in the reference
    for key in QUIZ_KEYS + QUESTION_KEYS + OPTION_KEYS + SCENARIO_KEYS + TOPIC_KEYS + EXERCISE_KEYS:
        assert f"`{key}`" in out, key
    for action in ACTIONS:
        assert f"`{action}`" in out, action


def test_build_check_mode_reports_nothing_stale() -> None:
    assert build.main([]) == 0


def test_a_misspelt_exercise_field_is_answered_with_the_one_meant(tmp_path: Path) -> None:
    folder = tmp_path / "ex"
    shutil.copytree(ROOT / "exercises" / "acks-failover", folder)
    text = (folder / "exercise.yaml").read_text(encoding="utf-8")
    (folder / "exercise.yaml").write_text(text.replace("hints:", "hint:", 1), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_exercise(folder)
    assert any("unknown field `hint` (did you mean `hints`?)" in p.message for p in err.value.problems), \
        err.value.problems
