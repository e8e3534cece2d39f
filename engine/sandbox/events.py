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
Listeners run on the cluster's loop thread: keep them quick.
"""

from __future__ import annotations

import threading
import time
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


class EventLog:
    """An append-only list plus live subscribers; safe to read from another thread."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def emit(self, broker: int | None, kind: str, **details: Any) -> Event:
        """Record an event and hand it to every listener (a failing listener is ignored)."""
        event = Event(time.time(), broker, kind, details)
        with self._lock:
            self._events.append(event)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:   # a broken listener never breaks the broker
                pass
        return event

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with each new event from now on; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def snapshot(self) -> list[Event]:
        """Every event so far, oldest first."""
        with self._lock:
            return list(self._events)

    def __len__(self) -> int:
        return len(self._events)
