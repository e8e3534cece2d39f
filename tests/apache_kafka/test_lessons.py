"""Every lesson example on the sandbox and on real Kafka with the same faults, with each client that
has a script for it: the Python example (lessons/*/examples/<stem>.py, confluent-kafka, librdkafka)
and its Java twin (<stem>.java beside it, Kafka's own Java client). Both backends must bear out
what the lesson claims, and agree on whether anything was lost, duplicated, failed or left
unprocessed. The figures line of each test is one row of the oracle's table
(tests/apache_kafka/oracle_table.py, `make oracle`).

The Java rows start a JVM per run on both backends (a few minutes in all on a loaded machine), so
they carry the `oracle_full` marker: `make oracle` runs them, `make test` may deselect them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.apache_kafka import KafkaCluster
from engine.apache_kafka.runs import Comparison, outcome_summary, run_on_kafka
from engine.runs.scenario import load_scenario
from tests.example_runs import ExampleRuns
from tests.paths import ROOT

pytestmark = [pytest.mark.xdist_group("apache_kafka"), pytest.mark.slow]

EXAMPLES = sorted((ROOT / "lessons").glob("*/examples/*.py"))
# Each client with the suffix of its scripts beside the Python example.
CLIENTS = {"confluent-kafka": ".py", "java": ".java"}

# Differences the oracle found and that are not settled yet (the sandbox to be fixed, or the
# example), keyed by script name: strict, so the day they agree this list must shrink.
KNOWN_DIFFERENCES: dict[str, str] = {}


def _param(script: Path, client: str) -> object:
    marks = [pytest.mark.oracle_full] if client == "java" else []
    reason = KNOWN_DIFFERENCES.get(script.name)
    if reason:
        marks.append(pytest.mark.xfail(reason=reason, strict=True))
    return pytest.param(script, client, marks=marks, id=f"{script.parent.parent.name}/{script.name}")


CASES = [_param(p.with_suffix(suffix), client) for p in EXAMPLES for client, suffix in CLIENTS.items()
         if p.with_suffix(suffix).is_file()]


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 10
    twins = [p for p in EXAMPLES if p.with_suffix(".java").is_file()]
    assert twins == EXAMPLES, "every Python example has a Java twin (tests/jvm/test_twins.py says which lack one)"


@pytest.mark.parametrize(("script", "client"), CASES)
def test_example_on_sandbox_and_kafka(script: Path, client: str, kafka_cluster: KafkaCluster,
                                      example_runs: ExampleRuns, record_property) -> None:
    if client == "java":
        from tests.jvm.conftest import jvm_tools
        jvm_tools()  # javac and mvn, or a skip naming them (a failure under CI=true)
    scenario = load_scenario(script.with_suffix(".yaml"))
    # The sandbox run is the session's one run of the script (the content and JVM tests read it too).
    c = Comparison(script, scenario, example_runs.get(script),
                   run_on_kafka(script, scenario, cluster=kafka_cluster, sandbox_events=False))
    differences = c.differences()
    record_property("figures", f"{script.stem:20s} {client:16s} sandbox: {outcome_summary(c.sandbox.outcome):45s}"
                               f" kafka: {outcome_summary(c.kafka.outcome)}")
    record_property("verdict", "; ".join(differences) or "same guarantee")
    for name, run in (("sandbox", c.sandbox), ("Kafka", c.kafka)):
        assert run.exit_code == 0 and not run.timed_out, f"on {name}: {run.output[-10:]}"
        unmet = [f"{e} (actual {a})" for e, a, ok in run.checks if not ok]
        assert not unmet, f"on {name} the lesson's claims fail: {unmet}; its last output: {run.output[-6:]}"
    assert differences == []

