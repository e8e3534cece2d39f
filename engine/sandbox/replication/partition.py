"""One replica of one partition on one broker (Kafka's Partition): its log, its producer
state, its high watermark and, while it leads, what it knows of its followers.

The leader advances the high watermark to the smallest log end offset in the ISR, adds a
follower to the ISR when it has caught up to the high watermark, and removes it when it has
not caught up for `replica_lag_time_max_ms` (`shrink_isr`, called periodically).
Delayed produces (acks=all) wait here until the high watermark passes them.
Retention (`delete_old_segments`) runs here on every replica: the log deletes its oldest segments
by the topic's retention.bytes / retention.ms, and a follower also adopts its leader's log start
offset from each fetch, as Kafka's followers do.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from engine.sandbox.server.controller import Controller, PartitionState
from engine.sandbox.common.errors import Errors
from engine.sandbox.events import EventLog
from engine.sandbox.log.log_config import LogConfig
from engine.sandbox.log.unified_log import Log, LogEntry
from engine.sandbox.log.producer_state import ProducerStateManager
from engine.sandbox.common.records import BatchHeader, InvalidRecordBatch, iter_headers, read_header


@dataclass
class FollowerState:
    """What a leader knows of a follower (Kafka's Replica): its log end offset, when it last caught up."""

    log_end_offset: int = -1
    last_caught_up: float = field(default_factory=time.monotonic)
    last_fetch_leader_leo: int = 0
    last_fetch_time: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class FollowerFetch:
    """A leader's answer to a follower's fetch: batches, its high watermark and log start offset."""

    error: Errors
    entries: list[LogEntry]
    high_watermark: int = -1
    log_start_offset: int = 0


@dataclass
class AppendResult:
    """The outcome of a produce to one partition: an error code, or the offsets the batches got."""

    error: Errors
    base_offset: int = -1
    last_offset: int = -1
    log_start_offset: int = 0
    message: str | None = None


@dataclass
class DelayedProduce:
    """An acks=all produce parked until the high watermark reaches `required_offset` (Kafka's DelayedProduce)."""

    required_offset: int
    future: asyncio.Future[Errors]


class Partition:
    """One replica of one partition on one broker (Kafka's Partition); see the module docstring."""

    def __init__(self, broker_id: int, state: PartitionState, controller: Controller,
                 events: EventLog, lag_time_s: float) -> None:
        self.broker_id = broker_id
        self.state = state
        self.topic = state.topic
        self.index = state.index
        self.controller = controller
        self.events = events
        self.lag_time_s = lag_time_s
        # The topic's record in the controller: its log config (retention, segments) can change
        # at any time (IncrementalAlterConfigs), so the log is given the current one at each use.
        self._topic = controller.topics.get(self.topic)
        self.log = Log(self.log_config)
        self.producer_state = ProducerStateManager()
        self.high_watermark = 0
        self.is_leader = False
        self.leader_epoch = -1
        self.followers: dict[int, FollowerState] = {}
        self._delayed: list[DelayedProduce] = []
        # Long-polling fetches wait on an Event handed out by changed(); followers' fetchers on a
        # future each (add_change_waiter). Both are woken by notify(), which counts the changes.
        self._changed: asyncio.Event | None = None
        self._change_waiters: list[asyncio.Future[None]] = []
        self.changes = 0

    @property
    def log_config(self) -> LogConfig:
        """The topic's log config now (segment.bytes, retention.*), broker defaults applied."""
        return self._topic.log_config if self._topic is not None else self.log.config

    # --- leadership ---------------------------------------------------------------
    def make_leader(self) -> None:
        """Become leader at the controller's new leader epoch: start an epoch in the log, track the followers."""
        self.is_leader = True
        self.leader_epoch = self.state.leader_epoch
        self.log.assign_epoch_start(self.leader_epoch)
        self.followers = {b: FollowerState() for b in self.state.replicas if b != self.broker_id}
        self.maybe_advance_high_watermark()
        self.notify()

    def make_follower(self) -> None:
        """Become a follower: parked acks=all produces fail with NOT_LEADER_OR_FOLLOWER."""
        self.is_leader = False
        self.leader_epoch = self.state.leader_epoch
        self.followers = {}
        self.fail_delayed(Errors.NOT_LEADER_OR_FOLLOWER)
        self.notify()

    def fail_delayed(self, error: Errors) -> None:
        """Answer every parked acks=all produce with `error` (leadership lost)."""
        for delayed in self._delayed:
            if not delayed.future.done():
                delayed.future.set_result(error)
        self._delayed = []

    # --- waking fetchers ------------------------------------------------------------
    def notify(self) -> None:
        """Wake long-polling fetches waiting on this partition (new data or a high-watermark move)."""
        self.changes += 1
        if self._changed is not None:       # an event nobody took needs neither setting nor replacing
            self._changed.set()
            self._changed = None
        if self._change_waiters:
            waiters, self._change_waiters = self._change_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def changed(self) -> asyncio.Event:
        """An event set at the next append or high-watermark move."""
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def add_change_waiter(self, waiter: "asyncio.Future[None]", seen: int) -> None:
        """Set `waiter` at the next append or high-watermark move after the `seen`-th change (at
        once if there has been one since): a follower's fetcher waits without a task or an Event."""
        if self.changes != seen:
            waiter.set_result(None)
            return
        waiters = self._change_waiters
        if len(waiters) >= 16:       # an idle partition: drop the waiters that timed out or were cancelled
            waiters[:] = [w for w in waiters if not w.done()]
        waiters.append(waiter)

    # --- leader: produce --------------------------------------------------------------
    def append_records_to_leader(self, records: bytes | memoryview, required_acks: int) -> AppendResult:
        """Produce as leader: min.insync.replicas (acks=all), idempotence checks (KIP-98), then append."""
        if not self.is_leader:
            return AppendResult(Errors.NOT_LEADER_OR_FOLLOWER)
        isr = self.state.isr
        if required_acks == -1 and len(isr) < self.state.min_insync_replicas:
            return AppendResult(Errors.NOT_ENOUGH_REPLICAS,
                                message=f"ISR {isr} is smaller than min.insync.replicas={self.state.min_insync_replicas}")
        # A writable view is the request frame's own memory, which the broker owns from here on:
        # the batches are stamped and kept in place. Anything else is copied first.
        buf = records if isinstance(records, memoryview) and not records.readonly else bytearray(records)
        try:
            headers = list(iter_headers(buf))
        except InvalidRecordBatch as exc:
            return AppendResult(Errors.CORRUPT_MESSAGE, message=str(exc))
        if not headers:
            return AppendResult(Errors.CORRUPT_MESSAGE, message="no record batch")
        for h in headers:
            if h.is_control:
                return AppendResult(Errors.INVALID_REQUEST, message="clients cannot write control batches")
            verdict = self.producer_state.check(h)
            if verdict.duplicate_of is not None:
                # Kafka answers a retried batch with where it already is, and writes nothing.
                self.events.emit(self.broker_id, "duplicate", topic=self.topic, partition=self.index,
                                 producer_id=h.producer_id, sequence=h.base_sequence, offset=verdict.duplicate_of)
                return AppendResult(Errors.NONE, verdict.duplicate_of, verdict.duplicate_of + h.last_offset_delta,
                                    self.log.log_start_offset)
            if verdict.error != Errors.NONE:
                self.events.emit(self.broker_id, "produce_error", topic=self.topic, partition=self.index,
                                 error=verdict.error.name, producer_id=h.producer_id,
                                 producer_epoch=h.producer_epoch, sequence=h.base_sequence)
                return AppendResult(verdict.error)
        first = last = -1
        self.log.config = self.log_config
        for h in headers:
            batch = buf if len(headers) == 1 else buf[h.position:h.position + h.size]
            stored = self.log.append_as_leader(batch, h, self.leader_epoch)
            self.producer_state.on_append(stored, batch)
            first = stored.base_offset if first < 0 else first
            last = stored.last_offset
        self.events.emit(self.broker_id, "append", topic=self.topic, partition=self.index,
                         base_offset=first, last_offset=last, leader_epoch=self.leader_epoch,
                         producer_id=headers[0].producer_id, sequence=headers[0].base_sequence)
        self.maybe_advance_high_watermark()
        self.notify()
        return AppendResult(Errors.NONE, first, last, self.log.log_start_offset)

    def append_control_batch(self, batch: bytearray) -> BatchHeader:
        """Write a transaction marker as leader (for the transaction coordinator)."""
        self.log.config = self.log_config
        stored = self.log.append_as_leader(batch, read_header(batch), self.leader_epoch)
        self.producer_state.on_append(stored, batch)
        self.events.emit(self.broker_id, "append", topic=self.topic, partition=self.index,
                         base_offset=stored.base_offset, last_offset=stored.last_offset,
                         leader_epoch=self.leader_epoch, producer_id=stored.producer_id, control=True)
        self.maybe_advance_high_watermark()
        self.notify()
        return stored

    def wait_for_high_watermark(self, required_offset: int) -> asyncio.Future[Errors]:
        """A future set once the HW passes `required_offset`: acks=all's wait for the ISR."""
        future: asyncio.Future[Errors] = asyncio.get_running_loop().create_future()
        self._delayed.append(DelayedProduce(required_offset, future))
        self._complete_delayed()
        return future

    def _complete_delayed(self) -> None:
        if not self._delayed:
            return
        hw = self.high_watermark
        enough = len(self.state.isr) >= self.state.min_insync_replicas
        waiting = []
        for delayed in self._delayed:
            if delayed.future.done():
                continue
            if hw >= delayed.required_offset:
                delayed.future.set_result(Errors.NONE if enough else Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND)
            else:
                waiting.append(delayed)
        self._delayed = waiting

    # --- leader: followers --------------------------------------------------------------
    def fetch_for_follower(self, replica_id: int, fetch_offset: int, max_bytes: int) -> FollowerFetch:
        """A follower's fetch (its fetch offset is its log end offset): batches, the HW and the
        log start offset; OFFSET_OUT_OF_RANGE if retention deleted what the follower needs next."""
        if not self.is_leader:
            return FollowerFetch(Errors.NOT_LEADER_OR_FOLLOWER, [])
        if fetch_offset < self.log.log_start_offset:
            return FollowerFetch(Errors.OFFSET_OUT_OF_RANGE, [], self.high_watermark, self.log.log_start_offset)
        follower = self.followers.get(replica_id)
        if follower is None:
            follower = self.followers[replica_id] = FollowerState()
        now = time.monotonic()
        leo = self.log.log_end_offset
        if fetch_offset >= leo:
            follower.last_caught_up = now
        elif fetch_offset >= follower.last_fetch_leader_leo:
            follower.last_caught_up = follower.last_fetch_time
        follower.last_fetch_leader_leo = leo
        follower.last_fetch_time = now
        follower.log_end_offset = fetch_offset
        if replica_id not in self.state.isr and fetch_offset >= self.high_watermark \
                and fetch_offset >= self._epoch_start_offset():
            self.controller.alter_isr(self.state, self.state.isr + [replica_id], reason="caught up")
        self.maybe_advance_high_watermark()
        return FollowerFetch(Errors.NONE, self.log.read(fetch_offset, max_bytes, leo), self.high_watermark,
                             self.log.log_start_offset)

    def _epoch_start_offset(self) -> int:
        return self.log.end_offset_for_epoch(self.leader_epoch - 1)[1] if self.leader_epoch > 0 else 0

    def shrink_isr(self) -> None:
        """Drop followers that have not caught up for replica.lag.time.max.ms from the ISR."""
        if not self.is_leader:
            return
        now = time.monotonic()
        lagging = [b for b in self.state.isr if b != self.broker_id and b in self.followers
                   and now - self.followers[b].last_caught_up > self.lag_time_s]
        if lagging:
            self.controller.alter_isr(self.state, [b for b in self.state.isr if b not in lagging],
                                      reason=f"lagged more than {self.lag_time_s:g}s")
            self.maybe_advance_high_watermark()
            self._complete_delayed()

    def maybe_advance_high_watermark(self) -> None:
        """Move the high watermark to the smallest log end offset in the ISR (leader only)."""
        if not self.is_leader:
            return
        ends = [self.log.log_end_offset]
        for b in self.state.isr:
            if b != self.broker_id:
                follower = self.followers.get(b)
                ends.append(follower.log_end_offset if follower else -1)
        new_hw = min(ends)
        if new_hw > self.high_watermark:
            self.high_watermark = new_hw
            self.events.emit(self.broker_id, "hw", topic=self.topic, partition=self.index, high_watermark=new_hw)
            self._complete_delayed()
            self.notify()

    # --- follower ---------------------------------------------------------------------
    def truncate_to(self, offset: int, reason: str) -> None:
        """Cut the log back to `offset` (a follower diverged from the new leader's epoch history)."""
        removed = self.log.truncate_to(offset)
        if removed:
            self.events.emit(self.broker_id, "truncate", topic=self.topic, partition=self.index,
                             offset=self.log.log_end_offset, records_removed=removed, reason=reason)
            self._rebuild_producer_state()
        self.high_watermark = min(self.high_watermark, self.log.log_end_offset)

    def truncate_fully_and_start_at(self, offset: int, reason: str) -> None:
        """Empty this follower's log and restart it at `offset`: the leader's log start offset
        passed our log end, so what we miss was deleted by retention (Kafka's truncateFullyAndStartAt)."""
        removed = self.log.log_end_offset - self.log.log_start_offset
        self.log.truncate_fully_and_start_at(offset)
        self.producer_state = ProducerStateManager()
        self.high_watermark = offset
        self.events.emit(self.broker_id, "truncate", topic=self.topic, partition=self.index,
                         offset=offset, records_removed=removed, reason=reason)

    def _rebuild_producer_state(self) -> None:
        self.producer_state = ProducerStateManager()
        for entry in self.log.entries():
            self.producer_state.on_append(entry.header, entry.data)

    def append_as_follower(self, fetched: FollowerFetch) -> None:
        """Append batches fetched from the leader, keeping their offsets (sharing their bytes);
        adopt the leader's HW up to our end, and its log start offset."""
        log = self.log
        changed = bool(fetched.entries)
        if changed:
            log.config = self.log_config
            for entry in fetched.entries:
                stored = log.append_as_follower(entry)
                self.producer_state.on_append(stored, entry.data)
        new_hw = min(fetched.high_watermark, log.log_end_offset)
        if new_hw > self.high_watermark:
            self.high_watermark = new_hw
            changed = True
        if log.maybe_increment_log_start_offset(min(fetched.log_start_offset, self.high_watermark)):
            self.producer_state.truncate_head(log.log_start_offset)
            changed = True
        if changed:         # an empty fetch that moved nothing wakes no one
            self.notify()

    # --- retention ----------------------------------------------------------------------
    def delete_old_segments(self, now_ms: int, producer_id_expiration_ms: int) -> None:
        """A retention pass on this replica (Kafka's LogManager.cleanupLogs): delete the oldest
        segments the topic's retention allows, forget what they held, and expire producer ids
        idle for producer.id.expiration.ms."""
        log = self.log
        log.config = self.log_config
        for deletion in log.delete_old_segments(now_ms, self.high_watermark):
            self.events.emit(self.broker_id, "segments_deleted", topic=self.topic, partition=self.index,
                             segments=deletion.segments, records=deletion.records, bytes=deletion.bytes,
                             log_start_offset=deletion.log_start_offset, reason=deletion.reason)
        self.producer_state.truncate_head(log.log_start_offset)
        self.producer_state.remove_expired_producers(now_ms, producer_id_expiration_ms)

    # --- reads ------------------------------------------------------------------------
    def last_stable_offset(self) -> int:
        """The LSO: the first offset of the oldest open transaction, or the HW; read_committed reads below it."""
        first_open = self.producer_state.first_unstable_offset()
        return self.high_watermark if first_open is None else min(first_open, self.high_watermark)
