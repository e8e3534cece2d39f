"""`SandboxAPI`: the public face of the sandbox cluster, whoever runs it.

Two classes implement it: `sandbox.Sandbox` runs the cluster's asyncio loop in a thread of the
calling process; `process.SandboxProcess` runs that same `Sandbox` in a child process and forwards
each call over a pipe, so a busy caller (the Textual app) does not share its GIL with the brokers.
Code that only drives a cluster (the runner, lessons, tests) is written against this Protocol;
tests/sandbox/clients/test_sandbox_process.py checks that both classes keep the same methods
with the same signatures.
"""

from __future__ import annotations

from typing import Callable, Protocol, Self, runtime_checkable

from engine.sandbox.config import SandboxConfig
from engine.sandbox.events import Event
from engine.sandbox.sandbox import ConsumedRecord, Isolation


@runtime_checkable
class SandboxAPI(Protocol):
    """What a lesson, the runner or a test can do with a sandbox cluster (documented on `Sandbox`)."""

    config: SandboxConfig
    broker_count: int
    base_port: int | None

    # lifecycle
    def start(self) -> Self:
        """Start every broker (and elect the coordinators); returns self."""

    def close(self) -> None:
        """Stop every broker; safe to call twice."""

    def __enter__(self) -> Self:
        """start()"""

    def __exit__(self, *exc: object) -> None:
        """close()"""

    # where clients connect, what happened
    @property
    def bootstrap_servers(self) -> str:
        """The brokers' host:port list, as a client's bootstrap.servers."""

    @property
    def events(self) -> list[Event]:
        """The events so far, oldest first."""

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with each new event, in order; returns unsubscribe."""

    # topics and partition state
    def create_topic(self, name: str, partitions: int = 1, replication_factor: int | None = None,
                     min_insync_replicas: int | None = None, configs: dict[str, str] | None = None) -> None:
        """Create a topic as CreateTopics would (ValueError naming the Kafka error if refused)."""

    def topic_configs(self, topic: str) -> dict[str, str]:
        """The topic's config overrides."""

    def log_start_offset(self, topic: str, partition: int = 0, broker: int | None = None) -> int:
        """The first offset a replica still holds (retention moves it up)."""

    def cleanup_logs(self) -> None:
        """Run a retention pass now."""

    def partition_count(self, topic: str) -> int | None:
        """How many partitions the controller lists for `topic` (None: no such topic)."""

    def leader(self, topic: str, partition: int = 0) -> int | None:
        """The partition's leader broker id (None while it is offline)."""

    def isr(self, topic: str, partition: int = 0) -> list[int]:
        """The partition's in-sync replicas."""

    def replicas(self, topic: str, partition: int = 0) -> list[int]:
        """The brokers holding a replica of the partition, preferred leader first."""

    def high_watermark(self, topic: str, partition: int = 0) -> int:
        """The leader's high watermark (-1 offline)."""

    def log_end_offset(self, topic: str, partition: int = 0, broker: int | None = None) -> int:
        """A replica's log end offset (the leader's if `broker` is None)."""

    def records(self, topic: str, partition: int = 0, isolation: Isolation = "read_committed") -> list[ConsumedRecord]:
        """What a consumer at `isolation` reads now from the partition's leader."""

    def clean_logs(self) -> int:
        """Run the log cleaner now; returns how many records it removed."""

    # faults
    def lose_acks(self, count: int = 1, api: str | None = "Produce") -> None:
        """The next `count` requests of `api` are applied, their responses lost."""

    def drop_requests(self, count: int = 1, api: str | None = "Produce") -> None:
        """The next `count` requests of `api` are discarded unapplied."""

    def pause_replication(self) -> None:
        """Followers stop fetching."""

    def resume_replication(self) -> None:
        """Followers fetch again."""

    def stop_broker(self, broker_id: int) -> None:
        """Crash a broker (its logs stay)."""

    def start_broker(self, broker_id: int) -> None:
        """Restart a stopped broker."""

    def broker_running(self, broker_id: int) -> bool:
        """Whether the broker is up."""
