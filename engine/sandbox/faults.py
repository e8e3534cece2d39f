"""Injected faults that act on requests (lose_acks, drop_requests): deterministic counters.

`lose_acks(n, api)`: the next n matching requests are applied, then their connection is cut
before the response goes out (the client sees a lost ack and retries).
`drop_requests(n, api)`: the next n matching requests are discarded unapplied and their
connection cut. Broker and replication faults (stop_broker, pause_replication) act on the
cluster directly, through the Sandbox facade.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

from engine.sandbox.events import EventLog


class Action(Enum):
    """What happens to a request: delivered, applied but its response lost, or dropped unapplied."""

    DELIVER = "deliver"
    LOSE_ACK = "lose_ack"
    DROP = "drop"


@dataclass
class _Pending:
    action: Action
    api: str | None      # None: any API
    remaining: int


class FaultInjector:
    """The armed request faults, consumed in order by matching requests on any broker."""

    def __init__(self, events: EventLog) -> None:
        self.events = events
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()     # armed from the caller's thread, consumed on the loop

    def arm(self, action: Action, count: int, api: str | None) -> None:
        """Arm `action` for the next `count` requests of `api` (None: any API)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._pending.append(_Pending(action, api, count))
        self.events.emit(None, "fault", fault=action.value, count=count, api=api or "any")

    def clear(self) -> None:
        """Disarm every fault not yet struck."""
        with self._lock:
            self._pending.clear()

    def on_request(self, broker_id: int, api: str, correlation_id: int) -> Action:
        """What to do with this request; consumes one armed fault if it matches."""
        if not self._pending:
            return Action.DELIVER
        with self._lock:
            for pending in self._pending:
                if pending.api is None or pending.api == api:
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._pending.remove(pending)
                    break
            else:
                return Action.DELIVER
        self.events.emit(broker_id, "fault", fault=pending.action.value, api=api, correlation_id=correlation_id)
        return pending.action
