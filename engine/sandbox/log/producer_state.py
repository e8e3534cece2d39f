"""Per-partition producer state (Kafka's ProducerStateManager), idempotence per KIP-98/KIP-360.

For every producer id: its epoch, last sequence and the last 5 batches appended. A batch whose
sequence range is one of those 5 (same epoch) is a duplicate: Kafka answers with the original
offset and writes nothing. Otherwise, as Kafka 3.x's ProducerAppendInfo checks it:
- an epoch older than the known one: INVALID_PRODUCER_EPOCH;
- a new epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER, or
  UNKNOWN_PRODUCER_ID when the broker has no record of the producer at all;
- the same epoch must continue at last sequence + 1, else OUT_OF_ORDER_SEQUENCE_NUMBER.
DUPLICATE_SEQUENCE_NUMBER is defined in errors.py but, like modern Kafka, never returned.

It also tracks transactions from the batches themselves (so followers agree): the first offset
of each producer's open transaction (for the last stable offset) and the aborted ranges (for
read_committed Fetch). The transaction coordinator only writes markers; this module reacts.

State does not grow with time: aborted ranges below the log start offset go with the segments
retention deletes (`truncate_head`), and a producer id with no open transaction whose last batch
is older than producer.id.expiration.ms is forgotten (`remove_expired_producers`), as in Kafka.
Producers are otherwise kept past retention (KIP-360), so an idle producer is not fenced early.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.records import ABORT_MARKER, BatchHeader, control_type

WINDOW = 5
NO_EPOCH = -1
INT32_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class BatchMetadata:
    """One of a producer's last five batches: its sequence range and offset, for spotting a retried duplicate."""

    first_seq: int
    last_seq: int
    base_offset: int


@dataclass(slots=True)
class ProducerEntry:
    """What a partition knows of one producer id: its current epoch and its last five batches."""

    epoch: int = NO_EPOCH
    batches: deque[BatchMetadata] = field(default_factory=lambda: deque(maxlen=WINDOW))
    last_timestamp: int = -1     # newest batch timestamp (ms), for producer.id.expiration.ms

    @property
    def last_seq(self) -> int:
        """The sequence number of the producer's last record here (-1 before any)."""
        return self.batches[-1].last_seq if self.batches else -1


@dataclass(frozen=True, slots=True)
class AbortedTxn:
    """An aborted transaction's offset range, returned by read_committed Fetch so consumers skip it."""

    producer_id: int
    first_offset: int
    last_offset: int       # the abort marker's offset


@dataclass(frozen=True, slots=True)
class Verdict:
    """The idempotence check of one batch: accept, refuse with an error, or a duplicate of an earlier batch."""

    error: Errors = Errors.NONE
    duplicate_of: int | None = None      # base offset of the original batch


class ProducerStateManager:
    """One partition's producer state (Kafka's ProducerStateManager); see the module docstring."""

    def __init__(self) -> None:
        self.producers: dict[int, ProducerEntry] = {}
        self.ongoing: dict[int, int] = {}            # producer id -> first offset of open txn
        self.aborted: list[AbortedTxn] = []

    def check(self, h: BatchHeader) -> Verdict:
        """Validate a client's batch before it is appended (leader side)."""
        if h.producer_id < 0:
            return Verdict()
        entry = self.producers.get(h.producer_id)
        if entry is not None and h.producer_epoch < entry.epoch:
            return Verdict(Errors.INVALID_PRODUCER_EPOCH)
        if entry is not None and h.producer_epoch == entry.epoch:
            for meta in entry.batches:
                if meta.first_seq == h.base_sequence and meta.last_seq == h.last_sequence:
                    return Verdict(duplicate_of=meta.base_offset)
        if h.base_sequence < 0:     # idempotent producers always send a sequence
            return Verdict(Errors.INVALID_REQUEST) if h.is_control else Verdict()
        if entry is None or h.producer_epoch != entry.epoch:
            if h.base_sequence != 0:
                known = entry is not None and entry.epoch != NO_EPOCH
                return Verdict(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER if known else Errors.UNKNOWN_PRODUCER_ID)
            return Verdict()
        last = entry.last_seq
        if h.base_sequence != last + 1 and not (h.base_sequence == 0 and last == INT32_MAX):
            return Verdict(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER)
        return Verdict()

    def on_append(self, h: BatchHeader, data: bytes | bytearray) -> None:
        """Update state from a batch now in the log (leader or follower)."""
        pid = h.producer_id
        if pid < 0:
            return
        if h.is_control:
            first = self.ongoing.pop(pid, None)
            if first is not None and control_type(data) == ABORT_MARKER:
                self.aborted.append(AbortedTxn(pid, first, h.base_offset))
            entry = self.producers.get(pid)
            if entry is None or h.producer_epoch > entry.epoch:
                # A marker at a bumped epoch (fencing abort) fences the old epoch here too; the
                # new epoch starts at sequence 0.
                entry = self.producers[pid] = ProducerEntry(epoch=h.producer_epoch)
            entry.last_timestamp = max(entry.last_timestamp, h.max_timestamp)
            return
        entry = self.producers.get(pid)
        if entry is None or entry.epoch != h.producer_epoch:
            entry = self.producers[pid] = ProducerEntry(epoch=h.producer_epoch)
        if h.max_timestamp > entry.last_timestamp:
            entry.last_timestamp = h.max_timestamp
        if h.base_sequence >= 0:
            entry.batches.append(BatchMetadata(h.base_sequence, h.last_sequence, h.base_offset))
        if h.is_transactional and pid not in self.ongoing:
            self.ongoing[pid] = h.base_offset

    def truncate_head(self, log_start_offset: int) -> None:
        """Retention moved the log start: aborted ranges wholly below it went with their segments."""
        if self.aborted and self.aborted[0].last_offset < log_start_offset:
            self.aborted = [a for a in self.aborted if a.last_offset >= log_start_offset]

    def remove_expired_producers(self, now_ms: int, expiration_ms: int) -> list[int]:
        """Forget producer ids with no open transaction whose last batch is at least
        producer.id.expiration.ms old (Kafka's removeExpiredProducers); returns their ids."""
        expired = [pid for pid, entry in self.producers.items()
                   if pid not in self.ongoing and now_ms - entry.last_timestamp >= expiration_ms]
        for pid in expired:
            del self.producers[pid]
        return expired

    def first_unstable_offset(self) -> int | None:
        """The first offset of the oldest open transaction here (None if none): caps the LSO."""
        return min(self.ongoing.values()) if self.ongoing else None

    def aborted_since(self, fetch_offset: int, upper_bound: int) -> list[AbortedTxn]:
        """Aborted transactions overlapping [fetch_offset, upper_bound)."""
        return [a for a in self.aborted if a.last_offset >= fetch_offset and a.first_offset < upper_bound]
