"""One real Kafka cluster for an interactive session (the app's run panel on "Apache Kafka").

Starting KRaft brokers takes tens of seconds, so the cluster is started the first time a run asks
for it, kept for the next runs (each run resets it: every broker up, replication flowing, no
faults, no topics), and stopped when the session ends. A run needing another broker count gets a
cluster of that size in place of the one kept. A cluster handed in (`KafkaSession(cluster=kc)`, a
test's session cluster) is used while its size fits and never stopped here.

    session = KafkaSession()
    with session.lease(brokers=3, progress=print) as cluster:   # "fetching Kafka 4.1.0…", "starting 3 brokers…"
        result = run_on_kafka(script, scenario, cluster=cluster)
    session.close()                                               # no JVM left

One run at a time holds the lease: two runs on one cluster would reset each other's topics.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator

from engine.apache_kafka.cluster import KafkaCluster, KafkaUnavailable
from engine.apache_kafka.release import MissingTool, find_tools, kafka_missing, kafka_version, resolve_classpath

Progress = Callable[[str], None]


class KafkaSession:
    """The session's cluster: started on first use, kept, resized on demand, stopped by close()."""

    def __init__(self, cluster: KafkaCluster | None = None) -> None:
        self._cluster = cluster
        self._owned = cluster is None  # a cluster handed in belongs to whoever started it
        self._starting: KafkaCluster | None = None
        self._lease = threading.Lock()  # one run at a time
        self._state = threading.Lock()  # guards the fields above against close() from another thread
        self._closed = False

    @property
    def cluster(self) -> KafkaCluster | None:
        """The cluster kept now (None before the first run, or after close())."""
        return self._cluster

    @property
    def pids(self) -> list[int]:
        """The JVMs this session started and that still run (a handed-in cluster's are not its)."""
        with self._state:
            own = [c for c in (self._cluster if self._owned else None, self._starting) if c is not None]
        return [pid for c in own for pid in c.pids]

    @contextlib.contextmanager
    def lease(self, brokers: int, progress: Progress | None = None) -> Iterator[KafkaCluster]:
        """The running cluster of `brokers` brokers, for one run; starts it (saying what it does
        through `progress`) unless it is kept already. Raises KafkaUnavailable or MissingTool."""
        say = progress or (lambda text: None)
        if not self._lease.acquire(blocking=False):
            say("waiting for the run before this one to end…")
            self._lease.acquire()
        try:
            yield self._ensure(brokers, say)
        finally:
            self._lease.release()

    def _ensure(self, brokers: int, say: Progress) -> KafkaCluster:
        with self._state:
            if self._closed:
                raise KafkaUnavailable("the session has ended: its Kafka cluster is stopped")
            kept = self._cluster
            if kept is not None and kept.broker_count == brokers and kept.pids:
                return kept
            self._cluster = None
            owned, self._owned = self._owned, True
        if kept is not None and owned:
            say(f"stopping the {kept.broker_count}-broker Kafka cluster…")
            kept.close()
        version = kafka_version()
        say(f"fetching Kafka {version}…")  # Maven the first time, then the cached jar list
        tools = find_tools()
        resolve_classpath(tools)
        say(f"starting {brokers} broker{'s' if brokers != 1 else ''} (Kafka {version}, KRaft)…")
        cluster = KafkaCluster(brokers=brokers, tools=tools)
        with self._state:
            if self._closed:
                raise KafkaUnavailable("the session has ended: its Kafka cluster is stopped")
            self._starting = cluster
        try:
            cluster.start()  # closes what it started if it fails
        finally:
            with self._state:
                self._starting = None
                closed = self._closed
                if not closed:
                    self._cluster = cluster
        if closed:  # close() came while the brokers were starting
            cluster.close()
            raise KafkaUnavailable("the session has ended: its Kafka cluster is stopped")
        return cluster

    def close(self) -> None:
        """Stop the cluster this session started (and one still starting); a handed-in one is left."""
        with self._state:
            self._closed = True
            own = [c for c in (self._cluster if self._owned else None, self._starting) if c is not None]
            self._cluster = None
        for cluster in own:
            cluster.close()
