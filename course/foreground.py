"""A cluster in the foreground of a terminal, shared by `course sandbox` and `course kafka`:
`bootstrap.servers=...` first (scripts read that line), then the cluster's events one a line,
topics created on request, and a clean stop on Ctrl-C or SIGTERM (and, for a cluster whose
processes must not outlive whoever started it, when that parent dies)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any, Callable, Iterable, Protocol

REQUEST_KINDS = {"request", "response"}


class ForegroundCluster(Protocol):
    """What both the sandbox and a real Kafka cluster offer the foreground loop."""

    bootstrap_servers: str

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]: ...

    def create_topic(self, name: str, partitions: int = 1, **settings: Any) -> Any: ...


def stop_on_signals(watch_parent: bool = False) -> threading.Event:
    """An event set by SIGINT or SIGTERM (and, with `watch_parent`, when this process is
    re-parented because whoever started it died), so the caller's `finally` closes the cluster."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if watch_parent:
        threading.Thread(target=_watch_parent, args=(stop,), daemon=True, name="parent-watchdog").start()
    return stop


def _watch_parent(stop: threading.Event) -> None:
    parent = os.getppid()
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def print_events(cluster: ForegroundCluster, which: str, backlog: Iterable[Any] = ()) -> None:
    """Print the cluster's events as they happen: `all`, `cluster` (no request/response lines) or `none`."""
    if which == "none":
        return

    def show(event: Any) -> None:
        if which == "all" or event.kind not in REQUEST_KINDS:
            print(event.describe(), flush=True)
    for event in backlog:
        show(event)
    cluster.subscribe(show)


def create_topics(command: str, cluster: ForegroundCluster, topics: list[tuple[str, int]],
                  min_insync_replicas: int) -> None:
    """Create the `--topic` topics; a refused one is reported and the cluster keeps running."""
    for name, partitions in topics:
        try:
            cluster.create_topic(name, partitions=partitions, min_insync_replicas=min_insync_replicas)
        except ValueError as exc:
            print(f"{command}: {exc}", file=sys.stderr)


def wait_until_stopped(stop: threading.Event, still_running: Callable[[], bool] = lambda: True) -> bool:
    """Block until `stop` is set (True) or the cluster's processes are gone (False)."""
    while not stop.wait(0.5):
        if not still_running():
            return False
    return True
