"""Hand-written encoders for the two responses on the data path: Produce (v3-9) and Fetch (v4-12).

Every produce is answered with a ProduceResponse and every consumer poll with a FetchResponse,
so they are written straight from their fixed layouts (the JSON schemas in Kafka's
clients/src/main/resources/common/message) instead of through the generic codec, which builds a
container object per partition and copies every fetched record batch into one encode buffer.
A Fetch body here is a list of buffers: the log's record batches are handed to the socket as
they are (a vectored write), never joined or copied in Python.

Flexible versions (Produce v9, Fetch v12) use compact strings, arrays and byte fields
(unsigned varint of length + 1, 0 for null) and an empty tagged-field section (one zero byte)
after each structure; the response header then carries one too. Tests compare every byte with
kafka-python's codec for every version served.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Sequence

Buffer = bytes | bytearray | memoryview

PRODUCE_VERSIONS = (3, 9)
FETCH_VERSIONS = (4, 12)
PRODUCE_FLEXIBLE = 9
FETCH_FLEXIBLE = 12

_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_HEADER = struct.Struct(">ii")        # frame size, correlation id
_NO_TAGS = b"\x00"
_PRODUCE_PARTITION = struct.Struct(">ihqq")     # index, error, base offset, log append time
_FETCH_PARTITION = struct.Struct(">ihqqq")      # index, error, high watermark, LSO, log start offset
_ABORTED = struct.Struct(">qq")                 # producer id, first offset


@dataclass(slots=True)
class EncodedBody:
    """A response body already in wire form: buffers to write in order, their total size, whether
    the response header is the flexible one, and the non-zero error codes inside (for events)."""

    chunks: list[Buffer]
    size: int
    flexible: bool
    errors: set[int] = field(default_factory=set)

    def framed(self, correlation_id: int) -> list[Buffer]:
        """The whole response frame: size prefix, header (correlation id, tags if flexible), body."""
        header_size = 5 if self.flexible else 4
        head = _HEADER.pack(header_size + self.size, correlation_id)
        return [head + _NO_TAGS if self.flexible else head, *self.chunks]


@dataclass(frozen=True, slots=True)
class ProducePartition:
    """One partition's produce outcome (PartitionProduceResponse)."""

    index: int
    error: int
    base_offset: int
    log_start_offset: int
    record_errors: Sequence[tuple[int, str | None]] = ()   # (batch index, message), v8+
    error_message: str | None = None                       # v8+


@dataclass(frozen=True, slots=True)
class FetchPartition:
    """One partition's fetch answer (FetchResponse PartitionData): its offsets, the aborted
    transactions (None unless read_committed) and the record batches, as stored."""

    index: int
    error: int
    high_watermark: int
    last_stable_offset: int
    log_start_offset: int
    aborted: Sequence[tuple[int, int]] | None      # (producer id, first offset)
    records: Sequence[Buffer]


def uvarint(value: int) -> bytes:
    """An unsigned varint (the compact formats' lengths and counts)."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _string(text: str | None, flexible: bool) -> bytes:
    if text is None:
        return b"\x00" if flexible else b"\xff\xff"
    data = text.encode()
    return (uvarint(len(data) + 1) if flexible else _I16.pack(len(data))) + data


def _count(n: int | None, flexible: bool) -> bytes:
    if n is None:
        return b"\x00" if flexible else b"\xff\xff\xff\xff"
    return uvarint(n + 1) if flexible else _I32.pack(n)


def _check(name: str, version: int, served: tuple[int, int]) -> None:
    if not served[0] <= version <= served[1]:
        raise ValueError(f"{name} response v{version} has no hand-written layout (v{served[0]}-v{served[1]})")


def produce_response(version: int, topics: Sequence[tuple[str, Sequence[ProducePartition]]]) -> EncodedBody:
    """ProduceResponse v3-9: per topic, per partition the error, base offset, log append time (-1:
    CreateTime), log start offset (v5+), record errors and message (v8+); throttle time last."""
    _check("Produce", version, PRODUCE_VERSIONS)
    flexible = version >= PRODUCE_FLEXIBLE
    out = bytearray(_count(len(topics), flexible))
    errors: set[int] = set()
    for name, partitions in topics:
        out += _string(name, flexible)
        out += _count(len(partitions), flexible)
        for p in partitions:
            if p.error:
                errors.add(p.error)
            out += _PRODUCE_PARTITION.pack(p.index, p.error, p.base_offset, -1)
            if version >= 5:
                out += p.log_start_offset.to_bytes(8, "big", signed=True)
            if version >= 8:
                out += _count(len(p.record_errors), flexible)
                for batch_index, message in p.record_errors:
                    out += _I32.pack(batch_index) + _string(message, flexible)
                    if flexible:
                        out += _NO_TAGS
                out += _string(p.error_message, flexible)
            if flexible:
                out += _NO_TAGS
        if flexible:
            out += _NO_TAGS
    out += _I32.pack(0)       # throttle_time_ms
    if flexible:
        out += _NO_TAGS
    return EncodedBody([out], len(out), flexible, errors)


def fetch_response(version: int, topics: Sequence[tuple[str, Sequence[FetchPartition]]]) -> EncodedBody:
    """FetchResponse v4-12 (no session): throttle time, error and session id (v7+), then per topic,
    per partition the offsets, aborted transactions, preferred read replica (v11+, -1) and the
    records, which go out as the log's own buffers."""
    _check("Fetch", version, FETCH_VERSIONS)
    flexible = version >= FETCH_FLEXIBLE
    chunks: list[Buffer] = []
    out = bytearray(_I32.pack(0))     # throttle_time_ms
    if version >= 7:
        out += b"\x00\x00\x00\x00\x00\x00"     # error_code 0, session_id 0
    out += _count(len(topics), flexible)
    size = 0
    errors: set[int] = set()
    for name, partitions in topics:
        out += _string(name, flexible)
        out += _count(len(partitions), flexible)
        for p in partitions:
            if p.error:
                errors.add(p.error)
            packed = _FETCH_PARTITION.pack(p.index, p.error, p.high_watermark, p.last_stable_offset,
                                           p.log_start_offset)
            out += packed if version >= 5 else packed[:-8]
            if p.aborted is None:
                out += _count(None, flexible)
            else:
                out += _count(len(p.aborted), flexible)
                for producer_id, first_offset in p.aborted:
                    out += _ABORTED.pack(producer_id, first_offset)
                    if flexible:
                        out += _NO_TAGS
            if version >= 11:
                out += b"\xff\xff\xff\xff"     # preferred_read_replica -1: read from the leader
            records = sum(len(r) for r in p.records)
            out += uvarint(records + 1) if flexible else _I32.pack(records)
            if records:
                chunks.append(out)
                size += len(out)
                chunks.extend(p.records)
                size += records
                out = bytearray()
            if flexible:
                out += _NO_TAGS
        if flexible:
            out += _NO_TAGS
    if flexible:
        out += _NO_TAGS
    chunks.append(out)
    size += len(out)
    return EncodedBody(chunks, size, flexible, errors)
