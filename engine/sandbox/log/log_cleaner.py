"""Log compaction (Kafka's LogCleaner) for topics with `cleanup.policy=compact`.

A cleaning pass over one replica's log, up to the cleanable end (the last stable offset: nothing
of an open transaction, nothing above the high watermark):
1. build the offset map: for every key, the offset of its latest record (Kafka's OffsetMap);
2. rewrite each batch with only the records still latest for their key. Offsets never change:
   a rewritten batch keeps its base offset, last offset delta, producer id, epoch and base
   sequence, so consumers see gaps, and idempotent producers' state is untouched;
3. a tombstone (a record with a null value) is kept for `delete.retention.ms` after the pass
   that first finds it latest, so consumers that are behind still see the delete. As in
   KIP-534 the deadline travels in the batch itself: the batch gets the delete-horizon
   attribute (bit 6) and its base timestamp becomes the deadline (record timestamps are deltas
   from it, so they do not change). A later pass past the deadline drops the tombstone.
Records of aborted transactions and keyless records (written before the topic was compacted)
go at once; transaction markers stay. Rewritten batches are stored uncompressed.

Each replica cleans its own log (Kafka runs a cleaner on every broker); `LogCleaner` keeps each
log's cleaner checkpoint (how far it has cleaned) so an idle, clean log is not decoded again.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Iterable

from kafka.record.default_records import DefaultRecordBatch
from kafka.record.util import calc_crc32c, encode_varint

from engine.sandbox.common.records import HEADER_SIZE, read_header
from engine.sandbox.log.producer_state import AbortedTxn
from engine.sandbox.log.unified_log import Log, LogEntry

DELETE_HORIZON_BIT = 0x40
COMPRESSION_MASK = 0x07
_HEADER = struct.Struct(">qiibIhiqqqhii")


@dataclass(frozen=True)
class CleanerStats:
    """What one pass over one log did (Kafka's CleanerStats, in records and bytes)."""

    records_read: int = 0
    records_removed: int = 0
    tombstones_removed: int = 0
    batches_rewritten: int = 0
    bytes_before: int = 0
    bytes_after: int = 0


@dataclass
class _Checkpoint:
    cleaned_to: int = 0               # the cleanable end of the last pass
    next_horizon_ms: int | None = None   # the earliest tombstone deadline still ahead


@dataclass
class LogCleaner:
    """One broker's log cleaner: cleans the compacted logs it is given, remembering how far each is clean."""

    checkpoints: dict[Any, _Checkpoint] = field(default_factory=dict)

    def needs_cleaning(self, key: Any, upper: int, now_ms: int) -> bool:
        """Whether the log has records past its last clean, or a tombstone whose time is up."""
        cp = self.checkpoints.get(key)
        if cp is None:
            return upper > 0
        return upper > cp.cleaned_to or (cp.next_horizon_ms is not None and now_ms >= cp.next_horizon_ms)

    def clean(self, key: Any, log: Log, upper: int, aborted: Iterable[AbortedTxn], now_ms: int,
              delete_retention_ms: int) -> CleanerStats:
        """One pass over `log` below `upper` (see the module docstring); records the checkpoint."""
        stats, horizon = clean_log(log, upper, list(aborted), now_ms, delete_retention_ms)
        self.checkpoints[key] = _Checkpoint(upper, horizon)
        return stats

    def forget(self, key: Any) -> None:
        """The log is gone (topic deleted) or was truncated: clean it from scratch next time."""
        self.checkpoints.pop(key, None)


def clean_log(log: Log, upper: int, aborted: list[AbortedTxn], now_ms: int,
              delete_retention_ms: int) -> tuple[CleanerStats, int | None]:
    """Compact the batches of `log` that end below `upper`; returns the stats and the earliest
    tombstone deadline still in the future (None if no tombstone is left waiting)."""
    entries = [e for e in log.read(0, 1 << 62, upper) if e.header.last_offset < upper]
    if not entries:
        return CleanerStats(), None

    def is_aborted(h: Any) -> bool:
        return h.is_transactional and any(a.producer_id == h.producer_id and a.first_offset <= h.base_offset
                                          <= a.last_offset for a in aborted)

    latest: dict[bytes, int] = {}
    decoded: list[list[Any] | None] = []
    for entry in entries:
        if entry.header.is_control or is_aborted(entry.header):
            decoded.append(None)
            continue
        records = list(DefaultRecordBatch(bytes(entry.data)))
        decoded.append(records)
        for r in records:
            if r.key is not None:
                latest[r.key] = r.offset

    out: list[LogEntry] = []
    read = removed = tombstones = rewritten = before = after = 0
    next_horizon: int | None = None
    for entry, records in zip(entries, decoded):
        h = entry.header
        before += h.size
        if records is None:
            if h.is_control:
                out.append(entry)
                after += h.size
            else:      # an aborted transaction's records: never visible to read_committed, gone
                read += h.record_count
                removed += h.record_count
            continue
        read += len(records)
        attributes, = struct.unpack_from(">h", entry.data, 21)
        base_ts, = struct.unpack_from(">q", entry.data, 27)
        horizon = base_ts if attributes & DELETE_HORIZON_BIT else None
        kept = []
        for r in records:
            if r.key is None or latest.get(r.key) != r.offset:
                removed += 1
                continue
            if r.value is None and horizon is not None and now_ms >= horizon:
                removed += 1
                tombstones += 1
                continue
            kept.append(r)
        has_tombstone = any(r.value is None for r in kept)
        new_horizon = horizon
        if has_tombstone and horizon is None:
            new_horizon = now_ms + delete_retention_ms
        if has_tombstone:
            next_horizon = new_horizon if next_horizon is None else min(next_horizon, new_horizon)
        if len(kept) == len(records) and new_horizon == horizon:
            out.append(entry)
            after += h.size
            continue
        if not kept:
            continue
        batch = build_batch(entry, kept, new_horizon if has_tombstone else None)
        out.append(LogEntry(read_header(batch), batch))
        after += len(batch)
        rewritten += 1
    log.replace_cleaned(out, upper)
    return CleanerStats(read, removed, tombstones, rewritten, before, after), next_horizon


def build_batch(original: LogEntry, records: list[Any], delete_horizon_ms: int | None) -> bytearray:
    """A v2 batch holding `records` in the place of `original`: same base offset, last offset
    delta, epoch, producer and sequence; uncompressed; the delete horizon in the base timestamp
    (with the attribute bit) when given."""
    data = original.data
    h = original.header
    (_bo, _len, leader_epoch, magic, _crc, attributes, last_delta, base_ts, max_ts, pid, pepoch, bseq,
     _count) = _HEADER.unpack_from(data, 0)
    attributes &= ~(COMPRESSION_MASK | DELETE_HORIZON_BIT)
    if delete_horizon_ms is not None:
        attributes |= DELETE_HORIZON_BIT
        base_ts = delete_horizon_ms
    body = bytearray()
    for r in records:
        body += _encode_record(r.offset - h.base_offset, r.timestamp - base_ts, r.key, r.value, r.headers)
    out = bytearray(HEADER_SIZE) + body
    _HEADER.pack_into(out, 0, h.base_offset, len(out) - 12, leader_epoch, magic, 0, attributes, last_delta,
                      base_ts, max_ts, pid, pepoch, bseq, len(records))
    struct.pack_into(">I", out, 17, calc_crc32c(bytes(out[21:])))
    return out


def _encode_record(offset_delta: int, timestamp_delta: int, key: bytes | None, value: bytes | None,
                   headers: list[tuple[str, bytes | None]]) -> bytearray:
    body = bytearray()
    w = body.append
    w(0)                                    # record attributes (unused)
    encode_varint(timestamp_delta, w)
    encode_varint(offset_delta, w)
    for blob in (key, value):
        if blob is None:
            encode_varint(-1, w)
        else:
            encode_varint(len(blob), w)
            body += blob
    encode_varint(len(headers), w)
    for name, hvalue in headers:
        raw = name.encode()
        encode_varint(len(raw), w)
        body += raw
        if hvalue is None:
            encode_varint(-1, w)
        else:
            encode_varint(len(hvalue), w)
            body += hvalue
    out = bytearray()
    encode_varint(len(body), out.append)
    return out + body

