"""Consumer rows C1-C5 on the sandbox and on real Kafka, with confluent-kafka, kafka-python and Kafka's
Java client (C3's pipeline process too: PipelineDriver.java for java): the same steps on both, the
same guarantee expected of both, and the same outcome. The figures line of each test is one row of
the table: row, client, sandbox outcome, Kafka outcome."""

from __future__ import annotations

import pytest

from engine.apache_kafka import KafkaCluster
from engine.sandbox import Sandbox
from tests.apache_kafka.conftest import require_kafka_tools
from tests.apache_kafka.consumer_rows import CLIENTS, PIPELINE_CLIENTS, ROWS, check

pytestmark = [pytest.mark.xdist_group("apache_kafka"), pytest.mark.slow]

CASES = [(row, client) for row in sorted(ROWS) for client in CLIENTS
         if row != "C3" or client in PIPELINE_CLIENTS]


@pytest.mark.parametrize(("row", "client"), CASES, ids=[f"{r}-{c}" for r, c in CASES])
def test_row_on_sandbox_and_kafka(row: str, client: str, kafka: KafkaCluster, record_property) -> None:
    steps = ROWS[row]
    if client == "java":
        require_kafka_tools()  # javac and the client jars
    with Sandbox(brokers=3) as sb:
        on_sandbox = steps(sb, client)
    on_kafka = steps(kafka, client)
    record_property("figures", f"{row:3s} {client:16s} sandbox: {on_sandbox.describe():60s} "
                               f"kafka: {on_kafka.describe()}")
    assert check(row, client, on_kafka) == [], f"real Kafka breaks {row}: {on_kafka.describe()}"
    assert check(row, client, on_sandbox) == [], f"the sandbox breaks {row}: {on_sandbox.describe()}"
    assert on_sandbox == on_kafka, f"{row} differs: sandbox {on_sandbox.describe()}, kafka {on_kafka.describe()}"
