"""One broker: its socket server, its replicas and its request dispatch."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from engine.sandbox.server.kafka_apis import KafkaApis
from engine.sandbox.network.socket_server import LOOPBACK, SocketServer
from engine.sandbox.replication.replica_manager import ReplicaManager

if TYPE_CHECKING:
    from engine.sandbox.cluster import Cluster


class Broker:
    def __init__(self, broker_id: int, cluster: "Cluster", port: int = 0) -> None:
        self.broker_id = broker_id
        self.cluster = cluster
        self.host = LOOPBACK
        self.port = port
        self.replica_manager = ReplicaManager(
            broker_id, cluster.controller, cluster.events, cluster.replication_enabled,
            cluster.config.replica_lag_time_max_ms / 1000, cluster.running_replica_manager)
        self.apis = KafkaApis(self)
        self.server = SocketServer(broker_id, self.apis.handle, cluster.events, cluster.config.message_max_bytes)
        self.running = False
        self.stopped_at: float | None = None        # time.monotonic() of the last stop
        self.group_coordinator: Any = None          # set by group_handlers.attach
        self.transaction_coordinator: Any = None    # issue 4
        cluster.controller.register(broker_id, self.replica_manager)

    async def start(self) -> None:
        self.port = await self.server.start(self.port)
        self.running = True
        self.stopped_at = None
        self.replica_manager.startup()
        self.cluster.events.emit(self.broker_id, "broker_started", host=self.host, port=self.port)
        self.cluster.controller.broker_started(self.broker_id)
        self.cluster.membership_changed()

    def stop(self) -> None:
        """Crash: stop listening, cut connections, stop fetching; the logs stay (like a disk)."""
        self.running = False
        self.stopped_at = time.monotonic()
        self.server.stop_now()
        self.replica_manager.shutdown()
        if self.group_coordinator is not None:
            self.group_coordinator.shutdown()
        self.cluster.events.emit(self.broker_id, "broker_stopped", port=self.port)
        self.cluster.controller.broker_stopped(self.broker_id)
        self.cluster.membership_changed()
