"""The cluster on its event loop: brokers, controller, faults, events, producer ids."""

from __future__ import annotations

import asyncio
import importlib
import time
from typing import Callable

from engine.sandbox.server.broker_server import Broker
from engine.sandbox.coordinator.timer import partition_for
from engine.sandbox.common.errors import Errors
from engine.sandbox.common.records import control_batch
from engine.sandbox.config import SandboxConfig
from engine.sandbox.server.controller import Controller
from engine.sandbox.events import EventLog
from engine.sandbox.faults import FaultInjector
from engine.sandbox.replication.replica_manager import ReplicaManager

# Kafka places a group or transactional id on a partition of __consumer_offsets /
# __transaction_state (Java string hash mod 50); its coordinator is that partition's leader.
# Those internal partitions are not modelled as logs: partition p is led by the first running
# broker from broker_ids[p % n] on, so leadership moves when a broker stops, as it would.
COORDINATOR_PARTITIONS = 50


class Cluster:
    def __init__(self, brokers: int, config: SandboxConfig, events: EventLog, faults: FaultInjector) -> None:
        if brokers < 1:
            raise ValueError("a cluster needs at least one broker")
        self.config = config
        self.events = events
        self.faults = faults
        self.controller = Controller(list(range(1, brokers + 1)), events)
        self.replication_enabled = asyncio.Event()
        self.replication_enabled.set()
        self._next_producer_id = 1000
        self.brokers: dict[int, Broker] = {}
        self.group_coordinator = None          # set by group_handlers when that module is present
        self.transaction_coordinator = None    # issue 4
        self._broker_count = brokers
        # Called after a broker starts or stops (coordinators re-elect their partitions).
        self.membership_listeners: list[Callable[[], None]] = []

    async def start(self, base_port: int | None) -> None:
        for broker_id in range(1, self._broker_count + 1):
            port = 0 if base_port is None else base_port + broker_id - 1
            self.brokers[broker_id] = Broker(broker_id, self, port)
        for broker in self.brokers.values():
            await broker.start()

    def shutdown(self) -> None:
        for broker in self.brokers.values():
            if broker.running:
                broker.running = False
                broker.server.stop_now()
                broker.replica_manager.shutdown()

    def running_replica_manager(self, broker_id: int) -> ReplicaManager | None:
        broker = self.brokers.get(broker_id)
        return broker.replica_manager if broker is not None and broker.running else None

    def live_brokers(self) -> list[Broker]:
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
        return ",".join(f"{b.host}:{b.port}" for _, b in sorted(self.brokers.items()))

    def next_producer_id(self) -> int:
        self._next_producer_id += 1
        return self._next_producer_id

    def coordinator_partition_leader(self, partition: int) -> Broker | None:
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

    def membership_changed(self) -> None:
        for listener in list(self.membership_listeners):
            listener()

    def default_replication_factor(self) -> int:
        return self.config.default_replication_factor or min(3, len(self.controller.broker_ids))


# Modules that, when present, define attach(cluster) to set up a coordinator.
COORDINATOR_MODULES = ["engine.sandbox.server.group_apis", "engine.sandbox.server.transaction_apis"]


def attach_coordinators(cluster: Cluster) -> None:
    for name in COORDINATOR_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.attach(cluster)
