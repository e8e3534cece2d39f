"""`course new lesson|quiz|exercise NAME [--course DIR]`: starting files that pass `course validate`.

- lesson: `lessons/NAME/index.md` (front matter with title, nav_weight and one runnable example)
  and `lessons/NAME/examples/first-run.py` + `first-run.yaml`, a producer and the scenario it
  runs under (one injected fault: a dropped Produce request that the producer's retries survive).
- quiz: `quizzes/NAME.yaml` with one question of each kind (single, multiple, order).
- exercise: `exercises/NAME/` with exercise.yaml, scenario.yaml, start.py (the learner's
  starting point, which does not pass yet) and solution.py (which does).

Every YAML file starts with the `yaml-language-server` line naming its schema, so an editor
checks it while the author types. Existing files are never overwritten.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from engine import schemas

KINDS = ("lesson", "quiz", "exercise")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EXAMPLE = "first-run"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new",
        help="write the starting files of a lesson, quiz or exercise",
        description="Write starting files that already pass `course validate`: a lesson (index.md and a "
        "runnable example with its scenario), a quiz (one question of each kind) or an exercise (exercise.yaml, "
        "scenario.yaml, start.py, solution.py). Edit them from there. Existing files are not overwritten.",
    )
    p.add_argument("kind", choices=KINDS, help="what to create")
    p.add_argument("name", metavar="NAME", help="its id: lowercase letters, digits and dashes, e.g. 09-my-topic")
    # SUPPRESS: without the option here, the top-level `course --course DIR new ...` value stands.
    p.add_argument("--course", metavar="DIR", default=argparse.SUPPRESS,
                   help="the course folder to write into (default: the current folder)")
    p.add_argument("--lesson", metavar="ID", help="quiz or exercise: the lesson it belongs to "
                   "(default: NAME, when that lesson exists)")
    p.add_argument("--title", help="the title (default: made from NAME)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if not _NAME.match(args.name):
        print(f"error: {args.name!r} is not a usable id; use lowercase letters, digits and dashes, "
              "e.g. 09-my-topic", file=sys.stderr)
        return 2
    root = Path(getattr(args, "course", None) or ".")
    title = args.title or _title(args.name)
    lesson = args.lesson or (args.name if (root / "lessons" / args.name / "index.md").is_file() else None)
    files = {"lesson": lesson_files, "quiz": quiz_files, "exercise": exercise_files}[args.kind](
        root, args.name, title, lesson)
    taken = [path for path in files if path.exists()]
    if taken:
        for path in taken:
            print(f"error: {path} already exists; choose another name or remove it", file=sys.stderr)
        return 2
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    print(f"Check it with `course validate {root}`.")
    return 0


def _title(name: str) -> str:
    words = [w for w in name.split("-") if w and not w.isdigit()]
    return " ".join(words).capitalize() or name


def modeline(path: Path, schema: str) -> str:
    """The first line of a YAML file: where its schema is, relative to the file (as editors resolve it)."""
    target = Path(schemas.__file__).resolve().parent / schemas.schema_filename(schema)
    rel = os.path.relpath(target, path.parent.resolve())
    return f"{schemas.MODELINE}{Path(rel).as_posix()}\n"


def _next_weight(root: Path) -> int:
    """nav_weight after the last lesson's, so a new lesson comes last in the outline."""
    import yaml

    weights = [0]
    for index in (root / "lessons").glob("*/index.md"):
        text = index.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---\n") and "\n---" in text[4:]:
            try:
                front = yaml.safe_load(text[4 : text.index("\n---", 4)])
            except yaml.YAMLError:
                continue
            if isinstance(front, dict) and isinstance(front.get("nav_weight"), int):
                weights.append(front["nav_weight"])
    return max(weights) + 10


# ---------------------------------------------------------------- lesson


def lesson_files(root: Path, name: str, title: str, lesson: str | None) -> dict[Path, str]:
    folder = root / "lessons" / name
    scenario = folder / "examples" / f"{EXAMPLE}.yaml"
    index = f"""---
title: "{title}"
linkTitle: "{title}"
description: "One sentence on what the learner will see happen."
nav_weight: {_next_weight(root)}
examples:
  - name: {EXAMPLE}
    title: "A producer while one Produce request is dropped"
---

## What this lesson shows

Say in a few lines which delivery guarantee the lesson is about and what can go wrong.

## Run it

The example below sends 100 messages while the sandbox drops one Produce request. In the
course, open the Examples tab (`e`) and press Run (`ctrl+r`), or run `course run {name}`, and
compare the counts with what the scenario expects: `lost: 0`, `duplicates: 0`.
"""
    script = '''"""A producer sends 100 messages; one of its Produce requests is dropped on the way.

Report lines (what the runner counts):
  sent <id>                          produce() was called
  acked <id> <partition> <offset>    the delivery report says the broker wrote it
  failed <id> <error>                the delivery report says it failed
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)  # show each line as it happens

TOPIC = "events"
COUNT = 100

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "acks": "all",
    "enable.idempotence": True,  # a retried batch is written once, not twice
})


def on_delivery(err, msg):
    event_id = msg.value().decode()
    if err is not None:
        print(f"failed {event_id} {err.name()}")
    else:
        print(f"acked {event_id} {msg.partition()} {msg.offset()}")


for i in range(1, COUNT + 1):
    event_id = f"event-{i}"
    producer.produce(TOPIC, value=event_id, on_delivery=on_delivery)
    print(f"sent {event_id}")
    producer.poll(0.005)

left = producer.flush(30)
print(f"done: {COUNT} sent, {left} still unconfirmed")
'''
    scenario_text = modeline(scenario, "scenario") + """title: One Produce request dropped, the producer retries
brokers: 3
timeout: 60
topics:
  - {name: events, partitions: 1, replication_factor: 3, min_insync_replicas: 2}
faults:
  # once 20 events are in the log, the leader drops the next Produce request unanswered
  - {when: {records: 20, topic: events}, do: drop_requests, count: 1, api: Produce}
expect:
  lost: 0
  in_log: 100
  duplicates: 0
"""
    return {folder / "index.md": index, folder / "examples" / f"{EXAMPLE}.py": script, scenario: scenario_text}


# ---------------------------------------------------------------- quiz


def quiz_files(root: Path, name: str, title: str, lesson: str | None) -> dict[Path, str]:
    path = root / "quizzes" / f"{name}.yaml"
    text = modeline(path, "quiz") + f"""id: {name}
title: "{title}"
{f"lesson: {lesson}" + chr(10) if lesson else ""}options: {{passing_grade: 70, shuffle_answers: true}}
questions:
  - id: q1
    kind: single            # exactly one option is correct
    prompt: "With `acks=0`, when does the producer count a message as delivered?"
    options:
      - text: "As soon as it has sent it"
        correct: true
        feedback: "Right: with acks=0 no answer comes back, so sending is all it can know."
      - text: "When the leader has written it"
        feedback: "That is acks=1."
      - text: "When every in-sync replica has written it"
        feedback: "That is acks=all."
    explanation: "acks decides who must have written a batch before the producer hears \\"done\\"."
  - id: q2
    kind: multiple          # one or more options are correct
    prompt: "Which of these can write a message twice?"
    options:
      - {{text: "A producer retry after a lost acknowledgement, without idempotence", correct: true}}
      - {{text: "A consumer that crashes after processing and before committing", correct: true}}
      - {{text: "A producer with acks=0 that never retries"}}
    hint: "Look for something that is done again after an answer went missing."
  - id: q3
    kind: order             # options are written in the right order; learners see them shuffled
    prompt: "Put the steps of at-least-once consumption in order."
    options:
      - {{text: "Poll a batch of records"}}
      - {{text: "Process the records"}}
      - {{text: "Commit the offsets"}}
"""
    return {path: text}


# ---------------------------------------------------------------- exercise


def exercise_files(root: Path, name: str, title: str, lesson: str | None) -> dict[Path, str]:
    folder = root / "exercises" / name
    spec = folder / "exercise.yaml"
    scenario = folder / "scenario.yaml"
    producer = '''import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

producer = Producer({{
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
{settings}}})


def on_delivery(err, msg):
    event_id = msg.value().decode()
    if err is not None:
        print(f"failed {{event_id}} {{err.name()}}")
    else:
        print(f"acked {{event_id}} {{msg.partition()}} {{msg.offset()}}")


for i in range(1, 101):
    event_id = f"event-{{i}}"
    producer.produce("events", value=event_id, on_delivery=on_delivery)
    print(f"sent {{event_id}}")
    producer.poll(0.005)

left = producer.flush(30)
print(f"{{left}} events still waiting for an answer")
'''
    start = ('"""Exercise: every event arrives, even when requests are dropped.\n\n'
             "Right now the producer does not wait for the broker, so events whose request is dropped are\n"
             f"gone. Change its configuration so that none is lost, then run `course check {name}`.\n"
             '"""\n') + producer.format(settings='    "acks": "0",\n')
    solution = ('"""Reference solution: wait for the in-sync replicas and retry without duplicates."""\n'
                + producer.format(settings='    "acks": "all",\n    "enable.idempotence": True,\n'))
    spec_text = modeline(spec, "exercise") + f"""title: "{title}"
{f"lesson: {lesson}" + chr(10) if lesson else ""}description: |
  The sandbox drops three Produce requests while the producer sends 100 events.
  Make the producer notice and send them again, without writing any event twice.
pass: lost == 0 and duplicates == 0 and acknowledged == sent
hints:
  - "A producer can only retry what it knows has failed. What does it wait for now?"
  - "`acks` decides which answer the producer waits for; `enable.idempotence` keeps retries from writing twice."
feedback:
  lost: "{{lost}} events are missing from the log. Did the producer ever hear that their request was dropped?"
  duplicates: "{{duplicates}} events were written twice: a retry repeated a batch that had been written."
"""
    scenario_text = modeline(scenario, "scenario") + """title: Three Produce requests dropped
brokers: 3
timeout: 60
topics:
  - {name: events, partitions: 1, replication_factor: 3, min_insync_replicas: 2}
faults:
  - {when: {records: 20, topic: events}, do: drop_requests, count: 3, api: Produce}
"""
    return {spec: spec_text, scenario: scenario_text, folder / "start.py": start, folder / "solution.py": solution}
