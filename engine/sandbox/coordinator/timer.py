"""The clock and timers the group and transaction coordinators run on.

Kafka's coordinators park requests in purgatories driven by a `Timer` (kafka.utils.timer);
here a `Timer` is anything with `time()` (seconds, monotonic) and `call_later(delay, callback)`
returning a handle with `cancel()`. `SystemTimer` uses the running asyncio loop; tests drive a
manual one so that session and rebalance timeouts fire exactly when the test says, not when a
loaded machine gets round to it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from dataclasses import dataclass, field
from typing import Callable, Protocol


class TimerHandle(Protocol):
    """A scheduled callback that can be cancelled (a completed or abandoned delayed operation)."""

    def cancel(self) -> None:
        """Do not run the callback."""


class Timer(Protocol):
    """A clock with delayed callbacks, driving the coordinators' session, rebalance and txn timeouts."""

    def time(self) -> float:
        """Now, in seconds (monotonic)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run `callback` after `delay` seconds."""


class SystemTimer:
    """Real time, on the asyncio loop that is running when a timer is first set."""

    def time(self) -> float:
        """The running loop's monotonic clock."""
        return asyncio.get_running_loop().time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """The loop's call_later (a negative delay runs as soon as possible)."""
        return asyncio.get_running_loop().call_later(max(delay, 0.0), callback)


class ManualTimer:
    """Time that moves only when `advance()` says (Kafka's MockTimer): for tests and for
    scenarios that must come out the same on every run."""

    @dataclass(order=True)
    class _Entry:
        due: float
        seq: int
        callback: Callable[[], None] = field(compare=False)
        cancelled: bool = field(default=False, compare=False)

        def cancel(self) -> None:
            self.cancelled = True

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._queue: list[ManualTimer._Entry] = []
        self._seq = itertools.count()

    def time(self) -> float:
        """The time `advance()` has reached."""
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Queue `callback` to fire when `advance()` passes now + `delay`."""
        entry = ManualTimer._Entry(self.now + max(delay, 0.0), next(self._seq), callback)
        heapq.heappush(self._queue, entry)
        return entry

    def advance(self, seconds: float) -> int:
        """Move time forward, firing every timer that falls due, in order; returns how many fired."""
        target = self.now + seconds
        fired = 0
        while self._queue and self._queue[0].due <= target:
            entry = heapq.heappop(self._queue)
            if entry.cancelled:
                continue
            self.now = max(self.now, entry.due)
            entry.callback()
            fired += 1
        self.now = target
        return fired

    def pending(self) -> int:
        """How many timers are set and not cancelled."""
        return sum(1 for e in self._queue if not e.cancelled)


def java_string_hash(s: str) -> int:
    """Java's String.hashCode (over UTF-16 code units, int32 overflow), as Kafka hashes ids."""
    data = s.encode("utf-16-be")
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i:i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def partition_for(key: str, num_partitions: int) -> int:
    """Kafka's `Utils.abs(key.hashCode) % n`: which __consumer_offsets / __transaction_state
    partition (hence which coordinator) owns a group id or transactional id."""
    return (java_string_hash(key) & 0x7FFFFFFF) % num_partitions
