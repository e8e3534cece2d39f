"""Record batches (magic v2) read by their headers only: the hot path never decodes records.

Layout (DefaultRecordBatch): baseOffset i64 @0, batchLength i32 @8, partitionLeaderEpoch i32 @12,
magic i8 @16, crc u32 @17, attributes i16 @21, lastOffsetDelta i32 @23, baseTimestamp i64 @27,
maxTimestamp i64 @35, producerId i64 @43, producerEpoch i16 @51, baseSequence i32 @53,
recordCount i32 @57. The CRC covers attributes onwards, so base offset and leader epoch can
be rewritten in place.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import Iterator

from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

HEADER_SIZE = 61
TRANSACTIONAL_BIT = 0x10
CONTROL_BIT = 0x20
NO_PRODUCER_ID = -1

_I64 = struct.Struct(">q")
_I32 = struct.Struct(">i")
_TAIL = struct.Struct(">hiqqqhii")   # attributes .. recordCount, from offset 21


class InvalidRecordBatch(ValueError):
    """Bytes that are not a sequence of well-formed v2 batches."""


@dataclass(frozen=True, slots=True)
class BatchHeader:
    """The fields of a v2 record batch header the broker needs, read without decoding records."""

    position: int          # where the batch starts in the buffer it was read from
    size: int              # whole batch, in bytes
    base_offset: int
    leader_epoch: int
    attributes: int
    last_offset_delta: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    record_count: int
    max_timestamp: int     # the newest record's timestamp (retention.ms, producer expiry)

    @property
    def last_offset(self) -> int:
        """The offset of the batch's last record."""
        return self.base_offset + self.last_offset_delta

    @property
    def last_sequence(self) -> int:
        """The sequence number of the batch's last record (idempotent producers)."""
        return self.base_sequence + self.last_offset_delta

    @property
    def is_transactional(self) -> bool:
        """Whether the batch belongs to a transaction (attributes bit 4): it is held back by the LSO."""
        return bool(self.attributes & TRANSACTIONAL_BIT)

    @property
    def is_control(self) -> bool:
        """Whether this is a control batch (attributes bit 5): a COMMIT or ABORT marker."""
        return bool(self.attributes & CONTROL_BIT)


def read_header(buf: bytes | bytearray | memoryview, pos: int = 0) -> BatchHeader:
    """The header of the batch at `pos`, checked for magic 2 and a plausible length."""
    if len(buf) - pos < HEADER_SIZE:
        raise InvalidRecordBatch("truncated batch header")
    base_offset, = _I64.unpack_from(buf, pos)
    length, epoch = struct.unpack_from(">ii", buf, pos + 8)
    size = length + 12
    if buf[pos + 16] != 2:
        raise InvalidRecordBatch(f"magic {buf[pos + 16]} is not supported (only v2)")
    if size < HEADER_SIZE or pos + size > len(buf):
        raise InvalidRecordBatch("batch length runs past the buffer")
    attrs, delta, _bt, max_ts, pid, pepoch, bseq, count = _TAIL.unpack_from(buf, pos + 21)
    if delta < 0 or count < 0:
        raise InvalidRecordBatch("negative offset delta or record count")
    return BatchHeader(pos, size, base_offset, epoch, attrs, delta, pid, pepoch, bseq, count, max_ts)


def iter_headers(buf: bytes | bytearray | memoryview) -> Iterator[BatchHeader]:
    """The headers of every batch in a produce or fetched buffer, in order."""
    pos = 0
    while pos < len(buf):
        header = read_header(buf, pos)
        yield header
        pos += header.size


def assign_offsets(batch: bytearray, base_offset: int, leader_epoch: int) -> None:
    """Stamp a batch with its log position (both fields lie outside the CRC)."""
    _I64.pack_into(batch, 0, base_offset)
    _I32.pack_into(batch, 12, leader_epoch)


class _ControlBatchBuilder(DefaultRecordBatchBuilder):
    # kafka-python's builder never sets the control bit; add it to the attributes it writes.
    def _get_attributes(self, include_compression_type: bool = True) -> int:
        return super()._get_attributes(include_compression_type) | self.CONTROL_MASK


COMMIT_MARKER = 1
ABORT_MARKER = 0


def control_batch(producer_id: int, producer_epoch: int, commit: bool, coordinator_epoch: int = 0) -> bytearray:
    """An end-transaction marker: key = (version 0, type), value = (version 0, coordinator epoch)."""
    builder = _ControlBatchBuilder(
        magic=2, compression_type=0, is_transactional=True, producer_id=producer_id,
        producer_epoch=producer_epoch, base_sequence=-1, batch_size=1 << 20)
    builder.append(0, timestamp=int(time.time() * 1000),
                   key=struct.pack(">hh", 0, COMMIT_MARKER if commit else ABORT_MARKER),
                   value=struct.pack(">hi", 0, coordinator_epoch), headers=[])
    return bytearray(builder.build())


def control_type(batch: bytes | bytearray | memoryview) -> int:
    """COMMIT_MARKER or ABORT_MARKER for a control batch (its one record's key)."""
    record = next(iter(DefaultRecordBatch(bytes(batch))))
    return struct.unpack(">hh", record.key)[1]
