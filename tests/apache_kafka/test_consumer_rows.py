"""Consumer rows C1-C5 on the sandbox and on real Kafka, with confluent-kafka, kafka-python and Kafka's
Java client (C3's pipeline process too: PipelineDriver.java for java): the same steps on both, the
same guarantee expected of both, and the same outcome. The figures line of each test is one row of
the table: row, client, sandbox outcome, Kafka outcome."""

from __future__ import annotations

import pytest

from engine.apache_kafka import KafkaCluster
from engine.sandbox import Sandbox
from tests.apache_kafka.conftest import require_kafka_tools, wait_for
from tests.apache_kafka.consumer_rows import (CLIENTS, PIPELINE_CLIENTS, ROWS, check, error_name, fresh,
                                              kafka_python_cause)
from tests.sandbox.txn_tools import TxnProducer

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


def test_a_kafka_python_zombie_caught_mid_epoch_bump_is_read_as_fenced() -> None:
    """C5's timing window, held open: kafka-python answers INVALID_PRODUCER_EPOCH to the zombie's
    send by bumping its epoch, and a send made before the bump is answered names only the state.
    The row must still read the fencing. Dropping the bump's first requests (their connection cut,
    the client retries) keeps the window open long enough to send into it every time."""
    with Sandbox(brokers=1) as sb:
        sb.create_topic("pay")
        bs = sb.bootstrap_servers
        transactional_id = fresh("c5-bump", "kafka-python")
        zombie = TxnProducer("kafka-python", bs, transactional_id)
        zombie.init()
        zombie.begin()
        zombie.send("pay", ["a-0"])
        zombie.flush()
        second = TxnProducer("kafka-python", bs, transactional_id)
        second.init()
        second.begin()
        second.send("pay", ["b-0"])
        second.commit()
        sb.drop_requests(3, api="InitProducerId")
        zombie.send("pay", ["z-0"])
        manager = zombie._p._transaction_manager
        wait_for(manager.is_bumping_epoch, timeout=30, what="the zombie to start bumping its epoch", every=0.001)
        with pytest.raises(Exception, match="BUMPING_PRODUCER_EPOCH") as caught:
            zombie.send("pay", ["z-1"])
        assert error_name(caught.value) == "IllegalStateError"
        assert kafka_python_cause(zombie, "IllegalStateError") == "ProducerFencedError"
        for producer in (second, zombie):
            producer.close()
