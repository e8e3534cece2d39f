"""What Kafka keeps in `__transaction_state`, plus the producer id allocator: one instance per
cluster, reached by every broker's TransactionCoordinator, so transactions outlive the broker that
coordinated them (as if the topic were replicated).

    state = TransactionStateManager(num_partitions=50)
    state.partition_for(transactional_id) -> int     # the coordinator is that partition's leader
    state.get(transactional_id) -> TransactionMetadata | None
    state.put_if_absent(metadata) -> TransactionMetadata
    state.in_partition(partition) -> [TransactionMetadata]
    state.bump_coordinator_epoch(partition) -> int   # a new coordinator was elected for it
    state.producer_ids.generate() -> int            # also for InitProducerId without transactional.id
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from engine.sandbox.coordinator.timer import partition_for
from engine.sandbox.coordinator.transaction.transaction_metadata import TransactionMetadata


@dataclass
class ProducerIdManager:
    """Hands out producer ids, never twice in the cluster's life (Kafka's ProducerIdManager).
    Give it the cluster's own allocator as `source` so idempotent and transactional producers
    draw from one sequence."""
    next_id: int = 1000
    source: Callable[[], int] | None = None

    def generate(self) -> int:
        """The next producer id."""
        if self.source is not None:
            return self.source()
        pid = self.next_id
        self.next_id += 1
        return pid


@dataclass
class TransactionStateManager:
    """The cluster's one copy of __transaction_state (Kafka's TransactionStateManager)."""

    num_partitions: int = 50
    # How an id maps to a partition; Kafka's hash by default. The cluster may pass its own
    # (e.g. the one its FindCoordinator uses) so ownership and FindCoordinator agree.
    partitioner: Callable[[str, int], int] = partition_for
    producer_ids: ProducerIdManager = field(default_factory=ProducerIdManager)
    transactions: dict[str, TransactionMetadata] = field(default_factory=dict)
    coordinator_epochs: dict[int, int] = field(default_factory=dict)

    def partition_for(self, transactional_id: str) -> int:
        """The __transaction_state partition of a transactional id; its leader coordinates it."""
        return self.partitioner(transactional_id, self.num_partitions)

    def get(self, transactional_id: str) -> TransactionMetadata | None:
        """The transactional id's record, if it has one."""
        return self.transactions.get(transactional_id)

    def put_if_absent(self, metadata: TransactionMetadata) -> TransactionMetadata:
        """Store a new record unless one exists; returns the one stored."""
        return self.transactions.setdefault(metadata.transactional_id, metadata)

    def in_partition(self, partition: int) -> list[TransactionMetadata]:
        """The records in one __transaction_state partition (what a newly elected coordinator loads)."""
        return [m for tid, m in sorted(self.transactions.items()) if self.partition_for(tid) == partition]

    def coordinator_epoch(self, partition: int) -> int:
        """The partition's coordinator epoch: bumped per election, carried by markers to fence old coordinators."""
        return self.coordinator_epochs.get(partition, 0)

    def bump_coordinator_epoch(self, partition: int) -> int:
        """A new coordinator was elected for the partition: the next coordinator epoch."""
        self.coordinator_epochs[partition] = self.coordinator_epoch(partition) + 1
        return self.coordinator_epochs[partition]
