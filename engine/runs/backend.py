"""`ClusterBackend`: what the runner needs from a cluster it injects faults into.

Both the sandbox (engine.sandbox.Sandbox, Kafka re-implemented in-process) and real Apache Kafka
(engine.apache_kafka.KafkaCluster, the oracle) satisfy it, so one example runs unchanged on either
and the outcomes can be compared.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence, runtime_checkable


@runtime_checkable
class ClusterBackend(Protocol):
    """A running Kafka cluster on 127.0.0.1 the runner can create topics in, fault and read back."""

    @property
    def bootstrap_servers(self) -> str: ...

    def create_topic(self, name: str, partitions: int = 1, replication_factor: int | None = None,
                     min_insync_replicas: int | None = None) -> None: ...

    def partition_count(self, topic: str) -> int | None:
        """How many partitions the cluster's metadata lists for `topic` (None: no such topic)."""

    def leader(self, topic: str, partition: int = 0) -> int | None:
        """The partition leader's broker id, None while it has none."""

    # Request faults (Kafka's wire protocol): the next `count` requests of `api` (None: any).
    def lose_acks(self, count: int = 1, api: str | None = "Produce") -> None:
        """Applied by the broker, then the connection is cut before the response (a lost ack)."""

    def drop_requests(self, count: int = 1, api: str | None = "Produce") -> None:
        """Discarded unapplied and the connection cut (a request lost on the way)."""

    # Replication and broker faults.
    def pause_replication(self) -> None:
        """Followers stop fetching from leaders; leaders keep serving clients."""

    def resume_replication(self) -> None: ...

    def stop_broker(self, broker_id: int) -> None:
        """Crash the broker; its log stays, as a disk would."""

    def start_broker(self, broker_id: int) -> None: ...

    def records(self, topic: str, partition: int = 0, isolation: str = "read_committed") -> Sequence[Any]:
        """What a consumer at `isolation` reads now; items have .offset, .key, .value."""

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        """Call `listener` with each event (.kind, .broker, .details, .describe()); returns unsubscribe.
        `append` events (topic, base_offset, last_offset) drive the scenarios' `records` triggers."""
