"""Retention with real clients: topic configs set at CreateTopics or changed with
IncrementalAlterConfigs / AlterConfigs bound a partition's log; deleting old segments moves the
log start offset, ListOffsets earliest answers it, and a consumer positioned below it gets
OFFSET_OUT_OF_RANGE (librdkafka's auto.offset.reset=error, Java's none) or is reset to it
(earliest)."""

from __future__ import annotations

import time

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                   NewTopic, ResourceType)

from engine.sandbox import Sandbox
from tests.sandbox.conftest import wait_for

VALUE = b"r" * 200


def produce(bootstrap: str, topic: str, count: int) -> None:
    """`count` records, one batch each (so segments roll at the topic's segment.bytes)."""
    producer = ck.Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    for i in range(count):
        producer.produce(topic, VALUE, key=str(i).encode(), partition=0)
        producer.flush(30)
    assert producer.flush(30) == 0


def first_message(bootstrap: str, topic: str, offset: int, reset: str) -> ck.Message:
    """The first message or error a consumer assigned at `offset` gets."""
    consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{reset}-{time.monotonic_ns()}",
                            "auto.offset.reset": reset, "enable.auto.commit": False})
    try:
        consumer.assign([ck.TopicPartition(topic, 0, offset)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None:
                return msg
        raise AssertionError("the consumer got nothing in 60 s")
    finally:
        consumer.close()


@pytest.fixture
def sb() -> Sandbox:
    # Retention is triggered by the test (cleanup_logs) as well as every 200 ms.
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000, log_retention_check_interval_ms=200) as sb:
        yield sb


def test_retention_moves_the_log_start_and_consumers_below_it_are_out_of_range(sb: Sandbox) -> None:
    admin = AdminClient({"bootstrap.servers": sb.bootstrap_servers})
    admin.create_topics([NewTopic("bounded", 1, 3, config={"retention.bytes": "2000", "segment.bytes": "1000"})
                         ])["bounded"].result(30)
    assert sb.topic_configs("bounded") == {"retention.bytes": "2000", "segment.bytes": "1000"}
    produce(sb.bootstrap_servers, "bounded", 60)
    wait_for(lambda: sb.high_watermark("bounded") == 60, what="all 60 records replicated")
    sb.cleanup_logs()
    start = sb.log_start_offset("bounded")
    assert 40 <= start < 60              # ~2000 bytes of ~270-byte batches are kept, whole segments go
    wait_for(lambda: all(sb.log_start_offset("bounded", broker=b) == start for b in (1, 2, 3)),
             what="every replica deleting the same segments")
    assert any(e.kind == "segments_deleted" and e.details["topic"] == "bounded" for e in sb.events)

    consumer = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "wm"})
    low, high = consumer.get_watermark_offsets(ck.TopicPartition("bounded", 0), timeout=30)
    consumer.close()
    assert (low, high) == (start, 60)    # ListOffsets earliest is the log start offset

    msg = first_message(sb.bootstrap_servers, "bounded", 0, reset="error")
    assert msg.error() is not None and msg.error().code() == ck.KafkaError._AUTO_OFFSET_RESET
    assert "out of range" in msg.error().str().lower()
    msg = first_message(sb.bootstrap_servers, "bounded", 0, reset="earliest")
    assert msg.error() is None and msg.offset() == start
    # Producing goes on at the log end; old offsets stay gone.
    produce(sb.bootstrap_servers, "bounded", 1)
    assert first_message(sb.bootstrap_servers, "bounded", 60, reset="error").offset() == 60


def test_incremental_alter_configs_changes_retention(sb: Sandbox) -> None:
    admin = AdminClient({"bootstrap.servers": sb.bootstrap_servers})
    admin.create_topics([NewTopic("grow", 1, 3, config={"segment.bytes": "1000"})])["grow"].result(30)
    produce(sb.bootstrap_servers, "grow", 40)
    wait_for(lambda: sb.high_watermark("grow") == 40, what="all 40 records replicated")
    sb.cleanup_logs()
    assert sb.log_start_offset("grow") == 0               # no retention.bytes: nothing deleted

    resource = ConfigResource(ResourceType.TOPIC, "grow", incremental_configs=[
        ConfigEntry("retention.bytes", "1500", incremental_operation=AlterConfigOpType.SET)])
    admin.incremental_alter_configs([resource])[resource].result(30)
    assert sb.topic_configs("grow") == {"segment.bytes": "1000", "retention.bytes": "1500"}
    # The periodic retention check (every 200 ms here) applies it; no need to trigger it.
    wait_for(lambda: sb.log_start_offset("grow") > 0, what="retention after IncrementalAlterConfigs")
    assert sb.log_start_offset("grow") >= 30

    # DELETE reverts to the broker default (no limit); AlterConfigs replaces the whole set.
    resource = ConfigResource(ResourceType.TOPIC, "grow", incremental_configs=[
        ConfigEntry("retention.bytes", None, incremental_operation=AlterConfigOpType.DELETE)])
    admin.incremental_alter_configs([resource])[resource].result(30)
    assert sb.topic_configs("grow") == {"segment.bytes": "1000"}
    resource = ConfigResource(ResourceType.TOPIC, "grow", set_config={"retention.ms": "60000"})
    with pytest.warns(DeprecationWarning):       # the client deprecates AlterConfigs; brokers still serve it
        admin.alter_configs([resource])[resource].result(30)
    assert sb.topic_configs("grow") == {"retention.ms": "60000"}


def test_bad_config_changes_are_refused_with_kafka_errors(sb: Sandbox) -> None:
    admin = AdminClient({"bootstrap.servers": sb.bootstrap_servers})
    with pytest.raises(ck.KafkaException) as refused:
        admin.create_topics([NewTopic("bad", 1, 1, config={"retention.byte": "1"})])["bad"].result(30)
    assert refused.value.args[0].code() == ck.KafkaError.INVALID_CONFIG
    assert "Unknown topic config name" in refused.value.args[0].str()

    admin.create_topics([NewTopic("ok", 1, 1)])["ok"].result(30)
    cases = [
        ("ok", [ConfigEntry("segment.bytes", "5", incremental_operation=AlterConfigOpType.SET)],
         ck.KafkaError.INVALID_CONFIG),
        ("ok", [ConfigEntry("retention.ms", "1", incremental_operation=AlterConfigOpType.APPEND)],
         ck.KafkaError.INVALID_CONFIG),
        ("missing", [ConfigEntry("retention.ms", "1", incremental_operation=AlterConfigOpType.SET)],
         ck.KafkaError.UNKNOWN_TOPIC_OR_PART),
    ]
    for topic, entries, code in cases:
        resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=entries)
        with pytest.raises(ck.KafkaException) as refused:
            admin.incremental_alter_configs([resource])[resource].result(30)
        assert refused.value.args[0].code() == code, (topic, entries)
    assert sb.topic_configs("ok") == {}

    # List configs take APPEND and SUBTRACT.
    resource = ConfigResource(ResourceType.TOPIC, "ok", incremental_configs=[
        ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.APPEND)])
    admin.incremental_alter_configs([resource])[resource].result(30)
    assert sb.topic_configs("ok") == {"cleanup.policy": "delete"}
