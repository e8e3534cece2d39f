"""Unit tests of log segments and retention (segment.bytes, retention.bytes, retention.ms), the
topic configs that set them, and producer state that does not grow with time."""

from __future__ import annotations

import pytest
from kafka.record.default_records import DefaultRecordBatchBuilder

from engine.sandbox.common.records import control_batch, read_header
from engine.sandbox.log.log_config import InvalidConfig, LogConfig
from engine.sandbox.log.producer_state import ProducerStateManager
from engine.sandbox.log.unified_log import Log


def batch(count: int, timestamp: int = 1_000, producer_id: int = -1, sequence: int = -1,
          transactional: bool = False) -> bytearray:
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=transactional,
                                  producer_id=producer_id, producer_epoch=0 if producer_id >= 0 else -1,
                                  base_sequence=sequence, batch_size=1 << 20)
    for i in range(count):
        b.append(i, timestamp=timestamp, key=None, value=b"v" * 50, headers=[])
    return bytearray(b.build())


def fill(log: Log, batches: int, timestamp: int = 1_000) -> int:
    """Append `batches` one-record batches; returns the size of one."""
    size = 0
    for _ in range(batches):
        data = batch(1, timestamp)
        size = log.append_as_leader(data, read_header(data), 0).size
    return size


def test_segments_roll_at_segment_bytes_and_reads_cross_them() -> None:
    size = len(batch(1))
    log = Log(LogConfig(segment_bytes=3 * size))
    fill(log, 10)
    assert log.segment_count == 4                       # 3 + 3 + 3 + 1 batches
    assert log.size == 10 * size
    assert [e.header.base_offset for e in log.read(2, 1 << 20, 10)] == list(range(2, 10))
    assert [e.header.base_offset for e in log.read(5, 2 * size, 10)] == [5, 6]


def test_retention_bytes_deletes_whole_oldest_segments_and_moves_the_log_start() -> None:
    size = len(batch(1))
    log = Log(LogConfig(segment_bytes=3 * size, retention_bytes=4 * size))
    fill(log, 10)
    deleted = log.delete_old_segments(now_ms=2_000, high_watermark=10)
    # 10 batches, at most 4 kept: the first two segments go (6 batches), never a part of one.
    assert [(d.segments, d.records, d.reason) for d in deleted] == [(2, 6, f"retention.bytes={4 * size}")]
    assert log.log_start_offset == 6 and log.size == 4 * size
    assert [e.header.base_offset for e in log.read(0, 1 << 20, 10)][0] == 6
    assert log.delete_old_segments(now_ms=2_000, high_watermark=10) == []


def test_retention_never_deletes_the_active_segment_nor_past_the_high_watermark() -> None:
    size = len(batch(1))
    log = Log(LogConfig(segment_bytes=100 * size, retention_bytes=0))
    fill(log, 5)
    assert log.delete_old_segments(now_ms=2_000, high_watermark=5) == []      # one (active) segment
    log = Log(LogConfig(segment_bytes=2 * size, retention_bytes=0))
    fill(log, 6)                                                              # segments at 0, 2, 4
    deleted = log.delete_old_segments(now_ms=2_000, high_watermark=3)
    assert [d.log_start_offset for d in deleted] == [2]                      # not the one holding 3
    assert log.delete_old_segments(now_ms=2_000, high_watermark=6)[0].log_start_offset == 4


def test_retention_ms_deletes_segments_whose_newest_record_is_too_old() -> None:
    size = len(batch(1))
    log = Log(LogConfig(segment_bytes=2 * size, retention_ms=60_000))
    for timestamp in (1_000, 1_000, 50_000, 50_000, 90_000, 90_000, 95_000):
        data = batch(1, timestamp)
        log.append_as_leader(data, read_header(data), 0)
    deleted = log.delete_old_segments(now_ms=100_000, high_watermark=7)
    assert [(d.segments, d.log_start_offset, d.reason) for d in deleted] == [(1, 2, "retention.ms=60000")]
    assert log.delete_old_segments(now_ms=200_000, high_watermark=7)[0].log_start_offset == 6   # active stays


def test_truncation_across_segments_and_a_follower_adopting_the_leader_log_start() -> None:
    size = len(batch(1))
    log = Log(LogConfig(segment_bytes=2 * size))
    fill(log, 7)
    assert log.truncate_to(3) == 4 and log.log_end_offset == 3 and log.segment_count == 2
    fill(log, 1)
    assert [e.header.base_offset for e in log.read(0, 1 << 20, 4)] == [0, 1, 2, 3]
    assert log.maybe_increment_log_start_offset(2) and log.log_start_offset == 2
    deleted = log.delete_old_segments(now_ms=2_000, high_watermark=4)
    assert [(d.log_start_offset, d.reason) for d in deleted] == [(2, "log start offset 2")]
    log.truncate_fully_and_start_at(40)
    assert (log.log_start_offset, log.log_end_offset, log.size) == (40, 40, 0)
    data = batch(1)
    assert log.append_as_leader(data, read_header(data), 0).base_offset == 40


def test_log_start_moves_the_leader_epoch_cache() -> None:
    size = len(batch(1))
    log = Log(LogConfig(segment_bytes=2 * size, retention_bytes=0))
    fill(log, 2)
    log.assign_epoch_start(1)
    data = batch(1)
    log.append_as_leader(data, read_header(data), 1)
    fill(log, 3)
    log.delete_old_segments(now_ms=2_000, high_watermark=6)
    assert log.log_start_offset == 4
    assert log.end_offset_for_epoch(0) == (-1, -1)      # epoch 0 is wholly below the log start
    assert log.end_offset_for_epoch(1) == (1, 6)


def test_log_configs_take_the_topic_overrides_in_kafka_ranges() -> None:
    config = LogConfig().with_overrides({"retention.bytes": "1024", "segment.bytes": "512",
                                         "retention.ms": "-1", "cleanup.policy": "delete"})
    assert (config.retention_bytes, config.segment_bytes, config.retention_ms) == (1024, 512, -1)
    with pytest.raises(InvalidConfig, match="segment.bytes: must be at least 14"):
        LogConfig().with_overrides({"segment.bytes": "10"})
    with pytest.raises(InvalidConfig, match="retention.ms: not a number"):
        LogConfig().with_overrides({"retention.ms": "a week"})


def test_producer_state_forgets_idle_producers_and_deleted_aborted_ranges() -> None:
    state = ProducerStateManager()
    log = Log()
    for data in (batch(1, 1_000, producer_id=7, sequence=0, transactional=True), control_batch(7, 0, commit=False),
                 batch(1, 5_000, producer_id=8, sequence=0)):
        stored = log.append_as_leader(data, read_header(data), 0)
        state.on_append(stored, data)
    assert [a.last_offset for a in state.aborted] == [1]
    state.truncate_head(2)
    assert state.aborted == []
    # producer.id.expiration.ms counts from the producer's newest batch timestamp; the marker's
    # timestamp is its write time, so expire against a clock far past both.
    marker_ts = max(e.header.max_timestamp for e in log.entries())
    assert state.remove_expired_producers(now_ms=5_500, expiration_ms=1_000) == []   # 8 is recent, 7 has a marker now
    assert sorted(state.remove_expired_producers(now_ms=marker_ts + 1_000, expiration_ms=1_000)) == [7, 8]
    assert state.producers == {}


def test_an_open_transaction_keeps_its_producer() -> None:
    state = ProducerStateManager()
    data = batch(1, 1_000, producer_id=9, sequence=0, transactional=True)
    state.on_append(read_header(data), data)
    assert state.remove_expired_producers(now_ms=10**12, expiration_ms=1) == []
