"""A broker's replicas (Kafka's ReplicaManager): appends with acks 0/1/all, reads for Fetch,
the follower fetchers, the periodic ISR check and the periodic retention check (Kafka's
LogManager, every log.retention.check.interval.ms: old segments deleted, idle producer ids expired).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable

from engine.sandbox.server.controller import NO_LEADER, Controller, PartitionState
from engine.sandbox.common.errors import Errors
from engine.sandbox.events import EventLog
from engine.sandbox.log.unified_log import LogEntry
from engine.sandbox.replication.partition import AppendResult, Partition
from engine.sandbox.replication.replica_fetcher import ReplicaFetcher

READ_UNCOMMITTED = 0
READ_COMMITTED = 1


@dataclass
class FetchResult:
    """A consumer's read of one partition: batches up to the HW (or LSO), the offsets, aborted transactions."""

    error: Errors
    entries: list[LogEntry]
    high_watermark: int = -1
    last_stable_offset: int = -1
    log_start_offset: int = -1
    aborted: list[tuple[int, int]] | None = None     # (producer id, first offset)

    @property
    def size(self) -> int:
        """The bytes of record batches in the result (counted against Fetch's max_bytes)."""
        return sum(e.header.size for e in self.entries)


class ReplicaManager:
    """One broker's replicas (Kafka's ReplicaManager); see the module docstring."""

    def __init__(self, broker_id: int, controller: Controller, events: EventLog,
                 replication_enabled: asyncio.Event, lag_time_s: float,
                 peers: Callable[[int], "ReplicaManager | None"], retention_check_interval_s: float = 300.0,
                 producer_id_expiration_ms: int = 86_400_000) -> None:
        self.broker_id = broker_id
        self.controller = controller
        self.events = events
        self.replication_enabled = replication_enabled
        self.lag_time_s = lag_time_s
        self.peers = peers          # broker id -> its ReplicaManager while it runs
        self.partitions: dict[tuple[str, int], Partition] = {}
        self.fetchers: dict[tuple[str, int], ReplicaFetcher] = {}
        self.online = False
        self._isr_task: asyncio.Task[None] | None = None
        self.retention_check_interval_s = retention_check_interval_s
        self.producer_id_expiration_ms = producer_id_expiration_ms
        self._retention_task: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------
    def startup(self) -> None:
        """The broker started: its replicas serve followers again and the periodic ISR shrink check runs."""
        self.online = True
        loop = asyncio.get_running_loop()
        self._isr_task = loop.create_task(self._isr_check())
        self._retention_task = loop.create_task(self._retention_check())

    def shutdown(self) -> None:
        """The broker crashed: stop fetchers and the ISR check, fail parked acks=all produces; logs stay."""
        self.online = False
        for task in (self._isr_task, self._retention_task):
            if task:
                task.cancel()
        for fetcher in self.fetchers.values():
            fetcher.stop()
        self.fetchers.clear()
        for partition in self.partitions.values():   # the log survives, like a disk
            partition.is_leader = False
            partition.fail_delayed(Errors.NOT_LEADER_OR_FOLLOWER)

    async def _isr_check(self) -> None:
        while True:
            await asyncio.sleep(max(self.lag_time_s / 4, 0.05))
            for partition in list(self.partitions.values()):
                partition.shrink_isr()

    async def _retention_check(self) -> None:
        while True:
            await asyncio.sleep(self.retention_check_interval_s)
            self.cleanup_logs()

    def cleanup_logs(self) -> None:
        """One retention pass over every replica here (Kafka's LogManager.cleanupLogs)."""
        now_ms = int(time.time() * 1000)
        for partition in list(self.partitions.values()):
            partition.delete_old_segments(now_ms, self.producer_id_expiration_ms)

    # --- metadata from the controller ---------------------------------------------------
    def on_partition_change(self, state: PartitionState) -> None:
        """Metadata from the controller: lead the partition, or follow its leader with a fetcher."""
        key = (state.topic, state.index)
        partition = self.partitions.get(key)
        if partition is None:
            partition = self.partitions[key] = Partition(self.broker_id, state, self.controller,
                                                         self.events, self.lag_time_s)
        fetcher = self.fetchers.pop(key, None)
        if fetcher:
            fetcher.stop()
        if state.leader == self.broker_id:
            partition.make_leader()
        else:
            partition.make_follower()
            if state.leader != NO_LEADER:
                self.fetchers[key] = ReplicaFetcher(partition, state.leader, self._leader_replica,
                                                    self.replication_enabled, self.events)

    def on_partition_deleted(self, topic: str, index: int) -> None:
        """The topic was deleted (Kafka's StopReplica with delete): stop following, fail parked
        produces, drop the replica and its log."""
        key = (topic, index)
        fetcher = self.fetchers.pop(key, None)
        if fetcher:
            fetcher.stop()
        partition = self.partitions.pop(key, None)
        if partition is not None:
            partition.is_leader = False
            partition.fail_delayed(Errors.UNKNOWN_TOPIC_OR_PARTITION)
            partition.notify()

    def _leader_replica(self, topic: str, index: int, leader_id: int) -> Partition | None:
        peer = self.peers(leader_id)
        return peer.partitions.get((topic, index)) if peer is not None and peer.online else None

    def partition(self, topic: str, index: int) -> Partition | None:
        """This broker's replica of a partition, leader or follower (None if it has none)."""
        return self.partitions.get((topic, index))

    def leader_partition(self, topic: str, index: int) -> tuple[Errors, Partition | None]:
        """The replica if this broker leads it, else UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER."""
        if self.controller.partition(topic, index) is None:
            return Errors.UNKNOWN_TOPIC_OR_PARTITION, None
        partition = self.partitions.get((topic, index))
        if partition is None or not partition.is_leader:
            return Errors.NOT_LEADER_OR_FOLLOWER, None
        return Errors.NONE, partition

    # --- produce ------------------------------------------------------------------------
    async def append_records(self, topic: str, index: int, records: bytes, required_acks: int,
                             timeout_ms: int) -> AppendResult:
        """Produce to one partition with acks 0/1/all; acks=all waits for the ISR up to timeout_ms."""
        result, waiter = self.append_to_leader(topic, index, records, required_acks)
        if waiter is not None:
            await self.wait_for_isr([(topic, index, result, waiter)], timeout_ms)
        return result

    def append_to_leader(self, topic: str, index: int, records: bytes | memoryview,
                         required_acks: int) -> tuple[AppendResult, "asyncio.Future[Errors] | None"]:
        """Append as leader now; for acks=all also the future set once the ISR has the records
        (its outcome goes into the result by `wait_for_isr`)."""
        error, partition = self.leader_partition(topic, index)
        if partition is None:
            return AppendResult(error), None
        result = partition.append_records_to_leader(records, required_acks)
        if result.error != Errors.NONE or required_acks != -1:
            return result, None
        return result, partition.wait_for_high_watermark(result.last_offset + 1)

    async def wait_for_isr(self, waiting: list[tuple[str, int, AppendResult, "asyncio.Future[Errors]"]],
                           timeout_ms: int) -> None:
        """acks=all: wait until every appended partition's high watermark passes its records, or
        the request's timeout (REQUEST_TIMED_OUT for those still waiting); one wait per request."""
        loop = asyncio.get_running_loop()
        pending = [w for *_, w in waiting if not w.done()]
        if pending:
            all_done = loop.create_future()
            left = [len(pending)]

            def one_done(_: "asyncio.Future[Errors]") -> None:
                left[0] -= 1
                if not left[0] and not all_done.done():
                    all_done.set_result(None)

            def timed_out() -> None:
                if not all_done.done():
                    all_done.set_result(None)

            for w in pending:
                w.add_done_callback(one_done)
            timer = loop.call_later(max(timeout_ms, 1) / 1000, timed_out)
            try:
                await all_done
            finally:
                timer.cancel()
                cancelled = not all_done.done()      # the request itself was cancelled (shutdown)
                for w in pending:
                    w.remove_done_callback(one_done)
                    if cancelled:
                        w.cancel()
        for topic, index, result, waiter in waiting:
            if waiter.done():
                result.error = waiter.result()
            else:
                waiter.cancel()
                result.error = Errors.REQUEST_TIMED_OUT
            if result.error != Errors.NONE:
                self.events.emit(self.broker_id, "produce_error", topic=topic, partition=index,
                                 error=result.error.name, base_offset=result.base_offset)

    # --- fetch --------------------------------------------------------------------------
    def read(self, topic: str, index: int, offset: int, max_bytes: int, isolation: int,
             current_leader_epoch: int = -1) -> FetchResult:
        """Fetch for a consumer: up to the HW, or the LSO with aborted transactions for read_committed (KIP-98)."""
        error, partition = self.leader_partition(topic, index)
        if partition is None:
            return FetchResult(error, [])
        if current_leader_epoch >= 0 and current_leader_epoch != partition.leader_epoch:
            epoch_error = (Errors.FENCED_LEADER_EPOCH if current_leader_epoch < partition.leader_epoch
                           else Errors.UNKNOWN_LEADER_EPOCH)
            return FetchResult(epoch_error, [])
        log = partition.log
        hw = partition.high_watermark
        lso = partition.last_stable_offset()
        if offset < log.log_start_offset or offset > log.log_end_offset:
            return FetchResult(Errors.OFFSET_OUT_OF_RANGE, [], hw, lso, log.log_start_offset)
        upper = lso if isolation == READ_COMMITTED else hw
        entries = log.read(offset, max_bytes, upper)
        aborted = None
        if isolation == READ_COMMITTED:
            aborted = [(a.producer_id, a.first_offset)
                       for a in partition.producer_state.aborted_since(offset, upper)]
        return FetchResult(Errors.NONE, entries, hw, lso, log.log_start_offset, aborted)
