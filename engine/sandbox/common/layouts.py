"""Hand-written codecs for the data path: the Produce request (v3-9) and the Produce (v3-9) and
Fetch (v4-12) responses.

Every produce and every consumer poll goes through these, so they are read and written straight
from their fixed layouts (the JSON schemas in Kafka's clients/src/main/resources/common/message)
instead of through the generic codec, which builds a container object per field group and copies
every record batch it meets. A Produce request's record batches come out as views of the request
frame (the broker stamps offsets into them in place and keeps them: no copy), and a Fetch body is a
list of buffers: the log's record batches are handed to the socket as they are (a vectored write).

Flexible versions (Produce v9, Fetch v12) use compact strings, arrays and byte fields
(unsigned varint of length + 1, 0 for null) and a tagged-field section after each structure
(written empty: one zero byte; read and skipped); the headers then carry one too. Tests compare
every byte with kafka-python's codec for every version served.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Sequence

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
_ACKS_TIMEOUT = struct.Struct(">hi")


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


class ProducePartitionData:
    """One partition's records in a Produce request: a view of the request frame."""

    __slots__ = ("index", "records")

    def __init__(self, index: int, records: memoryview | None) -> None:
        self.index = index
        self.records = records


class TopicProduceData:
    """One topic's partitions in a Produce request."""

    __slots__ = ("name", "partition_data")

    def __init__(self, name: str, partition_data: list[ProducePartitionData]) -> None:
        self.name = name
        self.partition_data = partition_data


class RequestHeaderFields:
    """The variable part of a request header the broker reports (the client id)."""

    __slots__ = ("client_id",)

    def __init__(self, client_id: str | None) -> None:
        self.client_id = client_id


class ProduceRequest:
    """A decoded Produce request, with the field names of kafka-python's ProduceRequest."""

    __slots__ = ("header", "transactional_id", "acks", "timeout_ms", "topic_data")

    def __init__(self, header: RequestHeaderFields, transactional_id: str | None, acks: int, timeout_ms: int,
                 topic_data: list[TopicProduceData]) -> None:
        self.header = header
        self.transactional_id = transactional_id
        self.acks = acks
        self.timeout_ms = timeout_ms
        self.topic_data = topic_data


class _Reader:
    """A cursor over a request frame; raises ValueError when a field runs past its end."""

    __slots__ = ("view", "pos", "flexible")

    def __init__(self, frame: Buffer, pos: int, flexible: bool) -> None:
        self.view = memoryview(frame)
        self.pos = pos
        self.flexible = flexible

    def take(self, size: int) -> memoryview:
        end = self.pos + size
        if size < 0 or end > len(self.view):
            raise ValueError(f"a field of {size} bytes runs past the end of the request")
        out = self.view[self.pos:end]
        self.pos = end
        return out

    def unpack(self, layout: struct.Struct) -> tuple[Any, ...]:
        return layout.unpack(self.take(layout.size))

    def uvarint(self) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 35:
                raise ValueError("a varint longer than 5 bytes")

    def length(self, classic: struct.Struct) -> int:
        """A string, bytes or array length (-1: null), compact in flexible versions."""
        return self.uvarint() - 1 if self.flexible else self.unpack(classic)[0]

    def string(self, flexible: bool | None = None) -> str | None:
        size = (self.uvarint() - 1) if (self.flexible if flexible is None else flexible) else self.unpack(_I16)[0]
        return None if size < 0 else str(self.take(size), "utf-8")

    def skip_tags(self) -> None:
        if self.flexible:
            for _ in range(self.uvarint()):
                self.uvarint()                  # tag
                self.take(self.uvarint())       # its value


def decode_produce_request(frame: Buffer, version: int) -> ProduceRequest:
    """A Produce request v3-9 (header included), its record batches left in place in `frame`.

    Header: api key, version, correlation id, client id (always a classic nullable string), then
    tags in flexible versions; body: transactional id, acks, timeout, and per topic, per partition
    the index and the records (nullable bytes)."""
    _check("Produce", version, PRODUCE_VERSIONS)
    flexible = version >= PRODUCE_FLEXIBLE
    r = _Reader(frame, 8, flexible)
    header = RequestHeaderFields(r.string(flexible=False))
    r.skip_tags()
    transactional_id = r.string()
    acks, timeout_ms = r.unpack(_ACKS_TIMEOUT)
    topics = []
    for _ in range(max(r.length(_I32), 0)):
        name = r.string()
        partitions = []
        for _ in range(max(r.length(_I32), 0)):
            index, = r.unpack(_I32)
            size = r.length(_I32)
            partitions.append(ProducePartitionData(index, None if size < 0 else r.take(size)))
            r.skip_tags()
        r.skip_tags()
        topics.append(TopicProduceData(name or "", partitions))
    r.skip_tags()
    return ProduceRequest(header, transactional_id, acks, timeout_ms, topics)


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
