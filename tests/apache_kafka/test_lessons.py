"""Every lesson example (lessons/*/examples/*.py with its scenario) on the sandbox and on real Kafka
with the same faults: both must bear out what the lesson claims, and agree on whether anything was
lost, duplicated, failed or left unprocessed. The figures line of each test is one row of the table."""

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

# Differences the oracle found and that are not settled yet (the sandbox to be fixed, or the
# example): strict, so the day they agree this list must shrink.
KNOWN_DIFFERENCES: dict[str, str] = {}


def _param(script: Path) -> object:
    reason = KNOWN_DIFFERENCES.get(script.stem)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(script, marks=marks, id=f"{script.parent.parent.name}/{script.stem}")


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("script", [_param(p) for p in EXAMPLES])
def test_example_on_sandbox_and_kafka(script: Path, kafka_cluster: KafkaCluster, example_runs: ExampleRuns,
                                      record_property) -> None:
    scenario = load_scenario(script.with_suffix(".yaml"))
    # The sandbox run is the session's one run of the example (the content tests read it too).
    c = Comparison(script, scenario, example_runs.get(script),
                   run_on_kafka(script, scenario, cluster=kafka_cluster, sandbox_events=False))
    record_property("figures", f"{script.stem:20s} confluent-kafka  sandbox: {outcome_summary(c.sandbox.outcome):45s}"
                               f" kafka: {outcome_summary(c.kafka.outcome)}")
    for name, run in (("sandbox", c.sandbox), ("Kafka", c.kafka)):
        assert run.exit_code == 0 and not run.timed_out, f"on {name}: {run.output[-10:]}"
        unmet = [f"{e} (actual {a})" for e, a, ok in run.checks if not ok]
        assert not unmet, f"on {name} the lesson's claims fail: {unmet}; its last output: {run.output[-6:]}"
    assert c.differences() == []
