"""ListOffsets by timestamp answers to the record (not the batch), and Fetch honours the
response-wide max_bytes after the first partition with data (KIP-74)."""

from __future__ import annotations

import confluent_kafka as ck
from kafka import KafkaConsumer, TopicPartition

from engine.sandbox import Sandbox
from engine.sandbox.common.protocol import REQUESTS, RESPONSES

from .test_wire import request_bytes, roundtrip

TOPIC = "clock"


def test_offsets_for_times_finds_the_record_inside_a_batch() -> None:
    with Sandbox(brokers=1) as sb:
        sb.create_topic(TOPIC)
        producer = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "linger.ms": 200, "log_level": 0})
        producer.produce(TOPIC, b"early", partition=0, timestamp=1234)
        producer.produce(TOPIC, b"late", partition=0, timestamp=999_999_999_999)
        assert producer.flush(30) == 0
        leader = sb.cluster.brokers[1].replica_manager.partition(TOPIC, 0)
        assert len(leader.log.entries()) == 1                  # both records in one batch
        asks = {1000: 0, 1234: 0, 1235: 1, 999_999_999_999: 1}
        consumer = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "t", "log_level": 0})
        for ts, offset in asks.items():
            found = consumer.offsets_for_times([ck.TopicPartition(TOPIC, 0, ts)], timeout=30)[0]
            assert found.offset == offset, ts
        beyond = consumer.offsets_for_times([ck.TopicPartition(TOPIC, 0, 10**12 + 1)], timeout=30)[0]
        assert beyond.offset == -1                             # no record that late: the end
        consumer.close()
        kp = KafkaConsumer(bootstrap_servers=sb.bootstrap_servers)
        tp = TopicPartition(TOPIC, 0)
        found = kp.offsets_for_times({tp: 999_999_999_999})[tp]
        assert (found.offset, found.timestamp) == (1, 999_999_999_999)
        kp.close()


def fetch_request(partitions: int, max_bytes: int, correlation_id: int) -> bytes:
    Topic = REQUESTS[1].FetchTopic
    parts = [Topic.FetchPartition(partition=i, current_leader_epoch=-1, fetch_offset=0, last_fetched_epoch=-1,
                                  log_start_offset=-1, partition_max_bytes=1 << 20) for i in range(partitions)]
    return request_bytes(1, 12, correlation_id, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=max_bytes,
                         isolation_level=0, session_id=0, session_epoch=-1,
                         topics=[Topic(topic=TOPIC, partitions=parts)], forgotten_topics_data=[], rack_id="")


def test_fetch_max_bytes_bounds_the_whole_response() -> None:
    with Sandbox(brokers=1) as sb:
        sb.create_topic(TOPIC, partitions=3)
        producer = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "linger.ms": 0, "log_level": 0})
        for partition in range(3):
            producer.produce(TOPIC, b"x" * 1000, partition=partition)
            assert producer.flush(30) == 0
        port = sb.cluster.brokers[1].port

        def sizes(max_bytes: int) -> list[int]:
            body = roundtrip(port, fetch_request(3, max_bytes, max_bytes))
            response = RESPONSES[1].decode(body, version=12, header=True)
            parts = response.responses[0].partitions
            assert all(p.error_code == 0 and p.high_watermark == 1 for p in parts)
            return [len(p.records or b"") for p in parts]

        batch = sizes(1 << 20)[0]
        assert batch > 1000 and sizes(1 << 20) == [batch] * 3     # room for all three
        assert sizes(2 * batch) == [batch, batch, 0]              # the third would go past max_bytes
        assert sizes(batch + 10) == [batch, 0, 0]
        # The first partition with data is answered even past max_bytes, so a consumer progresses.
        assert sizes(10) == [batch, 0, 0]
