"""The controller: topics, replica assignment, leaders, leader epochs and ISR (Kafka's KRaft
controller, reduced to one in-process object that every broker shares).

Brokers learn about leadership through `PartitionListener.on_partition_change`, as a Kafka
broker does from metadata records; leaders change the ISR through `alter_isr` (AlterPartition).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from engine.sandbox.common.errors import Errors
from engine.sandbox.events import EventLog
from engine.sandbox.log.log_config import InvalidConfig, LogConfig
from engine.sandbox.server.topic_configs import MIN_INSYNC_REPLICAS

NO_LEADER = -1

# Kafka's org.apache.kafka.common.internals.Topic: legal characters and the longest name.
LEGAL_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]+")
MAX_TOPIC_NAME_LENGTH = 249


def topic_name_error(name: str | None) -> str | None:
    """Why Kafka refuses `name` as a topic name (INVALID_TOPIC_EXCEPTION), or None if it is legal."""
    if not name:
        return "Topic name is illegal, it can't be empty"
    if name in (".", ".."):
        return 'Topic name cannot be "." or ".."'
    if len(name) > MAX_TOPIC_NAME_LENGTH:
        return f"Topic name is illegal, it can't be longer than {MAX_TOPIC_NAME_LENGTH} characters"
    if not LEGAL_TOPIC_NAME.fullmatch(name):
        return (f"Topic name {name!r} is illegal, it contains a character other than "
                "ASCII alphanumerics, '.', '_' and '-'")
    return None


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
    # The topic's config overrides (name -> value), as CreateTopics set them; every other
    # topic config takes its broker default (`server.topic_configs`).
    configs: dict[str, str] = field(default_factory=dict)
    # What the partitions' logs run with: the broker's log.* defaults with those overrides applied.
    log_config: LogConfig = field(default_factory=LogConfig)


class PartitionListener(Protocol):
    """What a broker implements to hear of leadership and ISR changes (Kafka: the metadata publisher)."""

    def on_partition_change(self, state: PartitionState) -> None:
        """The partition's leader, epoch or ISR changed: become leader or follower accordingly."""

    def on_partition_deleted(self, topic: str, index: int) -> None:
        """The partition's topic was deleted: drop the replica and its log."""


class TopicError(Exception):
    """A topic request the controller refuses, with the Kafka error code CreateTopics answers."""

    def __init__(self, error: Errors, message: str) -> None:
        super().__init__(message)
        self.error = error


class Controller:
    """The cluster's metadata and leader elections (Kafka's KRaft controller); see the module docstring."""

    def __init__(self, broker_ids: list[int], events: EventLog, log_defaults: LogConfig | None = None) -> None:
        self.broker_ids = sorted(broker_ids)
        self.log_defaults = log_defaults or LogConfig()     # the broker's log.* defaults
        self.live: set[int] = set()
        self.topics: dict[str, Topic] = {}
        self.events = events
        self.listeners: dict[int, PartitionListener] = {}
        self._next_start = 0     # rotates the first replica so leaders spread over brokers
        self.cluster_id = "sandbox-" + uuid.uuid4().hex[:8]

    # --- topics -----------------------------------------------------------------
    def create_topic(self, name: str, partitions: int, replication_factor: int,
                     min_insync_replicas: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> Topic:
        """CreateTopics: assign replicas round-robin over the brokers, first live replica leads
        (`validate_only`: every check, nothing created); `configs` are the topic's overrides
        (retention.bytes, segment.bytes, ...)."""
        if name in self.topics:
            raise TopicError(Errors.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.")
        problem = topic_name_error(name)
        if problem:
            raise TopicError(Errors.INVALID_TOPIC_EXCEPTION, problem)
        # Kafka refuses names that differ only by '.' versus '_': both map to the same metric name.
        collides = next((t for t in self.topics if t.replace(".", "_") == name.replace(".", "_")), None)
        if collides is not None:
            raise TopicError(Errors.INVALID_TOPIC_EXCEPTION,
                             f"Topic '{name}' collides with existing topic: {collides}")
        if partitions < 1:
            raise TopicError(Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.")
        if not 1 <= replication_factor <= len(self.broker_ids):
            raise TopicError(Errors.INVALID_REPLICATION_FACTOR,
                             f"Unable to replicate the partition {replication_factor} time(s): "
                             f"the cluster has {len(self.broker_ids)} broker(s).")
        log_config = self.log_config_for(dict(configs or {}))
        topic = Topic(name, uuid.uuid4(), [], replication_factor, min_insync_replicas, dict(configs or {}),
                      log_config)
        if validate_only:
            return topic
        self._add_partitions(topic, partitions)
        self.topics[name] = topic
        self.events.emit(None, "topic_created", topic=name, partitions=partitions,
                         replication_factor=replication_factor, min_insync_replicas=min_insync_replicas,
                         **({"configs": dict(topic.configs)} if topic.configs else {}))
        for state in topic.partitions:
            self._publish(state)
        return topic

    def _add_partitions(self, topic: Topic, count: int) -> list[PartitionState]:
        n = len(self.broker_ids)
        added = []
        for _ in range(count):
            index = len(topic.partitions)
            start = (self._next_start + index) % n
            replicas = [self.broker_ids[(start + r) % n] for r in range(topic.replication_factor)]
            isr = [b for b in replicas if b in self.live]
            leader = isr[0] if isr else NO_LEADER
            state = PartitionState(topic.name, index, replicas, leader, 0, isr or replicas[:1],
                                   topic.min_insync_replicas)
            topic.partitions.append(state)
            added.append(state)
        if len(topic.partitions) == count:   # a new topic: the next one starts on the next broker
            self._next_start = (self._next_start + 1) % n
        return added

    def create_partitions(self, name: str, total: int, validate_only: bool = False) -> None:
        """CreatePartitions: grow a topic to `total` partitions (never shrink: keys would move
        and records would be lost); the new ones are assigned as CreateTopics assigns."""
        topic = self.topics.get(name)
        if topic is None:
            raise TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, f"The topic '{name}' does not exist.")
        current = len(topic.partitions)
        if total < current:
            raise TopicError(Errors.INVALID_PARTITIONS,
                             f"The topic {name} currently has {current} partition(s); {total} would not be an increase.")
        if total == current:
            raise TopicError(Errors.INVALID_PARTITIONS, f"Topic already has {current} partition(s).")
        if validate_only:
            return
        added = self._add_partitions(topic, total - current)
        self.events.emit(None, "partitions_created", topic=name, partitions=total, added=len(added))
        for state in added:
            self._publish(state)

    def delete_topic(self, name: str) -> Topic:
        """DeleteTopics: the topic leaves the metadata and every replica drops its log."""
        topic = self.topics.pop(name, None)
        if topic is None:
            raise TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, f"The topic '{name}' does not exist.")
        for state in topic.partitions:
            for broker_id in state.replicas:
                listener = self.listeners.get(broker_id)
                if listener is not None:
                    listener.on_partition_deleted(state.topic, state.index)
        self.events.emit(None, "topic_deleted", topic=name, partitions=len(topic.partitions))
        return topic

    def topic_by_id(self, topic_id: uuid.UUID) -> Topic | None:
        """The topic with this id (DeleteTopics v6 names topics by id)."""
        return next((t for t in self.topics.values() if t.topic_id == topic_id), None)
    def log_config_for(self, configs: dict[str, str]) -> LogConfig:
        """The log config a topic with these overrides gets; TopicError(INVALID_CONFIG) if Kafka would refuse one."""
        try:
            return self.log_defaults.with_overrides(configs)
        except InvalidConfig as exc:
            raise TopicError(Errors.INVALID_CONFIG, str(exc)) from None

    def set_topic_configs(self, name: str, configs: dict[str, str], validate_only: bool = False) -> None:
        """AlterConfigs for a topic: `configs` become its whole set of overrides (what is not
        named reverts to the broker default). The brokers' logs use the new config from their
        next append or retention check."""
        topic = self.topics.get(name)
        if topic is None:
            raise TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, f"The topic '{name}' does not exist.")
        log_config = self.log_config_for(configs)
        if validate_only:
            return
        topic.configs = dict(configs)
        topic.log_config = log_config
        if MIN_INSYNC_REPLICAS in configs:
            topic.min_insync_replicas = int(configs[MIN_INSYNC_REPLICAS])
            for state in topic.partitions:
                state.min_insync_replicas = topic.min_insync_replicas
        self.events.emit(None, "topic_config_changed", topic=name, configs=dict(configs))

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
