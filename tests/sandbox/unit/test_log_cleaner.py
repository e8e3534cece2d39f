"""The log cleaner on a log built from real v2 batches: offsets, timestamps, headers and producer
fields survive a rewrite, the CRC is right, aborted transactions' records go, markers stay."""

from __future__ import annotations

from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

from engine.sandbox.common.records import control_batch, read_header
from engine.sandbox.log.log_cleaner import DELETE_HORIZON_BIT, LogCleaner, clean_log
from engine.sandbox.log.producer_state import AbortedTxn
from engine.sandbox.log.unified_log import Log


def batch(records: list[tuple[bytes | None, bytes | None, int]], producer_id: int = -1,
          transactional: bool = False) -> bytearray:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=transactional,
                                        producer_id=producer_id, producer_epoch=0 if producer_id >= 0 else -1,
                                        base_sequence=0 if producer_id >= 0 else -1, batch_size=1 << 20)
    for i, (key, value, ts) in enumerate(records):
        builder.append(i, timestamp=ts, key=key, value=value, headers=[("h", b"%d" % i)])
    return bytearray(builder.build())


def append(log: Log, data: bytearray) -> None:
    log.append_as_leader(data, read_header(data), 0)


def records(log: Log) -> list[tuple[int, bytes | None, bytes | None, int]]:
    out = []
    for entry in log.entries():
        b = DefaultRecordBatch(bytes(entry.data))
        assert b.validate_crc()
        if not b.is_control_batch:
            out += [(r.offset, r.key, r.value, r.timestamp) for r in b]
    return out


def test_rewrite_keeps_offsets_timestamps_headers_and_producer_fields() -> None:
    log = Log()
    append(log, batch([(b"a", b"1", 100), (b"b", b"1", 101), (b"a", b"2", 102)], producer_id=7))
    append(log, batch([(b"b", None, 200), (b"c", b"1", 201)]))
    stats, horizon = clean_log(log, log.log_end_offset, [], now_ms=10_000, delete_retention_ms=500)
    assert records(log) == [(2, b"a", b"2", 102), (3, b"b", None, 200), (4, b"c", b"1", 201)]
    assert (stats.records_read, stats.records_removed, stats.batches_rewritten) == (5, 2, 2)
    first, second = log.entries()
    assert (first.header.base_offset, first.header.last_offset, first.header.producer_id) == (0, 2, 7)
    assert [h for _, h in next(iter(DefaultRecordBatch(bytes(first.data)))).headers] == [b"2"]
    assert second.header.attributes & DELETE_HORIZON_BIT and horizon == 10_500
    # Before the horizon nothing changes; after it the tombstone goes.
    assert clean_log(log, log.log_end_offset, [], 10_499, 500)[0].records_removed == 0
    stats, horizon = clean_log(log, log.log_end_offset, [], 10_500, 500)
    assert stats.tombstones_removed == 1 and horizon is None
    assert records(log) == [(2, b"a", b"2", 102), (4, b"c", b"1", 201)]
    assert log.log_end_offset == 5


def test_aborted_transactions_go_markers_stay_and_the_open_end_is_untouched() -> None:
    log = Log()
    append(log, batch([(b"a", b"txn", 1)], producer_id=9, transactional=True))       # offset 0
    append(log, control_batch(9, 0, commit=False))                                     # offset 1
    append(log, batch([(b"a", b"plain", 2)]))                                          # offset 2
    append(log, batch([(b"a", b"newest", 3)]))                                         # offset 3
    stats, _ = clean_log(log, 3, [AbortedTxn(9, 0, 1)], 0, 1000)                        # LSO/HW at 3
    assert stats.records_removed == 1
    assert records(log) == [(2, b"a", b"plain", 2), (3, b"a", b"newest", 3)]          # 3 not cleanable yet
    assert [e.header.is_control for e in log.entries()] == [True, False, False]
    cleaner = LogCleaner()
    assert cleaner.needs_cleaning("p", 4, 0)
    cleaner.clean("p", log, 4, [], 0, 1000)
    assert records(log) == [(3, b"a", b"newest", 3)] and not cleaner.needs_cleaning("p", 4, 0)
