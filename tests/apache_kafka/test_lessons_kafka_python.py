"""The kafka-python ports of the lesson examples (tests/apache_kafka/kafka_python_examples/<lesson>/
<stem>.py) on the sandbox and on real Kafka, each judged by the ORIGINAL example's scenario
(lessons/<lesson>/examples/<stem>.yaml): the third client of the oracle, after confluent-kafka
(test_lessons.py) and the Java twins. Both runs must bear out the lesson's claims and agree on
whether anything was lost, duplicated, failed or left unprocessed. The figures line of each test is
one row of the table. Too long for `make test`: marked oracle_full, run by `make oracle`.

The ports are test input, never shown by the app. Each does what its original does, step for step,
with kafka-python (pinned in pyproject.toml) and prints the same report lines (`sent ID`,
`acked ID P O`, `failed ID ERR`, `processed ID`). Where the two clients differ, the port says so in
a comment; the differences that recur:
- kafka-python 3 ships with enable_idempotence=True (like the Java client since 3.0), confluent-kafka
  with it off: a port of an example that relies on confluent-kafka's defaults turns it off.
- Delivery callbacks run on kafka-python's I/O thread as soon as the answer arrives (confluent-kafka
  runs them in poll()/flush() on the caller's thread): each report line is one write, so lines from
  the two threads never interleave.
- flush(timeout) raises KafkaTimeoutError instead of returning how many messages are left; a
  `failed` line names the exception class (KafkaTimeoutError), not a librdkafka code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.apache_kafka import KafkaCluster
from engine.apache_kafka.runs import Comparison, outcome_summary, run_on_kafka
from engine.runs.runner import run_example
from engine.runs.scenario import load_scenario
from tests.paths import ROOT

# The checks of the ports themselves are quick and run with `make test`; the runs are oracle_full.
pytestmark = pytest.mark.xdist_group("apache_kafka")

PORTS_DIR = Path(__file__).parent / "kafka_python_examples"
PORTS = sorted(PORTS_DIR.glob("*/*.py"))

# Ports whose outcome is kafka-python's own behaviour on both backends and contradicts the lesson's
# claim (stem -> why): strict, so the day the claim holds the entry must go.
KAFKA_PYTHON_BEHAVIOUR: dict[str, str] = {}


def original(port: Path) -> Path:
    """The lesson example a port was made from: same lesson folder name, same stem."""
    return ROOT / "lessons" / port.parent.name / "examples" / port.name


def _param(port: Path) -> object:
    reason = KAFKA_PYTHON_BEHAVIOUR.get(port.stem)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(port, marks=marks, id=f"{port.parent.name}/{port.stem}")


def test_every_port_has_its_original() -> None:
    """A port names a lesson example that exists, with its scenario (the one that judges the port)."""
    assert PORTS, f"no ports under {PORTS_DIR}"
    orphans = [str(p.relative_to(PORTS_DIR)) for p in PORTS
               if not (original(p).is_file() and original(p).with_suffix(".yaml").is_file())]
    assert not orphans, f"ports without a lesson example and scenario of the same name: {orphans}"


def test_ports_use_kafka_python_only() -> None:
    """The point of a port is the other client: no confluent-kafka left in it."""
    mixed = [str(p.relative_to(PORTS_DIR)) for p in PORTS
             if "confluent_kafka" in p.read_text(encoding="utf-8")
             or "from kafka import" not in p.read_text(encoding="utf-8")]
    assert not mixed, f"ports that are not kafka-python programs: {mixed}"


@pytest.mark.slow
@pytest.mark.oracle_full
@pytest.mark.parametrize("port", [_param(p) for p in PORTS])
def test_port_on_sandbox_and_kafka(port: Path, kafka_cluster: KafkaCluster, record_property) -> None:
    scenario = load_scenario(original(port).with_suffix(".yaml"))
    c = Comparison(port, scenario, run_example(port, scenario),
                   run_on_kafka(port, scenario, cluster=kafka_cluster, sandbox_events=False))
    record_property("figures", f"{port.stem:22s} kafka-python  sandbox: {outcome_summary(c.sandbox.outcome):45s}"
                               f" kafka: {outcome_summary(c.kafka.outcome)}")
    for name, run in (("sandbox", c.sandbox), ("Kafka", c.kafka)):
        assert run.exit_code == 0 and not run.timed_out, f"on {name}: {run.output[-10:]}"
        unmet = [f"{e} (actual {a})" for e, a, ok in run.checks if not ok]
        assert not unmet, f"on {name} the lesson's claims fail: {unmet}; its last output: {run.output[-6:]}"
    assert c.differences() == []
