"""The seam: the Sandbox and KafkaCluster both satisfy engine.runs.backend.ClusterBackend, and the
runner runs an example on a backend it is handed (creating the scenario's topics, applying its
faults there, leaving it running) instead of a fresh sandbox."""

from __future__ import annotations

import pytest

from engine.apache_kafka import KafkaCluster
from engine.runs.backend import ClusterBackend
from engine.runs.runner import run_example
from engine.runs.scenario import load_scenario
from engine.sandbox import Sandbox
from tests.paths import ROOT

LOST_ACK = ROOT / "lessons" / "01-where-messages-go" / "examples" / "lost-ack.py"


@pytest.mark.parametrize("cls", [Sandbox, KafkaCluster])
def test_both_clusters_satisfy_the_protocol(cls: type) -> None:
    missing = [name for name in ("bootstrap_servers", "create_topic", "leader", "lose_acks", "drop_requests",
                                 "pause_replication", "resume_replication", "stop_broker", "start_broker",
                                 "records", "subscribe", "partition_count") if not hasattr(cls, name)]
    assert missing == []


def test_a_running_sandbox_satisfies_it_at_run_time() -> None:
    with Sandbox(brokers=1) as sb:
        assert isinstance(sb, ClusterBackend)


def test_sandbox_partition_count_is_what_metadata_lists() -> None:
    """The runner counts partitions through partition_count(), never the sandbox's controller."""
    with Sandbox(brokers=1) as sb:
        sb.create_topic("orders", partitions=3)
        assert sb.partition_count("orders") == 3
        assert sb.partition_count("nowhere") is None


def test_the_runner_uses_the_backend_it_is_given_and_leaves_it_running() -> None:
    scenario = load_scenario(LOST_ACK.with_suffix(".yaml"))
    with Sandbox(brokers=3) as sb:
        seen: list[str] = []
        sb.subscribe(lambda e: seen.append(e.kind))
        result = run_example(LOST_ACK, scenario, backend=sb)
        assert result.target == "sandbox"
        assert result.faults == ["lose_acks x1 on Produce after 50 records in orders"]
        assert "append" in seen and result.outcome.lost == 0 and result.outcome.duplicates > 0
        assert sb.leader("orders", 0) is not None  # still running: the caller closes it
        assert len(sb.records("orders", 0)) >= 200
