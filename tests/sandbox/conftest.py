from __future__ import annotations

import time
from typing import Callable, Iterator

import pytest

from engine.sandbox import Sandbox


def wait_for(condition: Callable[[], object], timeout: float = 60, what: str = "condition") -> None:
    """Poll `condition` until true; generous deadline, the machine may be loaded."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # A long lag time: ISR changes in these tests come from the faults, not from a slow machine.
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        yield sb

