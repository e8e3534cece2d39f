"""The cluster on its event loop, and its wiring: the controller, the brokers (each building its
own replica manager, request dispatch and coordinators), the state the coordinators share (what
the internal topics hold), the election of coordinator partitions, transaction markers, faults,
events and producer ids."""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.records import control_batch
from engine.sandbox.config import SandboxConfig
from engine.sandbox.coordinator.group.group_metadata_manager import GroupMetadataManager
from engine.sandbox.coordinator.timer import partition_for
from engine.sandbox.coordinator.transaction.transaction_coordinator import MarkerWriteError
from engine.sandbox.coordinator.transaction.transaction_state_manager import (ProducerIdManager,
                                                                              TransactionStateManager)
from engine.sandbox.events import EventLog
from engine.sandbox.faults import FaultInjector
from engine.sandbox.log.log_config import LogConfig
from engine.sandbox.replication.replica_manager import ReplicaManager
from engine.sandbox.server.broker_server import Broker
from engine.sandbox.server.controller import Controller

# Kafka places a group or transactional id on a partition of __consumer_offsets /
# __transaction_state (Java string hash mod 50); its coordinator is that partition's leader.
# Those internal partitions are not modelled as logs: partition p is led by the first running
# broker from broker_ids[p % n] on, so leadership moves when a broker stops, as it would.
COORDINATOR_PARTITIONS = 50

# How long one attempt at writing a transaction's markers waits for replication before the
# coordinator retries the partitions that did not make it (a leader that stopped fails at once).
MARKER_ATTEMPT_TIMEOUT_S = 10.0


class Cluster:
    """The brokers and everything they share; `Sandbox` drives it from its own thread."""

    def __init__(self, brokers: int, config: SandboxConfig, events: EventLog, faults: FaultInjector) -> None:
        if brokers < 1:
            raise ValueError("a cluster needs at least one broker")
        self.config = config
        self.events = events
        self.faults = faults
        self.controller = Controller(list(range(1, brokers + 1)), events, LogConfig(
            segment_bytes=config.log_segment_bytes, retention_bytes=config.log_retention_bytes,
            retention_ms=config.log_retention_ms))
        self.replication_enabled = asyncio.Event()
        self.replication_enabled.set()
        self._next_producer_id = 1000
        # What __consumer_offsets and __transaction_state would hold, shared by every broker's
        # coordinators: a group's offsets and a transaction outlive the broker that coordinated
        # them, as if those topics were replicated. Idempotent and transactional producers draw their
        # producer ids from one allocator, so no id is ever handed out twice.
        self.group_metadata = GroupMetadataManager(num_partitions=COORDINATOR_PARTITIONS)
        self.transaction_state = TransactionStateManager(
            num_partitions=COORDINATOR_PARTITIONS, partitioner=partition_for,
            producer_ids=ProducerIdManager(source=self.next_producer_id))
        self.brokers: dict[int, Broker] = {}
        self._broker_count = brokers
        # Called after a broker starts or stops (coordinators re-elect their partitions).
        self.membership_listeners: list[Callable[[], None]] = []

    async def start(self, base_port: int | None) -> None:
        """Build and start every broker, then elect the coordinators, and re-elect them from
        now on whenever a broker starts or stops (so a group or transaction follows its
        internal-topic partition to the broker that leads it)."""
        for broker_id in range(1, self._broker_count + 1):
            port = 0 if base_port is None else base_port + broker_id - 1
            self.brokers[broker_id] = Broker(broker_id, self, port)
        for broker in self.brokers.values():
            await broker.start()
        # Registered only once every broker is up, so start-up elects once instead of moving
        # every coordinator partition again as each broker joins.
        self.membership_listeners.append(self._elect_group_coordinators)
        self.membership_listeners.append(self._elect_transaction_coordinators)
        self.membership_changed()

    def shutdown(self) -> None:
        """Stop every broker's network and replication (the loop's tasks are cancelled after)."""
        for broker in self.brokers.values():
            if broker.running:
                broker.running = False
                broker.server.stop_now()
                broker.replica_manager.shutdown()

    def running_replica_manager(self, broker_id: int) -> ReplicaManager | None:
        """A running broker's replica manager (None while it is stopped): how followers reach leaders."""
        broker = self.brokers.get(broker_id)
        return broker.replica_manager if broker is not None and broker.running else None

    def live_brokers(self) -> list[Broker]:
        """The running brokers, by id."""
        return [b for _, b in sorted(self.brokers.items()) if b.running]

    def registered_brokers(self) -> list[Broker]:
        """The brokers Metadata lists: running ones, and stopped ones whose session has not yet
        timed out (broker.session.timeout.ms). librdkafka needs this: a coordinator request
        waiting on a broker that vanished from Metadata is never retried elsewhere."""
        timeout = self.config.broker_session_timeout_ms / 1000
        now = time.monotonic()
        return [b for _, b in sorted(self.brokers.items())
                if b.running or (b.stopped_at is not None and now - b.stopped_at < timeout)]

    @property
    def bootstrap_servers(self) -> str:
        """host:port of every broker, as a client's bootstrap.servers setting."""
        return ",".join(f"{b.host}:{b.port}" for _, b in sorted(self.brokers.items()))

    def next_producer_id(self) -> int:
        """The next producer id, shared by idempotent and transactional producers (never reused)."""
        self._next_producer_id += 1
        return self._next_producer_id

    def coordinator_partition_leader(self, partition: int) -> Broker | None:
        """The broker leading an internal-topic partition: the first running one from its home broker on."""
        ids = self.controller.broker_ids
        for step in range(len(ids)):
            broker = self.brokers.get(ids[(partition + step) % len(ids)])
            if broker is not None and broker.running:
                return broker
        return None

    def coordinator_partitions(self, broker_id: int) -> set[int]:
        """The internal-topic partitions this broker leads now."""
        return {p for p in range(COORDINATOR_PARTITIONS)
                if (leader := self.coordinator_partition_leader(p)) is not None and leader.broker_id == broker_id}

    def coordinator_for(self, key: str) -> Broker | None:
        """The broker coordinating a group or transactional id (None if every broker is down)."""
        return self.coordinator_partition_leader(partition_for(key, COORDINATOR_PARTITIONS))

    async def write_markers(self, producer_id: int, producer_epoch: int, commit: bool,
                            partitions: list[tuple[str, int]], coordinator_epoch: int,
                            timeout_s: float = 30) -> list[tuple[str, int]]:
        """Append a COMMIT/ABORT marker to each partition's leader and wait until it is
        replicated (the high watermark passes it), as WriteTxnMarkers does with acks=all.
        Returns the partitions that could not take it (no leader here, or not replicated in time).
        The transaction coordinator's `write_markers` wraps this and raises on failures."""
        failed = []
        waits = []
        for topic, index in partitions:
            state = self.controller.partition(topic, index)
            if state is None:
                continue   # the topic was deleted: Kafka drops markers for partitions that no longer exist
            manager = self.running_replica_manager(state.leader) if state is not None else None
            replica = manager.partition(topic, index) if manager is not None else None
            if replica is None or not replica.is_leader:
                failed.append((topic, index))
                continue
            stored = replica.append_control_batch(control_batch(producer_id, producer_epoch, commit, coordinator_epoch))
            waits.append(((topic, index), replica.wait_for_high_watermark(stored.last_offset + 1)))
        for tp, future in waits:
            try:
                if await asyncio.wait_for(future, timeout_s) != Errors.NONE:
                    failed.append(tp)
            except TimeoutError:
                failed.append(tp)
        return failed

    async def send_txn_markers(self, producer_id: int, producer_epoch: int, commit: bool,
                               partitions: list[tuple[str, int]], coordinator_epoch: int) -> None:
        """The transaction coordinators' `write_markers` (Kafka's TransactionMarkerChannelManager):
        one attempt at every partition, raising MarkerWriteError with those to retry."""
        failed = await self.write_markers(producer_id, producer_epoch, commit, partitions, coordinator_epoch,
                                          timeout_s=MARKER_ATTEMPT_TIMEOUT_S)
        if failed:
            raise MarkerWriteError(failed)

    def membership_changed(self) -> None:
        """A broker started or stopped: tell the listeners (the coordinator elections)."""
        for listener in list(self.membership_listeners):
            listener()

    def _elect_group_coordinators(self) -> None:
        """Each running broker's group coordinator takes the __consumer_offsets partitions it
        now leads (loading their groups) and gives up those it lost."""
        for broker_id, broker in self.brokers.items():
            coordinator = broker.group_coordinator
            owned = self.coordinator_partitions(broker_id) if broker.running else set()
            lost = coordinator.owned_partitions - owned
            if lost:
                coordinator.on_resignation(lost)
            gained = owned - coordinator.owned_partitions
            if gained:
                coordinator.on_election(gained)

    def _elect_transaction_coordinators(self) -> None:
        """The same for __transaction_state: a new coordinator finishes the transactions it
        finds between Prepare* and Complete* (markers resent: never half-applied)."""
        owned_now = {broker_id: self.coordinator_partitions(broker_id) if broker.running else set()
                     for broker_id, broker in self.brokers.items()}
        # Every resignation first, so no two brokers ever own a partition at once.
        for broker_id, broker in self.brokers.items():
            tc = broker.transaction_coordinator
            lost = set(tc.owned) - owned_now[broker_id]
            if not broker.running:
                tc.shutdown()
            elif lost:
                tc.on_resignation(lost)
        for broker_id, broker in self.brokers.items():
            tc = broker.transaction_coordinator
            if not broker.running:
                continue
            if not tc.running:
                tc.startup()
            gained = owned_now[broker_id] - set(tc.owned)
            if gained:
                tc.on_election(gained)

    def default_replication_factor(self) -> int:
        """default.replication.factor for auto-created topics (default: min(3, brokers))."""
        return self.config.default_replication_factor or min(3, len(self.controller.broker_ids))
