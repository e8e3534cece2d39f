"""A runnable example's scenario: the topics it needs, the faults to inject and when, and the
outcome the lesson states. Read from `examples/<name>.yaml` (format in docs/formats.md).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from engine.problems import ContentError, Problem, did_you_mean, unknown_field
from engine.yamlsource import Locator, load_located

TriggerKind = Literal["start", "seconds", "records", "sent", "acked", "processed"]

# Each fault action and the arguments it takes (beyond `when` and `do`).
ACTIONS: dict[str, set[str]] = {
    "pause_replication": set(),
    "resume_replication": set(),
    "stop_broker": {"broker", "topic", "partition"},
    "start_broker": {"broker"},
    "lose_acks": {"count", "api"},
    "drop_requests": {"count", "api"},
}

# The keys of a scenario file, of a topic, and of a fault's `when:` (engine.schemas builds the
# scenario JSON Schema from these tables, so `course validate` and editors agree).
SCENARIO_KEYS = ("title", "description", "brokers", "timeout", "topics", "faults", "expect", "output",
                 "measurement")
TOPIC_KEYS = ("name", "partitions", "replication_factor", "min_insync_replicas")
TRIGGER_KINDS: tuple[str, ...] = ("seconds", "records", "sent", "acked", "processed")
BROKER_LIMIT = 9  # brokers: 1..9
PARTITION_LIMIT = 64  # partitions per topic: 1..64

# What an expectation may name: the fields of engine.runs.outcome.Outcome.
METRICS = ("sent", "acknowledged", "failed", "in_log", "lost", "duplicates", "log_duplicates",
           "reordered", "processed", "unprocessed")

_OPS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq, ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
}
_EXPECT = re.compile(r"^\s*(==|>=|<=|>|<)?\s*(\d+)\s*$")


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 1
    replication_factor: int = 3
    min_insync_replicas: int = 2


@dataclass(frozen=True)
class Trigger:
    """When a fault fires: at start, after N seconds, or once a count has been reached."""

    kind: TriggerKind
    value: float = 0
    topic: str | None = None  # for `records`: whose appends to count

    def describe(self) -> str:
        if self.kind == "start":
            return "at start"
        if self.kind == "seconds":
            return f"after {self.value:g} s"
        what = f"records in {self.topic}" if self.kind == "records" and self.topic else self.kind
        return f"after {int(self.value)} {what}"


@dataclass(frozen=True)
class Fault:
    when: Trigger
    action: str
    broker: int | str | None = None  # an id, "leader", or "stopped" (the last one stopped)
    topic: str | None = None
    partition: int = 0
    count: int = 1
    api: str = "Produce"
    line: int = 0

    def describe(self) -> str:
        target = ""
        if self.action == "stop_broker":
            target = f" {self.broker}" if self.broker != "leader" else f" (leader of {self.topic}-{self.partition})"
        elif self.action == "start_broker":
            target = f" {self.broker}"
        elif self.action in ("lose_acks", "drop_requests"):
            target = f" x{self.count} on {self.api}"
        return f"{self.action}{target} {self.when.describe()}"


@dataclass(frozen=True)
class Expectation:
    metric: str
    op: str
    value: int

    def holds(self, actual: int) -> bool:
        return _OPS[self.op](actual, self.value)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value}"


@dataclass
class Scenario:
    title: str
    path: Path | None = None
    brokers: int = 3
    timeout: float = 60.0
    topics: list[TopicSpec] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    expect: list[Expectation] = field(default_factory=list)
    # The topics whose log is counted for in_log/lost/duplicates (default: every topic).
    output: list[str] = field(default_factory=list)
    # The example times the cluster (lesson 8's latencies): whoever shows the run must not take CPU
    # from it while it goes on, so the app draws the run once it has ended.
    measurement: bool = False

    @property
    def counted_topics(self) -> list[str]:
        return self.output or [t.name for t in self.topics]


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; every problem found is reported at once."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError([Problem(str(path), 0, f"cannot read the scenario: {exc.strerror}")]) from None
    return parse_scenario(text, str(path), path)


def parse_scenario(text: str, filename: str, path: Path | None = None) -> Scenario:
    data, loc = load_located(text, filename)
    reader = _Reader(loc)
    scenario = reader.scenario(data, path)
    if reader.problems:
        raise ContentError(reader.problems)
    return scenario


class _Reader:
    """Builds a Scenario from plain YAML data, collecting problems instead of stopping at one."""

    TOP = set(SCENARIO_KEYS)

    def __init__(self, loc: Locator):
        self.loc = loc
        self.problems: list[Problem] = []

    def error(self, path: tuple, message: str, *, key: bool = False) -> None:
        self.problems.append(self.loc.problem(path, message, key=key))

    def scenario(self, data: Any, path: Path | None) -> Scenario:
        if not isinstance(data, dict):
            self.error((), "a scenario is a mapping with at least `title:` and `topics:`")
            return Scenario(title="", path=path)
        for key in data:
            if key not in self.TOP:
                self.error((key,), unknown_field(key, self.TOP), key=True)
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            self.error(("title",), "write a `title:` saying what the scenario shows")
            title = ""
        brokers = self.integer(data, ("brokers",), default=3, low=1, high=BROKER_LIMIT)
        timeout = data.get("timeout", 60)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            self.error(("timeout",), "`timeout:` is a number of seconds greater than 0, e.g. `timeout: 60`")
            timeout = 60
        topics = [self.topic(t, i, brokers) for i, t in enumerate(self.listing(data, "topics"))]
        names = [t.name for t in topics if t]
        faults = [self.fault(f, i, names, brokers) for i, f in enumerate(self.listing(data, "faults"))]
        expect = self.expectations(data.get("expect") or {})
        output = data.get("output") or []
        if isinstance(output, str):
            output = [output]
        for i, name in enumerate(output):
            if name not in names:
                self.error(("output", i) if isinstance(data.get("output"), list) else ("output",),
                           f"`output:` names topic `{name}`, which `topics:` does not declare")
        measurement = data.get("measurement", False)
        if not isinstance(measurement, bool):
            self.error(("measurement",), "`measurement:` is `true` (the example times the cluster) or `false`")
            measurement = False
        return Scenario(title=title, path=path, brokers=brokers, timeout=float(timeout),
                        topics=[t for t in topics if t], faults=[f for f in faults if f],
                        expect=expect, output=list(output), measurement=measurement)

    def listing(self, data: dict, key: str) -> list:
        value = data.get(key) or []
        if not isinstance(value, list):
            self.error((key,), f"`{key}:` is a list; start each item with `- `")
            return []
        return value

    def integer(self, data: dict, path: tuple, default: int, low: int, high: int) -> int:
        value = data.get(path[-1], default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.error(path, f"`{path[-1]}:` is a whole number from {low} to {high}")
            return default
        return value

    def topic(self, item: Any, i: int, brokers: int) -> TopicSpec | None:
        path = ("topics", i)
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            self.error(path, "a topic is `{name: orders, partitions: 1, replication_factor: 3}`")
            return None
        known = set(TOPIC_KEYS)
        for key in item:
            if key not in known:
                self.error(path + (key,), unknown_field(key, known, "topic field"), key=True)
        rf_default = min(3, brokers)
        partitions = self.integer(item, path + ("partitions",), 1, 1, PARTITION_LIMIT)
        rf = self.integer(item, path + ("replication_factor",), rf_default, 1, brokers)
        isr = self.integer(item, path + ("min_insync_replicas",), min(2, rf), 1, rf)
        return TopicSpec(item["name"], partitions, rf, isr)

    def trigger(self, value: Any, path: tuple, topics: list[str]) -> Trigger | None:
        if value == "start":
            return Trigger("start")
        if isinstance(value, dict) and len(value) >= 1:
            kinds = [k for k in value if k in TRIGGER_KINDS]
            stray = [k for k in value if k not in TRIGGER_KINDS and k != "topic"]
            if len(kinds) == 1 and not stray:
                kind = kinds[0]
                amount = value[kind]
                if isinstance(amount, (int, float)) and not isinstance(amount, bool) and amount >= 0:
                    topic = value.get("topic")
                    if kind == "records":
                        topic = topic or (topics[0] if topics else None)
                        if topic not in topics:
                            self.error(path, f"`records:` counts appends to a declared topic; `{topic}` is not one")
                            return None
                    return Trigger(kind, amount, topic)  # type: ignore[arg-type]
        self.error(path, "`when:` is `start`, `{seconds: 2}`, `{records: 50, topic: orders}`, "
                         "`{sent: N}`, `{acked: N}` or `{processed: N}`")
        return None

    def fault(self, item: Any, i: int, topics: list[str], brokers: int) -> Fault | None:
        path = ("faults", i)
        if not isinstance(item, dict):
            self.error(path, "a fault is `{when: start, do: pause_replication}`")
            return None
        action = item.get("do")
        if action not in ACTIONS:
            said = "a fault needs `do:`" if action is None else f"`do: {action}` is not a fault{did_you_mean(action, ACTIONS)}"
            self.error(path + ("do",), f"{said}; `do:` is one of: {', '.join(ACTIONS)}")
            return None
        keys = ACTIONS[action] | {"when", "do"}
        for key in item:
            if key not in keys:
                allowed = ", ".join(sorted(ACTIONS[action])) or "nothing else"
                self.error(path + (key,), f"`{action}` takes {allowed}; remove `{key}`{did_you_mean(key, keys)}",
                           key=True)
        when = self.trigger(item.get("when"), path + ("when",), topics)
        broker = item.get("broker")
        if action in ("stop_broker", "start_broker"):
            allowed = ("leader",) if action == "stop_broker" else ("stopped",)
            if broker is None:
                broker = allowed[0]
            # The sandbox numbers its brokers from 1, as Kafka's examples usually do.
            if not (broker in allowed or (isinstance(broker, int) and 1 <= broker <= brokers)):
                self.error(path + ("broker",), f"`broker:` is a broker id from 1 to {brokers} or `{allowed[0]}`")
                return None
        topic = item.get("topic") or (topics[0] if topics else None)
        if action == "stop_broker" and broker == "leader" and topic not in topics:
            self.error(path + ("topic",), f"`topic:` names a declared topic; `{topic}` is not one")
            return None
        count = item.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            self.error(path + ("count",), "`count:` is a whole number of requests, at least 1")
            return None
        partition = item.get("partition", 0)
        if not isinstance(partition, int) or isinstance(partition, bool) or partition < 0:
            self.error(path + ("partition",), "`partition:` is a partition number, 0 or more")
            return None
        api = item.get("api", "Produce")
        if not isinstance(api, str):
            self.error(path + ("api",), "`api:` names a Kafka request type, e.g. `api: Produce`")
            return None
        if when is None:
            return None
        line = self.loc.position(path)[0]
        return Fault(when, action, broker, topic, partition, count, api, line)

    def expectations(self, data: Any) -> list[Expectation]:
        if not isinstance(data, dict):
            self.error(("expect",), "`expect:` maps a count to a value, e.g. `lost: \">0\"`")
            return []
        out = []
        for metric, value in data.items():
            if metric not in METRICS:
                self.error(("expect", metric), f"`{metric}` is not counted; use one of: {', '.join(METRICS)}", key=True)
                continue
            match = _EXPECT.match(str(value)) if not isinstance(value, bool) else None
            if not match:
                self.error(("expect", metric), f"write `{metric}: 0` or a comparison such as `{metric}: \">0\"`")
                continue
            out.append(Expectation(metric, match.group(1) or "==", int(match.group(2))))
        return out
