"""Transactions with real clients (delivery-matrix rows C3, C4, C5), and the faults they must survive:
a producer process killed between its sends and its commit, a zombie with the same
transactional.id, a transaction left open past transaction.timeout.ms, the coordinator's broker
stopped while a transaction is open and while its markers are being written."""

from __future__ import annotations

import threading
import time
from typing import Any

import confluent_kafka as ck
import pytest

from engine.sandbox import Sandbox

from ..client_drivers import CLIENTS
from ..conftest import wait_for
from ..txn_tools import (ExactlyOnce, PipelineProcess, Reader, TxnProducer, committed_total, pipeline_args,
                        produce_inputs, read_all, wait_running_pipeline)


def txn_events(sb: Sandbox, kind: str, transactional_id: str) -> list[dict[str, Any]]:
    return [e.details for e in sb.events if e.kind == kind and e.details.get("transactional_id") == transactional_id]


def committed_values(sb: Sandbox, topic: str, partition: int = 0) -> list[str]:
    return [r.value.decode() for r in sb.records(topic, partition, isolation="read_committed")]


@pytest.mark.parametrize("client", CLIENTS)
def test_c3_pipeline_killed_mid_transaction_restarts_exactly_once(sandbox: Sandbox, client: str) -> None:
    sb = sandbox
    sb.create_topic("in", partitions=2, replication_factor=3, min_insync_replicas=2)
    sb.create_topic("out", partitions=2, replication_factor=3, min_insync_replicas=2)
    inputs = produce_inputs(sb, "in", partitions=2, per_partition=100)
    args = pipeline_args(client, sb, "in", "out", "c3", "c3-pipeline", batch=20)

    first = PipelineProcess(args + ["--pause-at", "4"])
    try:
        wait_for(lambda: first.saw("paused") or not first.running(), 90, "the 4th transaction's records flushed")
        assert first.saw("paused"), first.lines
        done = [line for line in first.lines if line.startswith("committed 3 ")]
        assert done, first.lines
        # The 4th transaction's offsets were sent but not committed: the group does not see them.
        assert committed_total(sb, "c3") == int(done[0].split()[2])
    finally:
        first.kill()

    second = PipelineProcess(args)
    try:
        wait_running_pipeline(second)
        wait_for(lambda: committed_total(sb, "c3") == 200, 120, "every input committed")
        assert second.stop() == 0, second.lines
    finally:
        if second.running():
            second.kill()

    outputs = read_all(client, sb.bootstrap_servers, "out", 2, "read_committed")
    result = ExactlyOnce.check(inputs, outputs)
    assert result == ExactlyOnce(messages_in=200, messages_out=200, duplicates=0, lost=0, mismatched_partitions=0)
    # The killed instance's open transaction was really written, then aborted by the restart.
    uncommitted = read_all(client, sb.bootstrap_servers, "out", 2, "read_uncommitted")
    assert sum(map(len, uncommitted.values())) > 200
    fenced = txn_events(sb, "txn_fenced", "c3-pipeline")
    assert any(f["aborting"] for f in fenced), fenced
    assert txn_events(sb, "txn_markers_written", "c3-pipeline")


@pytest.mark.parametrize("client", CLIENTS)
def test_c4_aborted_records_only_read_uncommitted_and_open_transaction_holds_lso(sandbox: Sandbox,
                                                                                  client: str) -> None:
    sb = sandbox
    sb.create_topic("t", partitions=1, replication_factor=3, min_insync_replicas=2)
    bs = sb.bootstrap_servers
    p = TxnProducer(client, bs, "c4")
    p.init()
    p.begin()
    p.send("t", [f"c-{i}" for i in range(10)])
    p.commit()
    p.begin()
    p.send("t", [f"a-{i}" for i in range(10)])
    p.flush()
    p.abort()
    committed = [f"c-{i}" for i in range(10)]
    aborted = [f"a-{i}" for i in range(10)]
    assert read_all(client, bs, "t", 1, "read_uncommitted")[0] == committed + aborted
    assert read_all(client, bs, "t", 1, "read_committed")[0] == committed

    # An open transaction, then plain records behind it: read_committed stops at the LSO.
    p.begin()
    p.send("t", [f"o-{i}" for i in range(5)])
    p.flush()
    lso = sb.log_end_offset("t") - 5
    plain = ck.Producer({"bootstrap.servers": bs, "log_level": 0})
    for i in range(5):
        plain.produce("t", f"p-{i}".encode(), partition=0)
    assert plain.flush(60) == 0
    assert sb.high_watermark("t") == lso + 10
    rc = Reader(client, bs, "t", 0, "read_committed")
    ru = Reader(client, bs, "t", 0, "read_uncommitted")
    try:
        wait_for(lambda: (rc.poll(), rc.position() == lso)[1], 60, "read_committed to reach the LSO")
        wait_for(lambda: (ru.poll(), len(ru.values) == 30)[1], 60, "read_uncommitted to read everything")
        for _ in range(4):
            rc.poll()
        assert rc.position() == lso
        assert rc.values == committed
        assert ru.values == committed + aborted + [f"o-{i}" for i in range(5)] + [f"p-{i}" for i in range(5)]
        p.commit()
        wait_for(lambda: (rc.poll(), len(rc.values) == 20)[1], 60, "read_committed past the commit")
        assert rc.values == committed + [f"o-{i}" for i in range(5)] + [f"p-{i}" for i in range(5)]
    finally:
        rc.close()
        ru.close()
        p.close()
    assert [e["commit"] for e in txn_events(sb, "txn_markers_written", "c4")] == [True, False, True]


def _fenced(exc: BaseException) -> str:
    text = exc.args[0].name() if exc.args and hasattr(exc.args[0], "name") else f"{type(exc).__name__} {exc}"
    return text


@pytest.mark.parametrize("client", CLIENTS)
def test_c5_second_instance_fences_the_first(sandbox: Sandbox, client: str) -> None:
    sb = sandbox
    sb.create_topic("pay", partitions=1, replication_factor=3, min_insync_replicas=2)
    bs = sb.bootstrap_servers
    a = TxnProducer(client, bs, "c5")
    a.init()
    a.begin()
    a.send("pay", [f"a-{i}" for i in range(5)])
    a.flush()
    b = TxnProducer(client, bs, "c5")
    b.init()                              # bumps the epoch, aborts a's open transaction
    b.begin()
    b.send("pay", [f"b-{i}" for i in range(5)])
    b.commit()
    error = None
    try:
        a.send("pay", [f"z-{i}" for i in range(5)])
        a.commit()
    except BaseException as exc:  # noqa: BLE001 - the fencing error's type differs per client
        error = _fenced(exc)
    assert error is not None, "the zombie committed"
    assert "FENCED" in error.upper() or "EPOCH" in error.upper(), error
    try:
        b.close()
        a.close()
    except BaseException:  # noqa: BLE001 - closing a fenced producer may complain
        pass
    assert committed_values(sb, "pay") == [f"b-{i}" for i in range(5)]
    uncommitted = [r.value.decode() for r in sb.records("pay", 0, isolation="read_uncommitted")]
    assert uncommitted == [f"a-{i}" for i in range(5)] + [f"b-{i}" for i in range(5)]   # no z-*
    assert read_all(client, bs, "pay", 1, "read_committed")[0] == [f"b-{i}" for i in range(5)]
    fenced = txn_events(sb, "txn_fenced", "c5")
    assert fenced and fenced[0]["aborting"], fenced
    refused = txn_events(sb, "txn_request_fenced", "c5")
    produce_refused = [e for e in sb.events if e.kind == "produce_error" and e.details.get("error") == "INVALID_PRODUCER_EPOCH"]
    assert refused or produce_refused


@pytest.mark.parametrize("client", CLIENTS)
def test_transaction_timeout_aborts_a_transaction_left_open(sandbox: Sandbox, client: str) -> None:
    sb = sandbox
    sb.create_topic("t", partitions=1, replication_factor=3, min_insync_replicas=2)
    p = TxnProducer(client, sb.bootstrap_servers, "slow", transaction_timeout_ms=1500)
    p.init()
    p.begin()
    p.send("t", ["late-1", "late-2"])
    p.flush()
    wait_for(lambda: txn_events(sb, "txn_complete", "slow"), 60, "the coordinator to abort on timeout")
    [timeout] = txn_events(sb, "txn_timeout_abort", "slow")
    assert timeout["partitions"] == ["t-0"]
    plain = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "log_level": 0})
    plain.produce("t", b"after", partition=0)
    assert plain.flush(60) == 0
    assert committed_values(sb, "t") == ["after"]      # aborted, and the LSO moved on
    with pytest.raises(BaseException):                 # the producer was fenced by the abort
        p.send("t", ["later"])
        p.commit()


# confluent-kafka only: kafka-python 3.0.12 loses its EndTxn when the coordinator's broker refuses
# connections (sender._maybe_send_transactional_request re-looks-up the coordinator but never
# re-enqueues the request, because target_node is already set when await_ready raises), so its
# commit_transaction() waits forever; a real cluster would hang it the same way.
@pytest.mark.parametrize("client", ["confluent-kafka"])
def test_coordinator_broker_stopped_with_transaction_open(sandbox: Sandbox, client: str) -> None:
    sb = sandbox
    sb.create_topic("t", partitions=3, replication_factor=3, min_insync_replicas=2)
    p = TxnProducer(client, sb.bootstrap_servers, "moving")
    p.init()
    p.begin()
    for part in range(3):
        p.send("t", [f"v-{part}-{i}" for i in range(5)], partition=part)
    p.flush()
    old = sb.cluster.coordinator_for("moving").broker_id
    sb.stop_broker(old)
    new = sb.cluster.coordinator_for("moving").broker_id
    assert new != old
    p.commit()                                  # the client finds the new coordinator
    for part in range(3):
        assert committed_values(sb, "t", part) == [f"v-{part}-{i}" for i in range(5)]
    [written] = txn_events(sb, "txn_markers_written", "moving")
    assert written["commit"] and written["partitions"] == ["t-0", "t-1", "t-2"]
    assert [e.broker for e in sb.events if e.kind == "txn_markers_written"] == [new]
    sb.start_broker(old)
    p.begin()
    p.send("t", ["again"], partition=0)
    p.commit()
    assert committed_values(sb, "t", 0)[-1] == "again"
    p.close()


def test_coordinator_broker_stopped_while_writing_markers(sandbox: Sandbox) -> None:
    """Stopped between PrepareCommit and CompleteCommit: the next coordinator resends the markers,
    the commit lands on every partition (never half-applied)."""
    sb = sandbox
    sb.create_topic("t", partitions=3, replication_factor=3, min_insync_replicas=2)
    p = TxnProducer("confluent-kafka", sb.bootstrap_servers, "halfway")
    p.init()
    p.begin()
    for part in range(3):
        p.send("t", [f"v-{part}-{i}" for i in range(5)], partition=part)
    p.flush()
    sb.pause_replication()                      # markers reach the leaders, not the high watermark
    outcome: list[BaseException | None] = []

    def commit() -> None:
        try:
            p.commit()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    committer = threading.Thread(target=commit, daemon=True)
    committer.start()
    wait_for(lambda: txn_events(sb, "txn_prepare", "halfway"), 60, "PrepareCommit")
    old = sb.cluster.coordinator_for("halfway").broker_id
    sb.stop_broker(old)
    wait_for(lambda: txn_events(sb, "txn_resume", "halfway"), 60, "the new coordinator to resume")
    assert not txn_events(sb, "txn_complete", "halfway")
    sb.resume_replication()
    committer.join(120)
    assert outcome == [None]
    for part in range(3):
        assert committed_values(sb, "t", part) == [f"v-{part}-{i}" for i in range(5)]
    [resume] = txn_events(sb, "txn_resume", "halfway")
    assert resume["state"] == "PrepareCommit"
    sb.start_broker(old)
    wait_for(lambda: all(sb.log_end_offset("t", part, old) == sb.log_end_offset("t", part) for part in range(3)),
             60, "the old coordinator's broker to catch up")


def test_group_and_transaction_coordinator_stopped_before_send_offsets(sandbox: Sandbox) -> None:
    """The broker coordinating both the consumer group and the transaction stops between the
    sends and send_offsets_to_transaction: librdkafka finds both new coordinators and commits.
    (It relies on the stopped broker staying in Metadata until its session times out: a
    coordinator request librdkafka has parked on a broker that vanished is never retried.)"""
    sb = sandbox
    sb.create_topic("in", partitions=1, replication_factor=3, min_insync_replicas=2)
    sb.create_topic("out", partitions=1, replication_factor=3, min_insync_replicas=2)
    group, tid = "chaos", "chaos-pipeline"            # both coordinated by the same broker
    coordinator = sb.cluster.coordinator_for(tid).broker_id
    assert sb.cluster.coordinator_for(group).broker_id == coordinator
    produce_inputs(sb, "in", partitions=1, per_partition=10)
    consumer = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": group, "log_level": 0,
                            "isolation.level": "read_committed", "enable.auto.commit": False,
                            "auto.offset.reset": "earliest", "session.timeout.ms": 6000})
    consumer.subscribe(["in"])
    producer = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "transactional.id": tid, "log_level": 0})
    producer.init_transactions(60)
    got: list[Any] = []
    wait_for(lambda: (got.extend(m for m in consumer.consume(10, 0.5) if m.error() is None), len(got) == 10)[1],
             60, "the inputs")
    producer.begin_transaction()
    for m in got:
        producer.produce("out", m.value(), partition=0)
    assert producer.flush(60) == 0
    sb.stop_broker(coordinator)
    # The producer refreshes its metadata: the stopped broker is still listed (connection refused).
    listed: set[int] = set()

    def refreshed() -> bool:
        try:
            listed.update(b.id for b in producer.list_topics(timeout=5).brokers.values())
            return True
        except ck.KafkaException:  # the request went to the broker that just stopped: ask again
            return False

    wait_for(refreshed, 60, "a metadata refresh")
    assert listed == {1, 2, 3}
    producer.send_offsets_to_transaction([ck.TopicPartition("in", 0, got[-1].offset() + 1)],
                                         consumer.consumer_group_metadata(), 60)
    producer.commit_transaction(60)
    assert committed_values(sb, "out") == [f"in-0-{i}" for i in range(10)]
    assert committed_total(sb, group) == 10
    consumer.close()
    # Once its session has timed out the stopped broker leaves Metadata.
    sb.cluster.brokers[coordinator].stopped_at = time.monotonic() - sb.config.broker_session_timeout_ms / 1000
    assert coordinator not in {b.broker_id for b in sb.cluster.registered_brokers()}
