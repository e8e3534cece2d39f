"""A partition replica's log (Kafka's UnifiedLog, in memory): segments of batches with offsets and epochs.

Batches are kept as the bytes the producer sent, stamped with their base offset and leader
epoch, and never changed after they are appended: replicas of a partition in this process share
one copy, and Fetch serves those bytes as they are. The log is split into segments
(`segment.bytes`), each with its own offset index (`last_offsets`: reads bisect it instead of
scanning). Retention (`delete_old_segments`, run every log.retention.check.interval.ms) deletes
whole oldest segments by size (`retention.bytes`) or age (`retention.ms`), never the active one
and never at or above the high watermark, and moves the log start offset: a read below it is
out of range. The leader epoch cache (KIP-101) maps each epoch to its first offset, for
OffsetForLeaderEpoch and for truncating a returning replica to its new leader.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable

from engine.sandbox.common.records import BatchHeader, assign_offsets, read_header
from engine.sandbox.log.log_config import LogConfig

UNDEFINED_EPOCH = -1
UNDEFINED_OFFSET = -1
NO_TIMESTAMP = -1


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One record batch in the log, kept as the bytes a Fetch returns (never mutated once appended)."""

    header: BatchHeader    # as stamped in the log (base offset, leader epoch)
    # Its own bytes, or a view of the Produce request it arrived in (kept alive by the view).
    data: bytes | bytearray | memoryview


class LogSegment:
    """A run of consecutive batches starting at `base_offset` (Kafka's LogSegment) with its offset index."""

    __slots__ = ("base_offset", "entries", "last_offsets", "size", "largest_timestamp")

    def __init__(self, base_offset: int) -> None:
        self.base_offset = base_offset
        self.entries: list[LogEntry] = []
        self.last_offsets: list[int] = []        # offset index, parallel to entries
        self.size = 0                            # bytes of record batches
        self.largest_timestamp = NO_TIMESTAMP    # newest record timestamp, for retention.ms

    def append(self, entry: LogEntry) -> None:
        """Add a batch at the segment's end."""
        header = entry.header
        self.entries.append(entry)
        self.last_offsets.append(header.last_offset)
        self.size += header.size
        if header.max_timestamp > self.largest_timestamp:
            self.largest_timestamp = header.max_timestamp

    def truncate(self, keep: int) -> None:
        """Keep only the first `keep` batches (recomputing size and newest timestamp)."""
        del self.entries[keep:]
        del self.last_offsets[keep:]
        self.size = sum(e.header.size for e in self.entries)
        self.largest_timestamp = max((e.header.max_timestamp for e in self.entries), default=NO_TIMESTAMP)


@dataclass(frozen=True)
class SegmentDeletion:
    """What one retention pass did: how many segments went, why, and the new log start offset."""

    segments: int
    records: int
    bytes: int
    reason: str
    log_start_offset: int


class Log:
    """One replica's partition log (Kafka's UnifiedLog): segments, offset indexes and leader-epoch cache."""

    def __init__(self, config: LogConfig | None = None) -> None:
        self.config = config or LogConfig()
        self._segments: list[LogSegment] = [LogSegment(0)]
        self._bases: list[int] = [0]                  # segment base offsets, for bisect
        self._size = 0
        self.log_end_offset = 0
        self.log_start_offset = 0
        self._epochs: list[tuple[int, int]] = []      # (leader epoch, start offset), ascending

    # --- size -------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Bytes of record batches in the log (what retention.bytes limits)."""
        return self._size

    @property
    def segment_count(self) -> int:
        """How many segments the log has (the last one is the active segment)."""
        return len(self._segments)

    # --- writes ---------------------------------------------------------------
    def append_as_leader(self, batch: bytearray | memoryview, header: BatchHeader, leader_epoch: int) -> BatchHeader:
        """Give a validated batch the next offsets; returns its header as stored."""
        assign_offsets(batch, self.log_end_offset, leader_epoch)
        return self._append(batch, read_header(batch))

    def append_as_follower(self, entry: LogEntry) -> BatchHeader:
        """Append a leader's batch unchanged (its offsets and epoch are already set); the bytes are
        shared with the leader's log, as neither ever changes them."""
        return self._append(entry.data, entry.header)

    def _append(self, batch: bytes | bytearray | memoryview, header: BatchHeader) -> BatchHeader:
        self._place(LogEntry(header, batch))
        self.log_end_offset = header.last_offset + 1
        if not self._epochs or header.leader_epoch > self._epochs[-1][0]:
            self._epochs.append((header.leader_epoch, header.base_offset))
        return header

    def _place(self, entry: LogEntry) -> None:
        # Into the active segment, or a new one when it would grow past segment.bytes.
        active = self._segments[-1]
        if active.entries and active.size + entry.header.size > self.config.segment_bytes:
            active = self._roll(entry.header.base_offset)
        active.append(entry)
        self._size += entry.header.size

    def _roll(self, base_offset: int) -> LogSegment:
        segment = LogSegment(base_offset)
        self._segments.append(segment)
        self._bases.append(base_offset)
        return segment

    def assign_epoch_start(self, epoch: int) -> None:
        """A new leader records where its epoch starts (before it appends anything)."""
        if not self._epochs or epoch > self._epochs[-1][0]:
            self._epochs.append((epoch, self.log_end_offset))

    def truncate_to(self, offset: int) -> int:
        """Drop every batch ending at or after `offset`; returns how many records went."""
        segments = self._segments
        while len(segments) > 1 and segments[-1].base_offset >= offset:
            self._size -= segments.pop().size
            self._bases.pop()
        active = segments[-1]
        keep = bisect.bisect_left(active.last_offsets, offset)
        if keep < len(active.entries):
            new_end = active.entries[keep].header.base_offset
            self._size -= active.size
            active.truncate(keep)
            self._size += active.size
        elif active.entries:
            new_end = active.entries[-1].header.last_offset + 1
        else:
            new_end = min(self.log_end_offset, max(offset, active.base_offset))
        if new_end >= self.log_end_offset:
            return 0
        removed = self.log_end_offset - new_end
        self.log_end_offset = new_end
        if not active.entries:
            active.base_offset = self._bases[-1] = new_end
        self.log_start_offset = min(self.log_start_offset, new_end)
        self._epochs = [(e, s) for e, s in self._epochs if s < new_end] or self._epochs[:0]
        return removed

    def replace_cleaned(self, entries: list[LogEntry], upto: int) -> None:
        """The log cleaner's swap: the batches ending below `upto` become `entries` (the same
        offsets, fewer records), and the segments are rebuilt around them (Kafka's cleaner also
        regroups the segments it cleans). Log start and end offsets and the epoch cache do not change."""
        rest = [e for segment in self._segments for e in segment.entries if e.header.last_offset >= upto]
        first = self._segments[0].base_offset
        self._segments = [LogSegment(first)]
        self._bases = [first]
        self._size = 0
        for entry in [*entries, *rest]:
            self._place(entry)

    def truncate_fully_and_start_at(self, offset: int) -> None:
        """Empty the log and start it at `offset` (a follower whose log ends below its leader's
        log start offset: what it is missing is gone, so it starts where the leader's log does)."""
        self._segments = [LogSegment(offset)]
        self._bases = [offset]
        self._size = 0
        self.log_end_offset = self.log_start_offset = offset
        self._epochs = []

    # --- retention ------------------------------------------------------------
    def delete_old_segments(self, now_ms: int, high_watermark: int) -> list[SegmentDeletion]:
        """One retention pass, in Kafka's order: segments older than retention.ms, then the
        oldest while the log exceeds retention.bytes, then those wholly below the log start offset.
        Returns what was deleted (empty if nothing)."""
        done = []
        config = self.config
        if config.retention_ms >= 0:
            limit = config.retention_ms
            deletion = self._delete_prefix(lambda s: now_ms - s.largest_timestamp > limit,
                                           high_watermark, f"retention.ms={limit}")
            if deletion:
                done.append(deletion)
        if 0 <= config.retention_bytes <= self._size:
            excess = [self._size - config.retention_bytes]

            def over_size(segment: LogSegment) -> bool:
                if excess[0] - segment.size < 0:
                    return False
                excess[0] -= segment.size
                return True
            deletion = self._delete_prefix(over_size, high_watermark, f"retention.bytes={config.retention_bytes}")
            if deletion:
                done.append(deletion)
        start = self.log_start_offset
        deletion = self._delete_prefix(lambda s: self._next_base(s) <= start, high_watermark,
                                       f"log start offset {start}")
        if deletion:
            done.append(deletion)
        return done

    def maybe_increment_log_start_offset(self, offset: int) -> bool:
        """Move the log start offset up to `offset` (a follower adopting its leader's); the
        segments wholly below it go at the next retention pass. Returns whether it moved."""
        offset = min(offset, self.log_end_offset)
        if offset <= self.log_start_offset:
            return False
        self.log_start_offset = offset
        self._truncate_epochs_from_start(offset)
        return True

    def _next_base(self, segment: LogSegment) -> int:
        index = bisect.bisect_left(self._bases, segment.base_offset) + 1
        return self._bases[index] if index < len(self._bases) else self.log_end_offset

    def _delete_prefix(self, deletable: Callable[[LogSegment], bool], high_watermark: int,
                       reason: str) -> SegmentDeletion | None:
        # Oldest first, stopping at the first segment to keep; never the active segment, and
        # never one whose records reach the high watermark (the log start never passes it).
        segments = self._segments
        count = 0
        while count < len(segments) - 1 and segments[count + 1].base_offset <= high_watermark \
                and deletable(segments[count]):
            count += 1
        if not count:
            return None
        gone = segments[:count]
        del segments[:count]
        del self._bases[:count]
        size = sum(s.size for s in gone)
        self._size -= size
        new_start = max(self.log_start_offset, segments[0].base_offset)
        records = new_start - max(self.log_start_offset, gone[0].base_offset)
        self.log_start_offset = new_start
        self._truncate_epochs_from_start(new_start)
        return SegmentDeletion(count, records, size, reason, new_start)

    def _truncate_epochs_from_start(self, offset: int) -> None:
        # Kafka's LeaderEpochFileCache.truncateFromStart: epochs that began below the new log
        # start collapse into the latest of them, which now starts at the log start.
        below = [(e, s) for e, s in self._epochs if s < offset]
        if below:
            rest = [(e, s) for e, s in self._epochs if s >= offset]
            if not rest or rest[0][1] > offset:
                rest.insert(0, (below[-1][0], offset))
            self._epochs = rest

    # --- reads ----------------------------------------------------------------
    def read(self, offset: int, max_bytes: int, upper_bound: int) -> list[LogEntry]:
        """Batches holding `offset` and after, below `upper_bound`, up to about max_bytes.

        The first batch is returned even if it is larger than max_bytes (as Kafka does), so
        a consumer always makes progress.
        """
        segments = self._segments
        index = max(bisect.bisect_right(self._bases, offset) - 1, 0)
        out: list[LogEntry] = []
        size = 0
        while index < len(segments):
            segment = segments[index]
            entries = segment.entries
            i = bisect.bisect_left(segment.last_offsets, offset)
            n = len(entries)
            while i < n:
                entry = entries[i]
                header = entry.header
                if header.base_offset >= upper_bound or (out and size + header.size > max_bytes):
                    return out
                out.append(entry)
                size += header.size
                i += 1
            index += 1
        return out

    def entries(self) -> list[LogEntry]:
        """Every batch in the log, oldest first (to rebuild producer state after a truncation)."""
        return [entry for segment in self._segments for entry in segment.entries]

    # --- leader epochs ----------------------------------------------------------
    @property
    def latest_epoch(self) -> int:
        """The newest leader epoch in the epoch cache (-1 while empty)."""
        return self._epochs[-1][0] if self._epochs else UNDEFINED_EPOCH

    def end_offset_for_epoch(self, epoch: int) -> tuple[int, int]:
        """(largest epoch <= `epoch`, the offset where it ended), as OffsetForLeaderEpoch answers."""
        if not self._epochs or epoch < self._epochs[0][0]:
            return UNDEFINED_EPOCH, UNDEFINED_OFFSET
        if epoch >= self._epochs[-1][0]:
            return self._epochs[-1][0], self.log_end_offset
        starts = [e for e, _ in self._epochs]
        i = bisect.bisect_right(starts, epoch) - 1
        return self._epochs[i][0], self._epochs[i + 1][1]
