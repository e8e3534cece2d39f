"""One real Kafka cluster per test session (per pytest-xdist worker; the tests here share the
`apache_kafka` xdist group so one worker runs them all), stopped at the end with a check that no
JVM it started is left. The session fixture `kafka_cluster` is defined in tests/conftest.py, so the
app's test on real Kafka (tests/app/test_app_kafka.py, same xdist group) uses the same cluster.
Without java/mvn the tests skip naming what to install, except under CI=true, where they must run
and fail instead."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Callable

import pytest

from engine.apache_kafka import KafkaCluster, MissingTool, find_tools

pytestmark = pytest.mark.xdist_group("apache_kafka")


def require_kafka_tools() -> None:
    """Skip (fail under CI=true) when the JDK or Maven is missing."""
    try:
        find_tools(need_mvn=True)
    except MissingTool as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Apache Kafka oracle tests: {exc}")
        pytest.skip(str(exc))


def alive(pids: list[int]) -> list[int]:
    """Those of `pids` that `ps` still lists (zombies aside)."""
    out = subprocess.run(["ps", "-eo", "pid=,stat="], capture_output=True, text=True, check=True).stdout
    running = {int(pid) for pid, stat in (line.split() for line in out.splitlines()) if not stat.startswith("Z")}
    return [p for p in pids if p in running]


def wait_for(condition: Callable[[], object], timeout: float = 90, what: str = "condition",
             every: float = 0.1) -> None:
    """Poll `condition` until true; generous deadline, the machine is small and shared."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


@pytest.fixture
def kafka(kafka_cluster: KafkaCluster) -> KafkaCluster:
    """The session's cluster, reset: every broker up, replication flowing, no faults, no topics."""
    kafka_cluster.reset()
    return kafka_cluster
