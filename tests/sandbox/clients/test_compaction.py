"""Compacted topics (cleanup.policy=compact) with both clients: keyless records are refused with
INVALID_RECORD, the cleaner keeps the latest record per key at its original offset, and
tombstones stay for delete.retention.ms after the cleaner first reaches them, then go."""

from __future__ import annotations

import time
from typing import Any

import confluent_kafka as ck
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import InvalidRecordError

from engine.sandbox import Sandbox

from ..client_drivers import CLIENTS
from ..conftest import wait_for

TOPIC = "profiles"


def read_all(client: str, sb: Sandbox, topic: str = TOPIC) -> list[tuple[int, bytes | None, bytes | None]]:
    """Every record a consumer reads from offset 0 up to the high watermark."""
    end = sb.high_watermark(topic)
    got: list[tuple[int, bytes | None, bytes | None]] = []
    deadline = time.monotonic() + 60
    if client == "confluent-kafka":
        c: Any = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "readers", "log_level": 0,
                              "enable.auto.commit": False})
        c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
        while (not got or got[-1][0] < end - 1) and time.monotonic() < deadline:
            msg = c.poll(0.2)
            if msg is not None and msg.error() is None:
                got.append((msg.offset(), msg.key(), msg.value()))
    else:
        c = KafkaConsumer(bootstrap_servers=sb.bootstrap_servers, enable_auto_commit=False)
        c.assign([TopicPartition(topic, 0)])
        c.seek_to_beginning()
        while (not got or got[-1][0] < end - 1) and time.monotonic() < deadline:
            for records in c.poll(timeout_ms=200).values():
                got += [(r.offset, r.key, r.value) for r in records]
    c.close()
    return got


def write(client: str, sb: Sandbox, records: list[tuple[bytes | None, bytes | None]]) -> list[str]:
    """Produce each record in its own request (so one refused record fails only itself); returns errors."""
    errors: list[str] = []
    if client == "confluent-kafka":
        p = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "acks": "all", "linger.ms": 0, "log_level": 0})
        for key, value in records:
            p.produce(TOPIC, value, key=key, partition=0,
                      on_delivery=lambda err, _m: errors.append(err.name()) if err else None)
            p.flush(30)
    else:
        kp = KafkaProducer(bootstrap_servers=sb.bootstrap_servers, acks="all", linger_ms=0, retries=0)
        for key, value in records:
            try:
                kp.send(TOPIC, value, key=key, partition=0).get(30)
            except InvalidRecordError:
                errors.append("INVALID_RECORD")
        kp.close(5)
    return errors


@pytest.mark.parametrize("client", CLIENTS)
def test_compacted_topic_keeps_the_latest_record_per_key(client: str) -> None:
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000, log_cleaner_backoff_ms=600_000) as sb:
        sb.create_topic(TOPIC, replication_factor=3,
                        configs={"cleanup.policy": "compact", "delete.retention.ms": "1500"})
        errors = write(client, sb, [(b"ann", b"v1"), (b"bob", b"v1"), (None, b"no key"), (b"ann", b"v2"),
                                    (b"cat", b"v1"), (b"bob", None), (b"ann", b"v3"), (b"dan", b"v1")])
        assert errors == ["INVALID_RECORD"]                        # the keyless record only
        assert sb.high_watermark(TOPIC) == 7
        assert [o for o, _, _ in read_all(client, sb)] == list(range(7))

        first_pass = time.monotonic()
        removed = sb.clean_logs()
        assert removed == 3 * 3                                    # ann v1, ann v2, bob v1 on each replica
        after = read_all(client, sb)
        # Offsets never change; bob's tombstone stays so late readers still see the delete.
        assert after == [(3, b"cat", b"v1"), (4, b"bob", None), (5, b"ann", b"v3"), (6, b"dan", b"v1")]
        for broker in sb.replicas(TOPIC):                          # every replica cleans its own log
            assert sb.log_end_offset(TOPIC, broker=broker) == 7

        again = sb.clean_logs()
        if time.monotonic() - first_pass < 1.4:                   # (a slow machine may be past it)
            assert again == 0                                      # before delete.retention.ms: kept
        gone = [again]
        wait_for(lambda: gone.append(sb.clean_logs()) or sum(gone) == 3, timeout=60,
                 what="the tombstone to go on each replica")
        assert read_all(client, sb) == [(3, b"cat", b"v1"), (5, b"ann", b"v3"), (6, b"dan", b"v1")]
        # The log keeps growing from where it was.
        assert write(client, sb, [(b"cat", b"v2")]) == []
        assert read_all(client, sb)[-1] == (7, b"cat", b"v2")


def test_the_cleaner_runs_by_itself() -> None:
    with Sandbox(brokers=1, log_cleaner_backoff_ms=100) as sb:
        sb.create_topic(TOPIC, configs={"cleanup.policy": "compact"})
        write("confluent-kafka", sb, [(b"k", f"v{i}".encode()) for i in range(5)])
        wait_for(lambda: [r.value for r in sb.records(TOPIC)] == [b"v4"], what="the periodic cleaner")
        cleaned = [e.details for e in sb.events if e.kind == "log_cleaned"]
        assert cleaned[0]["records_removed"] == 4 and cleaned[0]["bytes_after"] < cleaned[0]["bytes_before"]


def test_a_delete_topic_is_not_compacted(sandbox: Sandbox) -> None:
    sandbox.create_topic(TOPIC, replication_factor=1)
    assert write("confluent-kafka", sandbox, [(b"k", b"1"), (None, b"2"), (b"k", b"3")]) == []
    assert sandbox.clean_logs() == 0
    assert [r.value for r in sandbox.records(TOPIC)] == [b"1", b"2", b"3"]
