"""Delivery-matrix rows P1-P6 (producer settings against faults) with confluent-kafka and kafka-python."""

from __future__ import annotations

import time

import pytest

from engine.sandbox import Sandbox

from ..client_drivers import CLIENTS, Outcome, ProducerUnderTest, log_values
from ..conftest import wait_for

TOPIC = "orders"


def make_topic(sb: Sandbox, min_isr: int = 2) -> int:
    sb.create_topic(TOPIC, partitions=1, replication_factor=3, min_insync_replicas=min_isr)
    return sb.leader(TOPIC, 0)


def fully_replicated(sb: Sandbox, count: int) -> None:
    wait_for(lambda: sb.high_watermark(TOPIC, 0) >= count, what=f"high watermark {count}")


@pytest.mark.parametrize("client", CLIENTS)
def test_p1_acks0_dropped_request_loses_messages_silently(sandbox: Sandbox, client: str) -> None:
    make_topic(sandbox)
    p = ProducerUnderTest(client, sandbox.bootstrap_servers, acks=0, retries=0)
    for i in range(10):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    fully_replicated(sandbox, 10)
    sandbox.drop_requests(1, api="Produce")
    for i in range(10, 20):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    wait_for(lambda: any(e.details.get("fault") == "drop" for e in sandbox.events), what="the drop")
    # Sends into the cut connection vanish too; once the client has reconnected they arrive.
    i = 20
    while not set(log_values(sandbox, TOPIC)) & set(p.sent[20:]):
        assert i < 2000, "the producer never got through again"
        p.send(TOPIC, f"m-{i}")
        p.flush()
        i += 1
        time.sleep(0.05)
    p.close()
    outcome = Outcome.count(p.acked, log_values(sandbox, TOPIC))
    assert p.failed == []                      # the producer saw no error
    assert outcome.lost >= 1                   # the dropped request's messages are gone
    assert outcome.duplicates == 0
    assert {f"m-{i}" for i in range(10)} <= set(log_values(sandbox, TOPIC))


@pytest.mark.parametrize("client", CLIENTS)
def test_p2_acks1_acknowledged_messages_lost_after_failover(sandbox: Sandbox, client: str) -> None:
    leader = make_topic(sandbox)
    p = ProducerUnderTest(client, sandbox.bootstrap_servers, acks=1)
    for i in range(5):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    fully_replicated(sandbox, 5)
    sandbox.pause_replication()
    for i in range(5, 10):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    assert len(p.acked) == 10                  # the leader acknowledged all ten
    sandbox.stop_broker(leader)
    sandbox.resume_replication()
    new_leader = sandbox.leader(TOPIC, 0)
    assert new_leader not in (None, leader)
    outcome = Outcome.count(p.acked, log_values(sandbox, TOPIC))
    assert (outcome.lost, outcome.duplicates) == (5, 0)
    # The old leader returns, truncates to the new leader's log: the loss is final.
    sandbox.start_broker(leader)
    wait_for(lambda: any(e.kind == "truncate" and e.broker == leader for e in sandbox.events),
             what="the returning broker to truncate")
    wait_for(lambda: leader in sandbox.isr(TOPIC, 0), what="the returning broker to rejoin the ISR")
    assert Outcome.count(p.acked, log_values(sandbox, TOPIC)).lost == 5
    p.close()


@pytest.mark.parametrize("client", CLIENTS)
def test_p3_acks_all_nothing_acknowledged_is_lost(sandbox: Sandbox, client: str) -> None:
    leader = make_topic(sandbox)
    p = ProducerUnderTest(client, sandbox.bootstrap_servers, acks=-1, timeout_ms=60_000)
    for i in range(5):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    sandbox.pause_replication()
    for i in range(5, 10):
        p.send(TOPIC, f"m-{i}")
    # Requests on one connection are handled in order: the first one waits for the followers.
    wait_for(lambda: sandbox.log_end_offset(TOPIC, 0, leader) > 5, what="the leader to append m-5")
    assert len(p.acked) == 5                   # not acknowledged: the followers do not have it
    sandbox.stop_broker(leader)
    sandbox.resume_replication()
    p.flush()                                  # the client retries on the new leader
    outcome = Outcome.count(p.acked, log_values(sandbox, TOPIC))
    assert p.failed == []
    assert outcome.acknowledged == 10
    assert outcome.lost == 0
    p.close()


def lose_one_ack_run(sb: Sandbox, client: str, idempotence: bool) -> tuple[Outcome, ProducerUnderTest]:
    make_topic(sb)
    p = ProducerUnderTest(client, sb.bootstrap_servers, acks=-1, idempotence=idempotence)
    for i in range(20):
        if i == 10:
            sb.lose_acks(1, api="Produce")     # m-10 is written, its ack never arrives
        p.send(TOPIC, f"m-{i}")
        p.flush()                              # one message per request: the outcome is exact
    p.close()
    return Outcome.count(p.acked, log_values(sb, TOPIC)), p


@pytest.mark.parametrize("client", CLIENTS)
def test_p4_lost_ack_without_idempotence_duplicates(sandbox: Sandbox, client: str) -> None:
    outcome, p = lose_one_ack_run(sandbox, client, idempotence=False)
    assert p.failed == []
    assert (outcome.acknowledged, outcome.lost, outcome.duplicates) == (20, 0, 1)
    assert any(e.details.get("lost") for e in sandbox.events if e.kind == "response")


@pytest.mark.parametrize("client", CLIENTS)
def test_p5_lost_ack_with_idempotence_no_duplicates(sandbox: Sandbox, client: str) -> None:
    outcome, p = lose_one_ack_run(sandbox, client, idempotence=True)
    assert p.failed == []
    assert (outcome.acknowledged, outcome.lost, outcome.duplicates) == (20, 0, 0)
    assert outcome.in_order
    assert log_values(sandbox, TOPIC) == [f"m-{i}" for i in range(20)]
    assert any(e.kind == "duplicate" for e in sandbox.events)   # the broker recognised the retry


@pytest.mark.parametrize("client", CLIENTS)
def test_p6_two_brokers_down_not_enough_replicas(sandbox: Sandbox, client: str) -> None:
    leader = make_topic(sandbox)
    for broker in sandbox.replicas(TOPIC, 0):
        if broker != leader:
            sandbox.stop_broker(broker)
    assert sandbox.isr(TOPIC, 0) == [leader]
    p = ProducerUnderTest(client, sandbox.bootstrap_servers, acks=-1, retries=0)
    for i in range(3):
        p.send(TOPIC, f"m-{i}")
    p.flush()
    p.close()
    assert p.acked == []
    assert {err for _, err in p.failed} == {
        "NOT_ENOUGH_REPLICAS" if client == "confluent-kafka" else "NotEnoughReplicasError"}
    assert sandbox.records(TOPIC, 0, isolation="read_uncommitted") == []   # refused before appending


def test_same_outcome_on_repeated_runs() -> None:
    outcomes = []
    for _ in range(2):
        with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
            outcomes.append(lose_one_ack_run(sb, "confluent-kafka", idempotence=False)[0])
    assert outcomes[0] == outcomes[1]
