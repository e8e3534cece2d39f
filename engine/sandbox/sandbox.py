"""`Sandbox`: the cluster as lessons, tests and the CLI drive it.

The cluster lives on its own asyncio loop in a background thread, so synchronous code (tests,
lesson runners, the CLI) can use it while real clients talk to it over 127.0.0.1. Each public
method runs its work on that loop and waits for it; called from the loop thread itself (an
event listener reacting to an event), it runs the work there directly.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, replace
from typing import Any, Callable, Literal

from kafka.record.default_records import DefaultRecordBatch

from engine.sandbox.cluster import Cluster
from engine.sandbox.config import SandboxConfig
from engine.sandbox.server.controller import NO_LEADER, TopicError
from engine.sandbox.server.topic_configs import MIN_INSYNC_REPLICAS, InvalidConfig, validate_topic_configs
from engine.sandbox.events import DEFAULT_CAPACITY, Event, EventLog
from engine.sandbox.faults import Action, FaultInjector
from engine.sandbox.network.event_loop import new_event_loop
from engine.sandbox.log.producer_state import AbortedTxn

Isolation = Literal["read_committed", "read_uncommitted"]


@dataclass(frozen=True)
class ConsumedRecord:
    """One record as a consumer would get it, with the id of the producer that wrote it."""

    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int
    headers: list[tuple[str, bytes]]
    producer_id: int


class Sandbox:
    """A mini Kafka cluster on 127.0.0.1 run from synchronous code; see the module docstring."""

    def __init__(self, brokers: int = 3, base_port: int | None = None, config: SandboxConfig | None = None,
                 host: str | None = None, max_events: int | None = DEFAULT_CAPACITY, **settings: Any) -> None:
        """`settings` override SandboxConfig fields, e.g. replica_lag_time_max_ms=500; `host` is the
        address the brokers listen on (default 127.0.0.1: the sandbox has no authentication).
        `max_events` caps the events `events` keeps (None: all); subscribers see every one."""
        if host is not None:
            settings["listen_host"] = host
        self.config = replace(config or SandboxConfig(), **settings)
        self.broker_count = brokers
        self.base_port = base_port
        self._events = EventLog(max_events)
        self._faults = FaultInjector(self._events)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._cluster: Cluster | None = None

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> "Sandbox":
        """Start the loop thread and every broker, elect the coordinators; returns self (or raises, cleaned up)."""
        self._loop = new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="sandbox-loop", daemon=True)
        self._thread.start()

        async def boot() -> None:
            self._cluster = Cluster(self.broker_count, self.config, self._events, self._faults)
            await self._cluster.start(self.base_port)

        try:
            self._run(boot())
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop every broker, cancel the loop's tasks and end its thread; safe to call twice."""
        if self._loop is None:
            return
        loop, self._loop = self._loop, None
        if self._cluster is not None:
            cluster = self._cluster

            async def down() -> None:
                cluster.shutdown()
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(down(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(30)
        loop.close()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, work: Any, timeout: float = 60) -> Any:
        """Run a coroutine or a callable on the cluster's loop and return its result."""
        if self._loop is None:
            raise RuntimeError("the sandbox is not running")
        if threading.current_thread() is self._thread:
            if asyncio.iscoroutine(work):
                return self._loop.create_task(work)
            return work()
        if asyncio.iscoroutine(work):
            return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)

        async def call() -> Any:
            return work()
        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout)

    @property
    def cluster(self) -> Cluster:
        """The running Cluster, for tests and tools that reach inside (use from the loop thread)."""
        if self._cluster is None:
            raise RuntimeError("the sandbox is not running")
        return self._cluster

    # --- what lessons, runners and tests use ------------------------------------------
    @property
    def bootstrap_servers(self) -> str:
        """The brokers' host:port list, as a client's bootstrap.servers."""
        return self.cluster.bootstrap_servers

    @property
    def events(self) -> list[Event]:
        """The events kept so far (a copy, the newest `max_events`), oldest first."""
        return self._events.snapshot()

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every new event (on the cluster's thread); returns unsubscribe."""
        return self._events.subscribe(listener)

    def create_topic(self, name: str, partitions: int = 1, replication_factor: int | None = None,
                     min_insync_replicas: int | None = None, configs: dict[str, str] | None = None) -> None:
        """Create a topic as CreateTopics would, with topic configs such as
        {"cleanup.policy": "compact"} or {"retention.bytes": "1048576"} (ValueError naming the Kafka
        error if refused)."""
        cluster = self.cluster
        rf = replication_factor or cluster.default_replication_factor()
        min_isr = self.config.min_insync_replicas if min_insync_replicas is None else min_insync_replicas
        try:
            overrides = validate_topic_configs(dict(configs or {}))
        except InvalidConfig as exc:
            raise ValueError(f"INVALID_CONFIG: {exc}") from None
        if MIN_INSYNC_REPLICAS in overrides and min_insync_replicas is None:
            min_isr = int(overrides[MIN_INSYNC_REPLICAS])

        def create() -> None:
            try:
                cluster.controller.create_topic(name, partitions, rf, min_isr, overrides)
            except TopicError as exc:
                raise ValueError(f"{exc.error.name}: {exc}") from None
        self._run(create)

    def topic_configs(self, topic: str) -> dict[str, str]:
        """The topic's config overrides (what CreateTopics or AlterConfigs set)."""
        def get() -> dict[str, str]:
            found = self.cluster.controller.topics.get(topic)
            if found is None:
                raise KeyError(f"no topic {topic}")
            return dict(found.configs)
        return self._run(get)

    def log_start_offset(self, topic: str, partition: int = 0, broker: int | None = None) -> int:
        """The first offset a replica still holds (the leader's if `broker` is None; -1 if none):
        retention moves it up; a consumer fetching below it gets OFFSET_OUT_OF_RANGE."""
        def start() -> int:
            if broker is None:
                part = self._leader_replica(topic, partition)
            else:
                part = self.cluster.brokers[broker].replica_manager.partition(topic, partition)
            return part.log.log_start_offset if part else -1
        return self._run(start)

    def cleanup_logs(self) -> None:
        """Run a retention pass on every running broker now (it also runs every
        log.retention.check.interval.ms): old segments go, log start offsets move."""
        def cleanup() -> None:
            for broker in self.cluster.live_brokers():
                broker.replica_manager.cleanup_logs()
        self._run(cleanup)

    def partition_count(self, topic: str) -> int | None:
        """How many partitions the controller's metadata lists for `topic` (None: no such topic),
        as a Metadata response would; an example may have made more than its scenario declares."""
        def count() -> int | None:
            t = self.cluster.controller.topics.get(topic)
            return None if t is None else len(t.partitions)
        return self._run(count)

    def leader(self, topic: str, partition: int = 0) -> int | None:
        """The partition's leader broker id (None while it is offline)."""
        state = self._state(topic, partition)
        return None if state.leader == NO_LEADER else state.leader

    def isr(self, topic: str, partition: int = 0) -> list[int]:
        """The partition's in-sync replicas: the brokers an acks=all write waits for."""
        return list(self._state(topic, partition).isr)

    def replicas(self, topic: str, partition: int = 0) -> list[int]:
        """The brokers holding a replica of the partition, preferred leader first."""
        return list(self._state(topic, partition).replicas)

    def _state(self, topic: str, partition: int) -> Any:
        state = self.cluster.controller.partition(topic, partition)
        if state is None:
            raise KeyError(f"no partition {topic}-{partition}")
        return state

    def lose_acks(self, count: int = 1, api: str | None = "Produce") -> None:
        """The next `count` requests of `api` are applied but their response is lost (the client retries)."""
        self._faults.arm(Action.LOSE_ACK, count, api)

    def drop_requests(self, count: int = 1, api: str | None = "Produce") -> None:
        """The next `count` requests of `api` are discarded unapplied and their connection cut."""
        self._faults.arm(Action.DROP, count, api)

    def pause_replication(self) -> None:
        """Followers stop fetching: the ISR shrinks after replica.lag.time.max.ms and the HW stalls."""
        def pause() -> None:
            self.cluster.replication_enabled.clear()
            self._events.emit(None, "fault", fault="pause_replication")
        self._run(pause)

    def resume_replication(self) -> None:
        """Followers fetch again and catch up (back into the ISR)."""
        def resume() -> None:
            self.cluster.replication_enabled.set()
            self._events.emit(None, "fault", fault="resume_replication")
        self._run(resume)

    def stop_broker(self, broker_id: int) -> None:
        """Crash a broker: leaders and coordinators move, its logs stay for a restart."""
        def stop() -> None:
            broker = self.cluster.brokers[broker_id]
            if broker.running:
                self._events.emit(broker_id, "fault", fault="stop_broker")
                broker.stop()
        self._run(stop)

    def start_broker(self, broker_id: int) -> None:
        """Restart a stopped broker: it truncates to its leaders' logs, catches up and rejoins the ISR."""
        async def start() -> None:
            broker = self.cluster.brokers[broker_id]
            if not broker.running:
                self._events.emit(broker_id, "fault", fault="start_broker")
                await broker.start()
        self._run(start())

    def clean_logs(self) -> int:
        """Run the log cleaner now on every running broker (it also runs every
        log_cleaner_backoff_ms): compacted topics keep the latest record per key. Returns how
        many records it removed, over all replicas."""
        def clean() -> int:
            return sum(stats.records_removed for broker in self.cluster.live_brokers()
                       for stats in broker.clean_logs().values())
        return self._run(clean)

    def broker_running(self, broker_id: int) -> bool:
        """Whether the broker is up."""
        return self.cluster.brokers[broker_id].running

    def high_watermark(self, topic: str, partition: int = 0) -> int:
        """The partition leader's high watermark: records below it are replicated to the ISR (-1 offline)."""
        def hw() -> int:
            part = self._leader_replica(topic, partition)
            return part.high_watermark if part else -1
        return self._run(hw)

    def log_end_offset(self, topic: str, partition: int = 0, broker: int | None = None) -> int:
        """The log end offset of a replica (the leader's if `broker` is None); -1 if it has none."""
        def leo() -> int:
            if broker is None:
                part = self._leader_replica(topic, partition)
            else:
                part = self.cluster.brokers[broker].replica_manager.partition(topic, partition)
            return part.log.log_end_offset if part else -1
        return self._run(leo)

    def _leader_replica(self, topic: str, partition: int) -> Any:
        leader = self.leader(topic, partition)
        manager = self.cluster.running_replica_manager(leader) if leader is not None else None
        return manager.partition(topic, partition) if manager else None

    def records(self, topic: str, partition: int = 0, isolation: Isolation = "read_committed") -> list[ConsumedRecord]:
        """What a consumer at `isolation` reads now from the partition's leader (empty while
        the partition has no leader): up to the HW, or the LSO without aborted transactions."""
        if isolation not in ("read_committed", "read_uncommitted"):
            raise ValueError(f"isolation must be read_committed or read_uncommitted, not {isolation!r}")

        def read() -> tuple[list[Any], list[AbortedTxn]]:
            part = self._leader_replica(topic, partition)
            if part is None:
                return [], []
            upper = part.last_stable_offset() if isolation == "read_committed" else part.high_watermark
            return part.log.read(part.log.log_start_offset, 1 << 62, upper), list(part.producer_state.aborted)

        entries, aborted = self._run(read)
        out: list[ConsumedRecord] = []
        for entry in entries:
            h = entry.header
            if h.is_control:
                continue
            if isolation == "read_committed" and h.is_transactional and any(
                    a.producer_id == h.producer_id and a.first_offset <= h.base_offset <= a.last_offset
                    for a in aborted):
                continue
            for record in DefaultRecordBatch(bytes(entry.data)):
                out.append(ConsumedRecord(record.offset, record.key, record.value, record.timestamp,
                                          list(record.headers), h.producer_id))
        return out
