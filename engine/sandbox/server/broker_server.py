"""One broker (Kafka's BrokerServer): its socket server, replica manager, request dispatch,
coordinators and log cleaner, all built here as BrokerServer.startup builds them."""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING

from engine.sandbox.coordinator.group.group_coordinator import GroupConfig, GroupCoordinator
from engine.sandbox.coordinator.transaction.transaction_coordinator import TransactionCoordinator
from engine.sandbox.log.log_cleaner import CleanerStats, LogCleaner
from engine.sandbox.network.socket_server import SocketServer
from engine.sandbox.replication.replica_manager import ReplicaManager
from engine.sandbox.server.kafka_apis import KafkaApis
from engine.sandbox.server.topic_configs import DELETE_RETENTION_MS, is_compacted

if TYPE_CHECKING:
    from engine.sandbox.cluster import Cluster


class Broker:
    """A broker of the sandbox cluster, listening on 127.0.0.1; `stop()` is a crash, `start()` a restart."""

    def __init__(self, broker_id: int, cluster: "Cluster", port: int = 0) -> None:
        self.broker_id = broker_id
        self.cluster = cluster
        self.host = cluster.config.advertised_host()  # what Metadata tells clients
        self.port = port
        self.replica_manager = ReplicaManager(
            broker_id, cluster.controller, cluster.events, cluster.replication_enabled,
            cluster.config.replica_lag_time_max_ms / 1000, cluster.running_replica_manager,
            retention_check_interval_s=cluster.config.log_retention_check_interval_ms / 1000,
            producer_id_expiration_ms=cluster.config.producer_id_expiration_ms)
        # The coordinators work over the cluster's shared internal-topic state (what
        # __consumer_offsets and __transaction_state hold); `Cluster` elects which of those
        # partitions each broker leads, so which groups and transactional ids it coordinates.
        emit = functools.partial(cluster.events.emit, broker_id)
        self.group_coordinator = GroupCoordinator(
            broker_id, cluster.group_metadata, emit=emit,
            config=GroupConfig(initial_rebalance_delay_ms=cluster.config.group_initial_rebalance_delay_ms))
        # Transactional offsets go from the transaction coordinator to this broker's group
        # coordinator (TxnOffsetCommit arrives at the group's coordinator) and are completed in
        # the shared offsets store when the transaction's markers are written.
        self.transaction_coordinator = TransactionCoordinator(
            broker_id, cluster.transaction_state, cluster.send_txn_markers,
            self.group_coordinator.txn_commit_offsets, cluster.group_metadata.complete_txn_offsets,
            emit=emit)
        self.apis = KafkaApis(self)
        self.server = SocketServer(broker_id, self.apis.handle, cluster.events, cluster.config.message_max_bytes,
                                   cluster.config.listen_host)
        self.log_cleaner = LogCleaner()
        self._cleaner_task: asyncio.Task[None] | None = None
        self.running = False
        self.stopped_at: float | None = None        # time.monotonic() of the last stop
        cluster.controller.register(broker_id, self.replica_manager)

    async def start(self) -> None:
        """Listen, resume replication and rejoin the cluster (the controller and the coordinator
        elections see it come back)."""
        self.port = await self.server.start(self.port)
        self.running = True
        self.stopped_at = None
        self.replica_manager.startup()
        self._cleaner_task = asyncio.get_running_loop().create_task(self._run_cleaner())
        self.cluster.events.emit(self.broker_id, "broker_started", host=self.host, port=self.port)
        self.cluster.controller.broker_started(self.broker_id)
        self.cluster.membership_changed()

    def stop(self) -> None:
        """Crash: stop listening, cut connections, stop fetching; the logs stay (like a disk)."""
        self.running = False
        self.stopped_at = time.monotonic()
        self.server.stop_now()
        self.replica_manager.shutdown()
        if self._cleaner_task is not None:
            self._cleaner_task.cancel()
            self._cleaner_task = None
        self.group_coordinator.shutdown()
        self.cluster.events.emit(self.broker_id, "broker_stopped", port=self.port)
        self.cluster.controller.broker_stopped(self.broker_id)
        self.cluster.membership_changed()

    async def _run_cleaner(self) -> None:
        """The log cleaner thread: a pass over the compacted logs every log.cleaner.backoff.ms."""
        while True:
            await asyncio.sleep(self.cluster.config.log_cleaner_backoff_ms / 1000)
            self.clean_logs()

    def clean_logs(self) -> dict[tuple[str, int], CleanerStats]:
        """One cleaner pass over this broker's replicas of compacted topics (leaders and followers
        alike, as every Kafka broker cleans its own logs) up to each one's last stable offset."""
        controller = self.cluster.controller
        now_ms = int(time.time() * 1000)
        done: dict[tuple[str, int], CleanerStats] = {}
        partitions = self.replica_manager.partitions
        for key in [k for k in self.log_cleaner.checkpoints if k not in partitions]:
            self.log_cleaner.forget(key)
        for (topic_name, index), partition in list(partitions.items()):
            topic = controller.topics.get(topic_name)
            if topic is None or not is_compacted(topic.configs):
                continue
            upper = partition.last_stable_offset()
            if not self.log_cleaner.needs_cleaning((topic_name, index), upper, now_ms):
                continue
            retention = int(topic.configs.get(DELETE_RETENTION_MS, self.cluster.config.log_cleaner_delete_retention_ms))
            stats = self.log_cleaner.clean((topic_name, index), partition.log, upper,
                                           partition.producer_state.aborted, now_ms, retention)
            done[(topic_name, index)] = stats
            if stats.records_removed:
                self.cluster.events.emit(self.broker_id, "log_cleaned", topic=topic_name, partition=index,
                                         cleaned_to=upper, records_removed=stats.records_removed,
                                         tombstones_removed=stats.tombstones_removed,
                                         bytes_before=stats.bytes_before, bytes_after=stats.bytes_after)
        return done
