"""Kafka's own command-line tools (the Java classes behind kafka-topics.sh, kafka-consumer-groups.sh,
kafka-configs.sh, kafka-get-offsets.sh, kafka-delete-records.sh and kafka-transactions.sh), at
the pinned Kafka release, run against the sandbox. Skipped when Java or the pinned release's jars
are not available (engine.apache_kafka.release resolves them through Maven)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import confluent_kafka as ck
import pytest

from engine.sandbox import Sandbox

POM = Path(__file__).parent.parent / "kafka_tools" / "pom.xml"


@pytest.fixture(scope="module")
def classpath() -> str:
    try:
        from engine.apache_kafka.release import MissingTool, find_tools, resolve_classpath
    except ImportError:
        pytest.skip("engine.apache_kafka (the pinned Kafka release) is not in this checkout")
    try:
        return resolve_classpath(find_tools(), pom=POM)
    except (MissingTool, RuntimeError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Kafka's tools are not available: {exc}")


def run(classpath: str, main_class: str, *args: str) -> str:
    """One tool run, as its shell script would start it; fails the test on a non-zero exit."""
    cmd = ["java", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", classpath, main_class, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"{main_class} {' '.join(args)}:\n{proc.stdout}\n{proc.stderr[-2000:]}"
    return proc.stdout


TOPICS = "org.apache.kafka.tools.TopicCommand"
GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"
CONFIGS = "kafka.admin.ConfigCommand"
OFFSETS = "org.apache.kafka.tools.GetOffsetShell"
DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand"
TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand"


def test_kafka_tools_against_the_sandbox(classpath: str, tmp_path: Path) -> None:
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        bs = ("--bootstrap-server", sb.bootstrap_servers.split(",")[0])
        run(classpath, TOPICS, *bs, "--create", "--topic", "orders", "--partitions", "2",
            "--replication-factor", "3", "--config", "cleanup.policy=compact")
        run(classpath, TOPICS, *bs, "--alter", "--topic", "orders", "--partitions", "3")
        described = run(classpath, TOPICS, *bs, "--describe", "--topic", "orders")
        assert "PartitionCount: 3" in described and "cleanup.policy=compact" in described
        assert "Topic name 'tópico' is illegal" in subprocess.run(
            ["java", "-XX:TieredStopAtLevel=1", "-cp", classpath, TOPICS, *bs, "--create", "--topic", "tópico"],
            capture_output=True, text=True, timeout=180).stdout

        producer = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "acks": "all", "log_level": 0})
        for i in range(12):
            producer.produce("orders", f"v{i}".encode(), key=f"k{i}".encode(), partition=i % 3)
        assert producer.flush(30) == 0
        consumer = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "billing",
                                "auto.offset.reset": "earliest", "enable.auto.commit": False, "log_level": 0})
        consumer.subscribe(["orders"])
        seen, deadline = 0, time.monotonic() + 60
        while seen < 12 and time.monotonic() < deadline:
            msg = consumer.poll(0.3)
            seen += msg is not None and msg.error() is None
        consumer.commit(asynchronous=False)
        listed = run(classpath, GROUPS, *bs, "--list", "--state")
        assert "billing" in listed and "Stable" in listed
        lag = run(classpath, GROUPS, *bs, "--describe", "--group", "billing")
        rows = [line.split() for line in lag.splitlines() if line.startswith("billing")]
        assert sorted((r[2], r[3], r[4], r[5]) for r in rows) == [(str(p), "4", "4", "0") for p in range(3)]
        consumer.close()
        run(classpath, GROUPS, *bs, "--reset-offsets", "--group", "billing", "--topic", "orders",
            "--to-earliest", "--execute")
        assert "was successful" in run(classpath, GROUPS, *bs, "--delete", "--group", "billing")

        configs = run(classpath, CONFIGS, *bs, "--describe", "--entity-type", "topics", "--entity-name", "orders")
        assert "cleanup.policy=compact" in configs and "DYNAMIC_TOPIC_CONFIG" in configs
        assert run(classpath, OFFSETS, *bs, "--topic", "orders", "--time", "-1").split() == \
            ["orders:0:4", "orders:1:4", "orders:2:4"]
        plan = tmp_path / "delete.json"
        plan.write_text('{"version": 1, "partitions": [{"topic": "orders", "partition": 0, "offset": 3}]}')
        assert "low_watermark: 3" in run(classpath, DELETE_RECORDS, *bs, "--offset-json-file", str(plan))

        txn = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "transactional.id": "ledger", "log_level": 0})
        txn.init_transactions(30)
        txn.begin_transaction()
        txn.produce("orders", b"open", key=b"k", partition=1)
        assert txn.flush(30) == 0
        assert "Ongoing" in run(classpath, TRANSACTIONS, *bs, "list")
        assert "orders-1" in run(classpath, TRANSACTIONS, *bs, "describe", "--transactional-id", "ledger")
        producers = run(classpath, TRANSACTIONS, *bs, "describe-producers", "--topic", "orders", "--partition", "1")
        assert producers.splitlines()[1].split()[-1] == "4"    # the open transaction starts at offset 4
        txn.commit_transaction(30)

        run(classpath, TOPICS, *bs, "--delete", "--topic", "orders")
        assert "orders" not in run(classpath, TOPICS, *bs, "--list").split()
