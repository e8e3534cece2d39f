"""The event log is a ring buffer: it keeps the newest events only, subscribers see every one."""

from __future__ import annotations

import threading

import pytest

from engine.sandbox.events import Event, EventLog


def test_the_log_keeps_the_newest_events_and_subscribers_see_all() -> None:
    log = EventLog(capacity=100)
    seen: list[Event] = []
    unsubscribe = log.subscribe(seen.append)
    for i in range(1_000):
        log.emit(1, "append", n=i)
    kept = log.snapshot()
    assert len(kept) == len(log) == 100
    assert [e.details["n"] for e in kept] == list(range(900, 1_000))
    assert [e.details["n"] for e in seen] == list(range(1_000))
    assert log.emitted == 1_000
    unsubscribe()
    log.emit(1, "append", n=1_000)
    assert len(seen) == 1_000


def test_a_broken_listener_does_not_stop_the_others() -> None:
    log = EventLog(capacity=10)
    seen: list[str] = []

    def broken(_event: Event) -> None:
        raise RuntimeError("listener bug")
    log.subscribe(broken)
    log.subscribe(lambda e: seen.append(e.kind))
    log.emit(None, "topic_created")
    assert seen == ["topic_created"]


def test_snapshot_while_another_thread_emits() -> None:
    log = EventLog(capacity=500)
    stop = threading.Event()

    def emit() -> None:
        i = 0
        while not stop.is_set():
            log.emit(1, "hw", high_watermark=i)
            i += 1
    thread = threading.Thread(target=emit)
    thread.start()
    try:
        for _ in range(200):
            events = log.snapshot()
            marks = [e.details["high_watermark"] for e in events]
            assert marks == sorted(marks) and len(marks) <= 500
    finally:
        stop.set()
        thread.join(10)


def test_unbounded_and_invalid_capacities() -> None:
    log = EventLog(capacity=None)
    for i in range(2_000):
        log.emit(None, "x", n=i)
    assert len(log.snapshot()) == 2_000
    with pytest.raises(ValueError, match="capacity >= 1"):
        EventLog(capacity=0)
