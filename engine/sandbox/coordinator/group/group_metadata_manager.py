"""What Kafka keeps in `__consumer_offsets`: committed offsets, transactional offsets not yet
committed, and each group's last stored membership. The cluster owns one instance and every
broker's GroupCoordinator reaches it, so a coordinator's broker can stop without losing any of
it (as if the topic were replicated): the next coordinator loads the groups of the partitions
it is elected for.

API (plain values in, plain values out):
    manager = GroupMetadataManager(num_partitions=50)
    manager.partition_for(group_id) -> int                  # which coordinator owns a group
    manager.store_offsets(group_id, {(topic, p): OffsetAndMetadata}) -> None
    manager.store_txn_offsets(group_id, producer_id, producer_epoch, offsets) -> Errors
    manager.complete_txn_offsets(producer_id, producer_epoch, group_ids, commit) -> None
    manager.get_offsets(group_id, partitions | None, require_stable) -> {tp: PartitionOffset}
    manager.committed(group_id) -> {tp: OffsetAndMetadata}
    manager.has_pending_txn_offsets(group_id, tp) -> bool
    manager.delete_group(group_id) -> None                   # DeleteGroups: its tombstones
    manager.delete_topic_offsets(topic) -> None              # a deleted topic's offsets go too
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

from engine.sandbox.coordinator.timer import partition_for
from engine.sandbox.common.errors import Errors

TopicPartition = tuple[str, int]
INVALID_OFFSET = -1
NO_LEADER_EPOCH = -1


@dataclass(frozen=True)
class OffsetAndMetadata:
    """A committed offset as the offsets log stores it: the next offset to consume, its leader epoch, metadata."""

    offset: int
    leader_epoch: int = NO_LEADER_EPOCH
    metadata: str = ""
    commit_timestamp: float = 0.0
    # Position of the record in the offsets "log": when a transactional commit completes, it
    # only replaces an offset written before it (Kafka's CommitRecordMetadataAndOffset.olderThan).
    append_seq: int = 0


@dataclass(frozen=True)
class PartitionOffset:
    """One partition in an OffsetFetch answer."""
    offset: int
    leader_epoch: int
    metadata: str
    error: Errors = Errors.NONE


@dataclass(frozen=True)
class StoredMember:
    """A member as the group record in __consumer_offsets keeps it, so a new coordinator can reload it."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    rebalance_timeout_ms: int
    session_timeout_ms: int
    protocol_type: str
    supported_protocols: tuple[tuple[str, bytes], ...]
    assignment: bytes


@dataclass(frozen=True)
class StoredGroup:
    """The group record Kafka writes when a generation's assignment is stored (or it empties)."""
    group_id: str
    generation_id: int
    protocol_type: str | None
    protocol_name: str | None
    leader_id: str | None
    members: tuple[StoredMember, ...]


@dataclass
class GroupMetadataManager:
    """The cluster's one copy of __consumer_offsets (Kafka's GroupMetadataManager); see the module docstring."""

    num_partitions: int = 50
    # How an id maps to a partition; Kafka's hash by default. The cluster may pass its own
    # (e.g. the one its FindCoordinator uses) so ownership and FindCoordinator agree.
    partitioner: Callable[[str, int], int] = partition_for
    offsets: dict[str, dict[TopicPartition, OffsetAndMetadata]] = field(default_factory=dict)
    # group -> producer id -> partition -> offset, until that producer's transaction ends.
    pending_txn_offsets: dict[str, dict[int, dict[TopicPartition, OffsetAndMetadata]]] = field(default_factory=dict)
    # The newest epoch seen per producer id, as the offsets log's producer state would fence.
    producer_epochs: dict[int, int] = field(default_factory=dict)
    groups: dict[str, StoredGroup] = field(default_factory=dict)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def partition_for(self, group_id: str) -> int:
        """The __consumer_offsets partition of a group id; its leader is the group's coordinator."""
        return self.partitioner(group_id, self.num_partitions)

    def group_ids_in(self, partition: int) -> list[str]:
        """Every group with state in this __consumer_offsets partition (what a new coordinator loads)."""
        known = set(self.groups) | set(self.offsets) | set(self.pending_txn_offsets)
        return sorted(g for g in known if self.partition_for(g) == partition)

    # ------------------------------------------------------------------ membership

    def store_group(self, group: StoredGroup) -> None:
        """Write the group record (membership and assignment of a generation)."""
        self.groups[group.group_id] = group

    def stored_group(self, group_id: str) -> StoredGroup | None:
        """The last group record written for this group, if any."""
        return self.groups.get(group_id)

    # ------------------------------------------------------------------ offsets

    def next_append_seq(self) -> int:
        """The position of the next record in the offsets log (orders plain and transactional commits)."""
        return next(self._seq)

    def store_offsets(self, group_id: str, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        """OffsetCommit's write: these offsets become the group's committed ones at once."""
        committed = self.offsets.setdefault(group_id, {})
        for tp, value in offsets.items():
            committed[tp] = OffsetAndMetadata(value.offset, value.leader_epoch, value.metadata,
                                              value.commit_timestamp, self.next_append_seq())

    def store_txn_offsets(self, group_id: str, producer_id: int, producer_epoch: int,
                          offsets: dict[TopicPartition, OffsetAndMetadata]) -> Errors:
        """TxnOffsetCommit's write: staged under the producer id until its marker; a stale epoch is fenced."""
        if producer_epoch < self.producer_epochs.get(producer_id, -1):
            return Errors.INVALID_PRODUCER_EPOCH
        self.producer_epochs[producer_id] = producer_epoch
        pending = self.pending_txn_offsets.setdefault(group_id, {}).setdefault(producer_id, {})
        for tp, value in offsets.items():
            pending[tp] = OffsetAndMetadata(value.offset, value.leader_epoch, value.metadata,
                                            value.commit_timestamp, self.next_append_seq())
        return Errors.NONE

    def complete_txn_offsets(self, producer_id: int, producer_epoch: int, group_ids: list[str] | set[str],
                             commit: bool) -> dict[str, dict[TopicPartition, OffsetAndMetadata]]:
        """The marker for a producer's transaction reached these groups' offsets: on commit its
        offsets become the committed ones (unless a later plain commit already replaced them),
        on abort they are dropped. Returns what became visible, per group."""
        self.producer_epochs[producer_id] = max(producer_epoch, self.producer_epochs.get(producer_id, -1))
        visible: dict[str, dict[TopicPartition, OffsetAndMetadata]] = {}
        for group_id in sorted(group_ids):
            by_producer = self.pending_txn_offsets.get(group_id, {})
            pending = by_producer.pop(producer_id, {})
            if not by_producer:
                self.pending_txn_offsets.pop(group_id, None)
            if not commit:
                continue
            committed = self.offsets.setdefault(group_id, {})
            for tp, value in pending.items():
                current = committed.get(tp)
                if current is None or current.append_seq < value.append_seq:
                    committed[tp] = value
                    visible.setdefault(group_id, {})[tp] = value
        return visible

    def has_pending_txn_offsets(self, group_id: str, tp: TopicPartition) -> bool:
        """Whether an open transaction holds offsets for this partition (OffsetFetch's unstable case)."""
        return any(tp in offsets for offsets in self.pending_txn_offsets.get(group_id, {}).values())

    def committed(self, group_id: str) -> dict[TopicPartition, OffsetAndMetadata]:
        """The group's committed offsets now (transactional ones only once their commit marker is written)."""
        return dict(self.offsets.get(group_id, {}))

    def get_offsets(self, group_id: str, partitions: list[TopicPartition] | None,
                    require_stable: bool = False) -> dict[TopicPartition, PartitionOffset]:
        """Kafka's GroupMetadataManager.getOffsets: unknown partitions answer offset -1 with no
        error; with `require_stable` (OffsetFetch v7+, KIP-447) a partition that a transaction
        still holds offsets for answers UNSTABLE_OFFSET_COMMIT so the consumer retries."""
        committed = self.offsets.get(group_id, {})
        wanted = list(committed) if partitions is None else list(partitions)
        out: dict[TopicPartition, PartitionOffset] = {}
        for tp in wanted:
            if require_stable and self.has_pending_txn_offsets(group_id, tp):
                out[tp] = PartitionOffset(INVALID_OFFSET, NO_LEADER_EPOCH, "", Errors.UNSTABLE_OFFSET_COMMIT)
                continue
            value = committed.get(tp)
            if value is None:
                out[tp] = PartitionOffset(INVALID_OFFSET, NO_LEADER_EPOCH, "")
            else:
                out[tp] = PartitionOffset(value.offset, value.leader_epoch, value.metadata)
        return out

    # ------------------------------------------------------------------ deletion

    def has_group(self, group_id: str) -> bool:
        """Whether __consumer_offsets holds anything for this group (membership or offsets)."""
        return group_id in self.groups or group_id in self.offsets or group_id in self.pending_txn_offsets

    def delete_group(self, group_id: str) -> None:
        """DeleteGroups: the group record and its offsets go (Kafka writes tombstones for them)."""
        self.groups.pop(group_id, None)
        self.offsets.pop(group_id, None)
        self.pending_txn_offsets.pop(group_id, None)

    def delete_topic_offsets(self, topic: str) -> None:
        """A deleted topic's committed offsets go from every group (Kafka's onPartitionsDeleted)."""
        for committed in self.offsets.values():
            for tp in [tp for tp in committed if tp[0] == topic]:
                del committed[tp]
