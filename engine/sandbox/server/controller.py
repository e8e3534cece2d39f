"""The controller: topics, replica assignment, leaders, leader epochs and ISR (Kafka's KRaft
controller, reduced to one in-process object that every broker shares).

Brokers learn about leadership through `PartitionListener.on_partition_change`, as a Kafka
broker does from metadata records; leaders change the ISR through `alter_isr` (AlterPartition).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from engine.sandbox.common.errors import Errors
from engine.sandbox.events import EventLog

NO_LEADER = -1


@dataclass
class PartitionState:
    """A partition's record in the cluster metadata: replicas, leader, leader epoch, ISR, min.insync.replicas."""

    topic: str
    index: int
    replicas: list[int]
    leader: int
    leader_epoch: int
    isr: list[int]
    min_insync_replicas: int


@dataclass
class Topic:
    """A topic's record in the cluster metadata: its id and partitions."""

    name: str
    topic_id: uuid.UUID
    partitions: list[PartitionState] = field(default_factory=list)
    replication_factor: int = 1
    min_insync_replicas: int = 1


class PartitionListener(Protocol):
    """What a broker implements to hear of leadership and ISR changes (Kafka: the metadata publisher)."""

    def on_partition_change(self, state: PartitionState) -> None:
        """The partition's leader, epoch or ISR changed: become leader or follower accordingly."""


class TopicError(Exception):
    """A topic request the controller refuses, with the Kafka error code CreateTopics answers."""

    def __init__(self, error: Errors, message: str) -> None:
        super().__init__(message)
        self.error = error


class Controller:
    """The cluster's metadata and leader elections (Kafka's KRaft controller); see the module docstring."""

    def __init__(self, broker_ids: list[int], events: EventLog) -> None:
        self.broker_ids = sorted(broker_ids)
        self.live: set[int] = set()
        self.topics: dict[str, Topic] = {}
        self.events = events
        self.listeners: dict[int, PartitionListener] = {}
        self._next_start = 0     # rotates the first replica so leaders spread over brokers
        self.cluster_id = "sandbox-" + uuid.uuid4().hex[:8]

    # --- topics -----------------------------------------------------------------
    def create_topic(self, name: str, partitions: int, replication_factor: int,
                     min_insync_replicas: int = 1) -> Topic:
        """CreateTopics: assign replicas round-robin over the brokers, first live replica leads."""
        if name in self.topics:
            raise TopicError(Errors.TOPIC_ALREADY_EXISTS, f"topic {name!r} already exists")
        if not name or len(name) > 249 or any(not (c.isalnum() or c in "._-") for c in name):
            raise TopicError(Errors.INVALID_TOPIC_EXCEPTION, f"invalid topic name {name!r}")
        if partitions < 1:
            raise TopicError(Errors.INVALID_PARTITIONS, "partitions must be at least 1")
        if not 1 <= replication_factor <= len(self.broker_ids):
            raise TopicError(Errors.INVALID_REPLICATION_FACTOR,
                             f"replication factor {replication_factor} with {len(self.broker_ids)} brokers")
        topic = Topic(name, uuid.uuid4(), [], replication_factor, min_insync_replicas)
        n = len(self.broker_ids)
        for index in range(partitions):
            start = (self._next_start + index) % n
            replicas = [self.broker_ids[(start + r) % n] for r in range(replication_factor)]
            isr = [b for b in replicas if b in self.live]
            leader = isr[0] if isr else NO_LEADER
            topic.partitions.append(PartitionState(name, index, replicas, leader, 0, isr or replicas[:1],
                                                   min_insync_replicas))
        self._next_start = (self._next_start + 1) % n
        self.topics[name] = topic
        self.events.emit(None, "topic_created", topic=name, partitions=partitions,
                         replication_factor=replication_factor, min_insync_replicas=min_insync_replicas)
        for state in topic.partitions:
            self._publish(state)
        return topic

    def partition(self, topic: str, index: int) -> PartitionState | None:
        """A partition's metadata (None for an unknown topic or partition)."""
        t = self.topics.get(topic)
        if t is None or not 0 <= index < len(t.partitions):
            return None
        return t.partitions[index]

    def all_partitions(self) -> list[PartitionState]:
        """Every partition of every topic."""
        return [p for t in self.topics.values() for p in t.partitions]

    # --- brokers ----------------------------------------------------------------
    def register(self, broker_id: int, listener: PartitionListener) -> None:
        """Tell this broker's replica manager about partition changes from now on."""
        self.listeners[broker_id] = listener

    def broker_started(self, broker_id: int) -> None:
        """A broker (re)joined: it hears of its partitions, and leads any offline one it was last in sync for."""
        self.live.add(broker_id)
        for state in self.all_partitions():
            if broker_id not in state.replicas:
                continue
            if state.leader == NO_LEADER and broker_id in state.isr:
                self._elect(state, broker_id, reason="replica returned")
            else:
                self._publish(state, only=broker_id)

    def broker_stopped(self, broker_id: int) -> None:
        """A broker died: elect a new leader from the ISR for what it led (never unclean); drop it from ISRs."""
        self.live.discard(broker_id)
        for state in self.all_partitions():
            if broker_id not in state.replicas:
                continue
            if state.leader == broker_id:
                candidates = [b for b in state.isr if b != broker_id and b in self.live]
                if candidates:
                    state.isr = [b for b in state.isr if b != broker_id]
                    self._elect(state, candidates[0], reason=f"broker {broker_id} stopped")
                else:    # no in-sync replica left: offline, keep the last ISR (no unclean election)
                    self._elect(state, NO_LEADER, reason=f"broker {broker_id} stopped, no in-sync replica")
            elif broker_id in state.isr:
                self.alter_isr(state, [b for b in state.isr if b != broker_id], reason="broker stopped")

    def _elect(self, state: PartitionState, leader: int, reason: str) -> None:
        old = state.leader
        state.leader = leader
        state.leader_epoch += 1
        self.events.emit(None, "leader_change", topic=state.topic, partition=state.index,
                         old_leader=old, leader=leader, leader_epoch=state.leader_epoch,
                         isr=list(state.isr), reason=reason)
        self._publish(state)

    def alter_isr(self, state: PartitionState, isr: list[int], reason: str = "") -> None:
        """AlterPartition: the leader changes the ISR (a follower caught up or fell behind)."""
        if sorted(isr) == sorted(state.isr):
            return
        kind = "isr_shrink" if len(isr) < len(state.isr) else "isr_expand"
        old = state.isr
        state.isr = list(isr)
        self.events.emit(state.leader if state.leader != NO_LEADER else None, kind, topic=state.topic,
                         partition=state.index, old_isr=old, isr=list(isr), reason=reason)

    def _publish(self, state: PartitionState, only: int | None = None) -> None:
        for broker_id in state.replicas:
            if broker_id in self.live and (only is None or only == broker_id):
                listener = self.listeners.get(broker_id)
                if listener is not None:
                    listener.on_partition_change(state)
