"""Producer matrix rows P1-P6 (tests/sandbox/clients/test_producer_matrix.py) written once against
engine.runs.backend.ClusterBackend, so each row runs the same steps on the sandbox and on real Kafka.

Only what the contract offers is used (topics, leader/ISR, faults, records, events), and every
wait polls a condition: a real broker moves leadership after broker.session.timeout.ms, the sandbox
at once. Each row returns its outcome; the test compares the two backends' outcomes and the row's
expected one, never timings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from tests.apache_kafka.conftest import wait_for
from tests.sandbox.client_drivers import CLIENTS as PYTHON_CLIENTS, Outcome, ProducerUnderTest, log_values

# confluent-kafka (librdkafka), kafka-python, and Kafka's own Java producer.
CLIENTS = [*PYTHON_CLIENTS, "java"]


def producer(client: str, bootstrap: str, **settings: Any) -> Any:
    """A producer of `client` with ProducerUnderTest's interface (send, flush, close, acked, failed)."""
    if client == "java":
        from tests.apache_kafka.java_driver import JavaProducer

        return JavaProducer(bootstrap, **settings)
    return ProducerUnderTest(client, bootstrap, **settings)

TOPIC = "orders"


@dataclass(frozen=True)
class RowOutcome:
    """What a row observed, in the terms the matrix states its guarantee in."""

    acknowledged: int
    failed_errors: frozenset[str]
    lost: int
    duplicates: int
    in_order: bool
    in_log: int

    @staticmethod
    def of(p: Any, values: list[str]) -> "RowOutcome":
        o = Outcome.count(p.acked, values)
        return RowOutcome(o.acknowledged, frozenset(err for _, err in p.failed), o.lost, o.duplicates,
                          o.in_order, o.in_log)

    def describe(self) -> str:
        failed = ",".join(sorted(self.failed_errors)) or "-"
        return (f"acked={self.acknowledged} in_log={self.in_log} lost={self.lost} dup={self.duplicates} "
                f"failed={failed}{'' if self.in_order else ' REORDERED'}")


def make_topic(b: Any, min_isr: int = 2) -> int:
    b.create_topic(TOPIC, partitions=1, replication_factor=3, min_insync_replicas=min_isr)
    wait_for(lambda: b.leader(TOPIC, 0) is not None, what="a leader")
    return b.leader(TOPIC, 0)


def values_settle(b: Any, ok: Callable[[list[str]], bool], timeout: float = 60) -> list[str]:
    """The log as a read_committed reader sees it, once `ok` holds (or at the deadline: the caller's
    assertion then says what differs)."""
    deadline = time.monotonic() + timeout
    while True:
        values = log_values(b, TOPIC)
        if ok(values) or time.monotonic() > deadline:
            return values
        time.sleep(0.3)


def _fault_struck(b: Any, fault: str, since: int) -> bool:
    return any(e.kind == "fault" and e.details.get("fault") == fault and "correlation_id" in e.details
               for e in b.events[since:])


def p1_acks0_dropped_request(b: Any, client: str) -> RowOutcome:
    """acks=0 and a dropped Produce request: messages vanish and the producer never knows."""
    make_topic(b)
    p = producer(client, b.bootstrap_servers, acks=0, retries=0)
    for i in range(10):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    values_settle(b, lambda v: len(v) >= 10)
    since = len(b.events)
    b.drop_requests(1, api="Produce")
    for i in range(10, 20):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    wait_for(lambda: _fault_struck(b, "drop", since), what="the drop")
    # Sends into the cut connection vanish too; once the client has reconnected they arrive.
    i = 20
    while not set(log_values(b, TOPIC)) & set(p.sent[20:]):
        assert i < 600, "the producer never got through again"
        p.send(TOPIC, f"m-{i}")
        p.flush()
        i += 1
        time.sleep(0.05)
    p.close()
    return RowOutcome.of(p, log_values(b, TOPIC))


def p2_acks1_failover(b: Any, client: str) -> RowOutcome:
    """acks=1, replication paused, the leader crashes: what only it had is lost though acknowledged."""
    leader = make_topic(b)
    p = producer(client, b.bootstrap_servers, acks=1)
    for i in range(5):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    wait_for(lambda: b.high_watermark(TOPIC, 0) >= 5, what="high watermark 5")
    b.pause_replication()
    for i in range(5, 10):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    b.stop_broker(leader)
    b.resume_replication()
    wait_for(lambda: b.leader(TOPIC, 0) not in (None, leader), what="a new leader")
    values = values_settle(b, lambda v: len(v) >= 5)
    p.close()
    return RowOutcome.of(p, values)


def p3_acks_all_failover(b: Any, client: str) -> RowOutcome:
    """acks=all, replication paused, the leader crashes: nothing acknowledged is lost."""
    leader = make_topic(b)
    p = producer(client, b.bootstrap_servers, acks=-1, timeout_ms=60_000)
    for i in range(5):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    b.pause_replication()
    seen = len(b.events)
    for i in range(5, 10):
        p.send(TOPIC, f"m-{i}")
    # The leader has the next request (and waits for followers that cannot fetch).
    wait_for(lambda: any(e.kind == "request" and e.details.get("api") == "Produce" and e.broker == leader
                         for e in b.events[seen:]), what="a Produce request at the leader")
    acked_before_crash = len(p.acked)
    b.stop_broker(leader)
    b.resume_replication()
    p.flush()  # the client retries on the new leader
    values = values_settle(b, lambda v: set(p.acked) <= set(v))
    p.close()
    assert acked_before_crash == 5, "acks=all answered before the followers had the records"
    return RowOutcome.of(p, values)


def _lose_one_ack(b: Any, client: str, idempotence: bool) -> RowOutcome:
    make_topic(b)
    p = producer(client, b.bootstrap_servers, acks=-1, idempotence=idempotence)
    for i in range(20):
        if i == 10:
            b.lose_acks(1, api="Produce")  # m-10 is written, its ack never arrives
        p.send(TOPIC, f"m-{i}")
        p.flush()  # one message per request: the outcome is exact
    p.close()
    return RowOutcome.of(p, values_settle(b, lambda v: set(p.acked) <= set(v)))


def p4_lost_ack_no_idempotence(b: Any, client: str) -> RowOutcome:
    """A lost ack, retried without idempotence: the message is in the log twice."""
    return _lose_one_ack(b, client, idempotence=False)


def p5_lost_ack_idempotence(b: Any, client: str) -> RowOutcome:
    """A lost ack, retried by an idempotent producer: the broker recognises the retry."""
    return _lose_one_ack(b, client, idempotence=True)


def p6_not_enough_replicas(b: Any, client: str) -> RowOutcome:
    """acks=all with min.insync.replicas=2 and both followers down: refused, nothing written."""
    leader = make_topic(b)
    for broker in b.replicas(TOPIC, 0):
        if broker != leader:
            b.stop_broker(broker)
    # The ISR as the leader acts on it (on real Kafka, the leader's partition has applied the
    # shrink, not only its metadata): a send sooner would be appended and time out, not be refused.
    wait_for(lambda: b.isr(TOPIC, 0) == [leader], what="the ISR to shrink to the leader")
    p = producer(client, b.bootstrap_servers, acks=-1, retries=0)
    for i in range(3):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    p.close()
    assert b.records(TOPIC, 0, isolation="read_uncommitted") == []  # refused before appending
    return RowOutcome.of(p, log_values(b, TOPIC))


def _nre(client: str) -> frozenset[str]:
    """How each client names Kafka's NOT_ENOUGH_REPLICAS error."""
    return frozenset({{"confluent-kafka": "NOT_ENOUGH_REPLICAS", "kafka-python": "NotEnoughReplicasError",
                       "java": "NotEnoughReplicasException"}[client]})


# row id -> (the steps, the outcome the matrix states for `client`; None: checked by `check`)
ROWS: dict[str, Callable[[Any, str], RowOutcome]] = {
    "P1": p1_acks0_dropped_request,
    "P2": p2_acks1_failover,
    "P3": p3_acks_all_failover,
    "P4": p4_lost_ack_no_idempotence,
    "P5": p5_lost_ack_idempotence,
    "P6": p6_not_enough_replicas,
}


def check(row: str, client: str, o: RowOutcome) -> list[str]:
    """How `o` breaks the row's stated guarantee (empty: it holds)."""
    wrong = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            wrong.append(what)

    if row == "P1":
        # The Java producer fails what it had queued on the connection that was cut (NetworkException);
        # the dropped request's own messages count as acknowledged all the same.
        need(o.failed_errors <= ({"NetworkException"} if client == "java" else set()), "no error reported")
        need(o.lost >= 1, "the dropped request's messages lost")
        need(o.duplicates == 0, "no duplicates")
    elif row == "P2":
        need((o.acknowledged, o.lost, o.duplicates) == (10, 5, 0), "10 acknowledged, 5 lost, 0 duplicates")
    elif row == "P3":
        need(not o.failed_errors and o.acknowledged == 10 and o.lost == 0, "10 acknowledged, none lost")
    elif row == "P4":
        need(not o.failed_errors and (o.acknowledged, o.lost, o.duplicates) == (20, 0, 1),
             "20 acknowledged, none lost, 1 duplicate")
    elif row == "P5":
        need(not o.failed_errors and (o.acknowledged, o.lost, o.duplicates) == (20, 0, 0) and o.in_order,
             "20 acknowledged, none lost, no duplicates, in order")
    elif row == "P6":
        need(o.acknowledged == 0 and o.failed_errors == _nre(client), "all three refused: NOT_ENOUGH_REPLICAS")
    return wrong
