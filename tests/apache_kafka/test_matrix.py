"""The producer matrix P1-P6 on the sandbox and on real Kafka, with confluent-kafka, kafka-python and Kafka's Java producer:
the same steps on both, the same guarantee expected of both. The figures line of each test is
one row of the table: row, client, sandbox outcome, Kafka outcome."""

from __future__ import annotations

import pytest

from engine.apache_kafka import KafkaCluster
from engine.sandbox import Sandbox
from tests.apache_kafka.conftest import require_kafka_tools
from tests.apache_kafka.matrix import CLIENTS, ROWS, check

pytestmark = [pytest.mark.xdist_group("apache_kafka"), pytest.mark.slow]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("row", sorted(ROWS))
def test_row_on_sandbox_and_kafka(row: str, client: str, kafka: KafkaCluster, record_property) -> None:
    steps = ROWS[row]
    if client == "java":
        require_kafka_tools()  # javac and the client jars
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        on_sandbox = steps(sb, client)
    on_kafka = steps(kafka, client)
    record_property("figures", f"{row:3s} {client:16s} sandbox: {on_sandbox.describe():60s} "
                               f"kafka: {on_kafka.describe()}")
    assert check(row, client, on_kafka) == [], f"real Kafka breaks {row}: {on_kafka.describe()}"
    assert check(row, client, on_sandbox) == [], f"the sandbox breaks {row}: {on_sandbox.describe()}"
