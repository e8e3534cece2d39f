"""One transactional.id's state, as Kafka's TransactionMetadata holds it (KIP-98, KIP-360).

    Empty ──AddPartitions/AddOffsets──► Ongoing ──EndTxn(commit)──► PrepareCommit ──markers──► CompleteCommit
      ▲                                  │  │                                                     │
      │                                  │  └─EndTxn(abort), timeout, fencing─► PrepareAbort ─markers─► CompleteAbort
      └──── InitProducerId (epoch bump) ─┴──────────── next AddPartitions (new transaction) ◄─────────┘

PrepareEpochFence is the passing state of an Ongoing transaction whose producer is being fenced
(InitProducerId from a new instance, or the transaction timed out): the epoch is bumped, then the
transaction is aborted with the new epoch so the old producer can write nothing more. Dead is a
transactional id expired for disuse (not modelled: ids never expire here).

The record lives in the cluster-owned TransactionStateManager, so it outlives any coordinator:
a transaction caught in PrepareCommit/PrepareAbort by a coordinator's stop is finished by the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

TopicPartition = tuple[str, int]
NO_PRODUCER_ID = -1
NO_PRODUCER_EPOCH = -1
MAX_PRODUCER_EPOCH = 32767   # Short.MaxValue


class TransactionState(Enum):
    """A transactional id's state (Kafka's TransactionState); see the diagram above."""

    EMPTY = "Empty"
    ONGOING = "Ongoing"
    PREPARE_COMMIT = "PrepareCommit"
    PREPARE_ABORT = "PrepareAbort"
    COMPLETE_COMMIT = "CompleteCommit"
    COMPLETE_ABORT = "CompleteAbort"
    DEAD = "Dead"
    PREPARE_EPOCH_FENCE = "PrepareEpochFence"


S = TransactionState
# Kafka's TransactionState.validPreviousStates.
VALID_PREVIOUS_STATES: dict[TransactionState, frozenset[TransactionState]] = {
    S.EMPTY: frozenset({S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT}),
    S.ONGOING: frozenset({S.ONGOING, S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT}),
    S.PREPARE_COMMIT: frozenset({S.ONGOING}),
    S.PREPARE_ABORT: frozenset({S.ONGOING, S.PREPARE_EPOCH_FENCE}),
    S.COMPLETE_COMMIT: frozenset({S.PREPARE_COMMIT}),
    S.COMPLETE_ABORT: frozenset({S.PREPARE_ABORT}),
    S.DEAD: frozenset({S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT}),
    S.PREPARE_EPOCH_FENCE: frozenset({S.ONGOING}),
}


class IllegalTransactionTransition(RuntimeError):
    """A state change Kafka's TransactionState.validPreviousStates forbids: a coordinator bug."""


def is_epoch_exhausted(epoch: int) -> bool:
    # Kafka keeps the last epoch free so a fencing bump can never overflow.
    """Whether the epoch is at its limit: the next InitProducerId rotates to a new producer id (KIP-360)."""
    return epoch >= MAX_PRODUCER_EPOCH - 1


@dataclass
class TransactionMetadata:
    """One transactional.id's record in __transaction_state (Kafka's TransactionMetadata)."""

    transactional_id: str
    producer_id: int
    txn_timeout_ms: int
    last_producer_id: int = NO_PRODUCER_ID
    producer_epoch: int = NO_PRODUCER_EPOCH
    # The epoch before the last bump, so a retried InitProducerId (KIP-360) gets the same answer.
    last_producer_epoch: int = NO_PRODUCER_EPOCH
    state: TransactionState = TransactionState.EMPTY
    partitions: set[TopicPartition] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)      # consumer groups whose offsets are in the txn
    txn_start_time: float = -1.0
    txn_last_update_time: float = -1.0
    # Partitions whose marker is still to be written in the current Prepare* phase.
    pending_markers: set[TopicPartition] = field(default_factory=set)
    # The current epoch came from fencing (never handed to a producer): the next bump fences nobody.
    epoch_from_fence: bool = False

    @property
    def is_producer_epoch_exhausted(self) -> bool:
        """Whether the current epoch can no longer be bumped (see `is_epoch_exhausted`)."""
        return is_epoch_exhausted(self.producer_epoch)

    def transition_to(self, target: TransactionState, now: float) -> None:
        """Move to `target`, refusing a transition Kafka's state machine does not allow."""
        if self.state not in VALID_PREVIOUS_STATES[target]:
            raise IllegalTransactionTransition(
                f"transactional id {self.transactional_id}: {self.state.value} -> {target.value}")
        self.state = target
        self.txn_last_update_time = now

    # ---- InitProducerId

    def increment_producer_epoch(self, txn_timeout_ms: int, now: float, last_epoch: int) -> None:
        """`last_epoch` is the epoch a retry may still present: the current one when the producer
        itself asked for the bump (KIP-360), none when a new instance did (it fences the old)."""
        self.last_producer_epoch = last_epoch
        self.producer_epoch += 1
        self._reset_to_empty(txn_timeout_ms, now)

    def rotate_producer_id(self, new_producer_id: int, txn_timeout_ms: int, now: float,
                           record_last_epoch: bool) -> None:
        """Epochs exhausted: carry on under a fresh producer id at epoch 0."""
        self.last_producer_id = self.producer_id
        self.last_producer_epoch = self.producer_epoch if record_last_epoch else NO_PRODUCER_EPOCH
        self.producer_id = new_producer_id
        self.producer_epoch = 0
        self._reset_to_empty(txn_timeout_ms, now)

    def _reset_to_empty(self, txn_timeout_ms: int, now: float) -> None:
        self.epoch_from_fence = False
        self.txn_timeout_ms = txn_timeout_ms
        self.partitions = set()
        self.groups = set()
        self.txn_start_time = -1.0
        self.transition_to(TransactionState.EMPTY, now)

    def fence_producer_epoch(self, now: float) -> None:
        """Bump the epoch of an Ongoing transaction's producer and forget the previous epoch,
        so neither the old producer nor a retry of its InitProducerId can continue it."""
        self.transition_to(TransactionState.PREPARE_EPOCH_FENCE, now)
        self.producer_epoch += 1
        self.last_producer_epoch = NO_PRODUCER_EPOCH
        self.epoch_from_fence = True

    # ---- a transaction

    def add_partitions(self, partitions: set[TopicPartition], now: float) -> bool:
        """Returns True when this starts a new transaction."""
        begins = self.state is not TransactionState.ONGOING
        if begins:
            self.txn_start_time = now
        self.partitions |= partitions
        self.transition_to(TransactionState.ONGOING, now)
        return begins

    def add_group(self, group_id: str, now: float) -> bool:
        """AddOffsetsToTxn: the group's offsets join the transaction; returns True when this starts one."""
        begins = self.state is not TransactionState.ONGOING
        if begins:
            self.txn_start_time = now
        self.groups.add(group_id)
        self.transition_to(TransactionState.ONGOING, now)
        return begins

    def prepare_abort_or_commit(self, commit: bool, now: float) -> None:
        """Decide the outcome (PrepareCommit/PrepareAbort): every partition now awaits its marker."""
        self.transition_to(TransactionState.PREPARE_COMMIT if commit else TransactionState.PREPARE_ABORT, now)
        self.pending_markers = set(self.partitions)

    def complete(self, now: float) -> None:
        """All markers written: CompleteCommit/CompleteAbort, ready for the producer's next transaction."""
        commit = self.state is TransactionState.PREPARE_COMMIT
        self.transition_to(TransactionState.COMPLETE_COMMIT if commit else TransactionState.COMPLETE_ABORT, now)
        self.partitions = set()
        self.groups = set()
        self.pending_markers = set()

    @property
    def is_preparing(self) -> bool:
        """Whether the outcome is decided but markers are still being written (PrepareCommit/PrepareAbort)."""
        return self.state in (TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT)
