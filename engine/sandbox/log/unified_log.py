"""A partition replica's log (Kafka's UnifiedLog, in memory): batches with offsets and epochs.

Batches are kept as the bytes the producer sent, stamped with their base offset and leader
epoch. `_last_offsets` is the offset index: reads bisect it instead of scanning. The leader
epoch cache (KIP-101) maps each epoch to its first offset, for OffsetForLeaderEpoch and for
truncating a returning replica to its new leader.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from engine.sandbox.common.records import BatchHeader, assign_offsets, read_header

UNDEFINED_EPOCH = -1
UNDEFINED_OFFSET = -1


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One record batch in the log, kept as the bytes a Fetch returns."""

    header: BatchHeader    # as stamped in the log (base offset, leader epoch)
    data: bytearray


class Log:
    """One replica's partition log (Kafka's UnifiedLog): batches, offset index and leader-epoch cache."""

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._last_offsets: list[int] = []            # offset index, parallel to _entries
        self.log_end_offset = 0
        self.log_start_offset = 0
        self._epochs: list[tuple[int, int]] = []      # (leader epoch, start offset), ascending

    # --- writes ---------------------------------------------------------------
    def append_as_leader(self, batch: bytearray, header: BatchHeader, leader_epoch: int) -> BatchHeader:
        """Give a validated batch the next offsets; returns its header as stored."""
        assign_offsets(batch, self.log_end_offset, leader_epoch)
        return self._append(batch, read_header(batch))

    def append_as_follower(self, batch: bytearray) -> BatchHeader:
        """Copy a leader's batch unchanged (its offsets and epoch are already set)."""
        return self._append(batch, read_header(batch))

    def _append(self, batch: bytearray, header: BatchHeader) -> BatchHeader:
        self._entries.append(LogEntry(header, batch))
        self._last_offsets.append(header.last_offset)
        self.log_end_offset = header.last_offset + 1
        if not self._epochs or header.leader_epoch > self._epochs[-1][0]:
            self._epochs.append((header.leader_epoch, header.base_offset))
        return header

    def assign_epoch_start(self, epoch: int) -> None:
        """A new leader records where its epoch starts (before it appends anything)."""
        if not self._epochs or epoch > self._epochs[-1][0]:
            self._epochs.append((epoch, self.log_end_offset))

    def truncate_to(self, offset: int) -> int:
        """Drop every batch ending at or after `offset`; returns how many records went."""
        keep = bisect.bisect_left(self._last_offsets, offset)
        if keep >= len(self._entries):
            return 0
        new_end = self._entries[keep].header.base_offset
        removed = self.log_end_offset - new_end
        del self._entries[keep:]
        del self._last_offsets[keep:]
        self.log_end_offset = new_end
        self._epochs = [(e, s) for e, s in self._epochs if s < new_end] or self._epochs[:0]
        return removed

    def replace_cleaned(self, entries: list[LogEntry], upto: int) -> None:
        """The log cleaner's swap: the batches ending below `upto` become `entries` (the same
        offsets, fewer records). Log start and end offsets and the epoch cache do not change."""
        keep = bisect.bisect_left(self._last_offsets, upto)
        self._entries[:keep] = entries
        self._last_offsets[:keep] = [e.header.last_offset for e in entries]

    # --- reads ----------------------------------------------------------------
    def read(self, offset: int, max_bytes: int, upper_bound: int) -> list[LogEntry]:
        """Batches holding `offset` and after, below `upper_bound`, up to about max_bytes.

        The first batch is returned even if it is larger than max_bytes (as Kafka does), so
        a consumer always makes progress.
        """
        index = bisect.bisect_left(self._last_offsets, offset)
        out: list[LogEntry] = []
        size = 0
        entries = self._entries
        while index < len(entries):
            entry = entries[index]
            if entry.header.base_offset >= upper_bound:
                break
            if out and size + entry.header.size > max_bytes:
                break
            out.append(entry)
            size += entry.header.size
            index += 1
        return out

    def entries(self) -> list[LogEntry]:
        """Every batch in the log, oldest first (to rebuild producer state after a truncation)."""
        return list(self._entries)

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
