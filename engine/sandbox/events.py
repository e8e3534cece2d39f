"""Everything the sandbox does, as structured events: for tests, the CLI log and the TUI.

Kinds (details in brackets):
- wire: request [api, version, correlation_id, client_id], response [api, correlation_id, ms,
  errors | lost], bad_frame / bad_request [peer, reason], handler_error [reason];
- log: append [topic, partition, base_offset, last_offset, leader_epoch, producer_id],
  duplicate (an idempotent retry answered from the dedup window), produce_error [error],
  hw [high_watermark], replicate [leader, fetch_offset, log_end_offset], truncate [offset,
  records_removed, reason];
- cluster: topic_created, isr_shrink / isr_expand [old_isr, isr, reason], leader_change
  [old_leader, leader, leader_epoch, reason], broker_started / broker_stopped, producer_id;
- fault [fault, ...] when armed and again when it strikes;
- the coordinators' own kinds (group_*, offset_commit, txn_*), documented in their modules.
- log retention: segments_deleted [segments, records, bytes, log_start_offset, reason];
  topic_config_changed [topic, configs].
Listeners run on the cluster's loop thread: keep them quick. Subscribers see every event; the log
itself keeps only the newest `capacity` (a ring buffer), so a long-running cluster's memory stays flat.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

Listener = Callable[["Event"], None]


@dataclass(frozen=True)
class Event:
    """One thing the cluster did, on a broker or on the controller (kinds listed above)."""

    time: float                  # time.time() when it happened
    broker: int | None           # the broker it happened on (None: the cluster/controller)
    kind: str
    details: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One log line: time, where, kind, details (the `course sandbox` output)."""
        stamp = time.strftime("%H:%M:%S", time.localtime(self.time)) + f".{int(self.time * 1000) % 1000:03d}"
        where = "cluster " if self.broker is None else f"broker {self.broker}"
        text = " ".join(f"{k}={v}" for k, v in self.details.items())
        return f"{stamp} {where:9s} {self.kind:15s} {text}"


DEFAULT_CAPACITY = 100_000


class EventLog:
    """The newest `capacity` events (a ring buffer) plus live subscribers, who see every event;
    safe to read from another thread."""

    def __init__(self, capacity: int | None = DEFAULT_CAPACITY) -> None:
        if capacity is not None and capacity < 1:
            raise ValueError("the event log must keep at least one event (capacity >= 1)")
        self.capacity = capacity
        self._events: deque[Event] = deque(maxlen=capacity)
        self._listeners: tuple[Listener, ...] = ()
        self._lock = threading.Lock()
        self.emitted = 0            # events emitted since start, kept or not

    def emit(self, broker: int | None, kind: str, **details: Any) -> Event:
        """Record an event and hand it to every listener (a failing listener is ignored)."""
        event = Event(time.time(), broker, kind, details)
        # deque.append is atomic, and the listener tuple is replaced, never changed in place,
        # so the hot path takes no lock; snapshot() copies under the lock.
        self._events.append(event)
        self.emitted += 1
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:   # a broken listener never breaks the broker
                pass
        return event

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with each new event from now on; returns a function that unsubscribes."""
        with self._lock:
            self._listeners = self._listeners + (listener,)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    listeners = list(self._listeners)
                    listeners.remove(listener)
                    self._listeners = tuple(listeners)
        return unsubscribe

    def snapshot(self) -> list[Event]:
        """The events kept (the newest `capacity`), oldest first."""
        with self._lock:
            while True:
                try:
                    return list(self._events)
                except RuntimeError:    # the loop thread appended while we copied: copy again
                    continue

    def __len__(self) -> int:
        return len(self._events)
