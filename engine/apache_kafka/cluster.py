"""`KafkaCluster`: real Apache Kafka (the pinned release) on 127.0.0.1, driven like the Sandbox.

KRaft with one controller-only node (`process.roles=controller`, a static quorum of one through
`controller.quorum.voters`) and N brokers (`process.roles=broker`), storage formatted in a temporary
folder with `kafka.tools.StorageTool format`. The controller stands apart, as the sandbox's does:
stopping brokers never costs the metadata quorum (with N combined nodes, stopping two of three
would leave no controller majority, and no leader could change). Each broker has two listeners:
- CLIENT, advertised as a KafkaProxy: where lost acks and dropped requests are injected and
  request/response/append events come from;
- REPLICATION (`inter.broker.listener.name`), advertised as a plain relaying proxy: followers fetch
  through it, so pausing those proxies really stops replication while every leader keeps serving.
Brokers reach the controller directly: heartbeats and metadata are never faulted.
`stop_broker` is a crash (SIGKILL; the log directory stays, as a disk would): the controller fences
the broker after broker.session.timeout.ms and moves its leaderships. `start_broker` starts the same
broker again (log recovery, then it rejoins the ISR by fetching).

    with KafkaCluster(brokers=3) as kc:
        kc.create_topic("orders", partitions=1, replication_factor=3, min_insync_replicas=2)
        kc.bootstrap_servers, kc.leader("orders", 0), kc.records("orders", 0)

Every JVM dies with the process that started it (PR_SET_PDEATHSIG), and close() kills what is left.
"""

from __future__ import annotations

import base64
import concurrent.futures
import ctypes
import functools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from engine.apache_kafka.proxy import KafkaProxy, TopicNames
from engine.apache_kafka.release import Tools, find_tools, kafka_version, resolve_classpath
from engine.sandbox.events import Event, EventLog
from engine.sandbox.faults import Action, FaultInjector

Isolation = Literal["read_committed", "read_uncommitted"]

# Small heaps, quick serial GC and C1 only: three brokers share two cores with everything else.
CONTROLLER_ID = 100  # brokers are 1..N, as in the sandbox
JVM_OPTS = ["-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true"]

LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="{log}" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="kafka" level="INFO"/>
    <Logger name="org.apache.kafka" level="INFO"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Root level="WARN"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
"""


def _watermarks(consumer: Any, tp: Any, timeout: float = 30.0) -> tuple[int, int]:
    """(low, high) of a partition, asking again while the answer is a retriable error: a leader
    elected a moment ago answers OFFSET_NOT_AVAILABLE until it knows its high watermark (KIP-207),
    and a partition whose leader just crashed has none for broker.session.timeout.ms."""
    from confluent_kafka import KafkaException

    deadline = time.monotonic() + timeout
    while True:
        try:
            return consumer.get_watermark_offsets(tp, timeout=10, cached=False)
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            retriable = getattr(error, "retriable", lambda: False)() or getattr(error, "code", lambda: 0)() in (
                78, 6, 5, 7)  # OFFSET_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, REQUEST_TIMED_OUT
            if not retriable or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


_UNKNOWN_TOPIC_OR_PARTITION = 3
_TOPIC_ALREADY_EXISTS = 36


def _error_code(exc: BaseException) -> int | None:
    """The Kafka error code a confluent-kafka admin future failed with (None: not a Kafka error)."""
    error = exc.args[0] if exc.args else None
    code = getattr(error, "code", None)
    return code() if callable(code) else None


class _QuietLogger:
    """librdkafka's own log lines (connection refused while a node starts) are expected: dropped.
    confluent-kafka's `logger` setting takes an object with logging.Logger's .log()."""

    def log(self, *_args: Any, **_kwargs: Any) -> None:
        pass


_quiet = _QuietLogger()


@dataclass(frozen=True)
class ConsumedRecord:
    """One record as a consumer reads it (the Sandbox's ConsumedRecord, from a real broker)."""

    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int
    headers: list[tuple[str, bytes]]
    producer_id: int  # -1: a consumer is not told


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL me when the thread that started me dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    os.setsid()  # its own process group: a terminal's Ctrl-C reaches only us, and we stop it


def new_cluster_id() -> str:
    """A KRaft cluster id: a UUID's 16 bytes in URL-safe base64, unpadded (22 characters). Like
    Kafka's Uuid.randomUuid(), never one that starts with '-' (a command line would take it for an option)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text


@dataclass
class _Node:
    node_id: int
    client_port: int
    replication_port: int
    controller_port: int
    directory: Path
    proxy: KafkaProxy | None = None
    replication_proxy: KafkaProxy | None = None
    process: subprocess.Popen | None = None

    @property
    def config_file(self) -> Path:
        return self.directory / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"


class KafkaUnavailable(RuntimeError):
    """The cluster did not come up; the message says which node and the tail of its log."""


class KafkaCluster:
    """The same contract as engine.sandbox.Sandbox (engine.runs.backend.ClusterBackend), on real Kafka."""

    target_name = "kafka"

    def __init__(self, brokers: int = 3, *, start_timeout: float = 180.0, settings: dict[str, str] | None = None,
                 tools: Tools | None = None, keep_dir: bool = False) -> None:
        if brokers < 1:
            raise ValueError("brokers must be at least 1")
        self.broker_count = brokers
        self.start_timeout = start_timeout
        self.settings = dict(settings or {})
        self.tools = tools
        self.keep_dir = keep_dir
        self.version = kafka_version()
        self.description = f"Apache Kafka {self.version}"  # how a run names where it ran
        self.cluster_id = new_cluster_id()
        self._events = EventLog()
        self._faults = FaultInjector(self._events)
        self._names = TopicNames()
        self._nodes: dict[int, _Node] = {}  # the brokers, by id
        self._controller: _Node | None = None
        self._dir: Path | None = None
        self._classpath = ""
        self._admin: Any = None
        self._lock = threading.RLock()
        self._replication_paused = False
        self._reset_deleted: set[str] = set()  # topics reset() deleted and no run has created since
        self._isr_applied: dict[tuple[str, int], tuple[int, list[int]]] = {}  # (leader, ISR) the leader uses
        # PR_SET_PDEATHSIG fires when the *thread* that forked the JVM ends, not the process: every
        # JVM is started from this one thread, which lives until close(), whichever thread asks
        # (a proxy's connection thread applying a `records` trigger, an app worker).
        self._launcher: concurrent.futures.ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "KafkaCluster":
        tools = self.tools or find_tools()
        self.tools = tools
        self._classpath = resolve_classpath(tools)
        self._dir = Path(tempfile.mkdtemp(prefix="course-kafka-"))
        self._launcher = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kafka-launcher")
        try:
            self._controller = _Node(CONTROLLER_ID, 0, 0, _free_port(), self._dir / "controller")
            self._controller.directory.mkdir()
            for node_id in range(1, self.broker_count + 1):
                node = _Node(node_id, _free_port(), _free_port(), 0, self._dir / f"broker-{node_id}")
                node.directory.mkdir()
                node.proxy = KafkaProxy(node_id, node.client_port, self._events, self._faults, self._names)
                node.replication_proxy = KafkaProxy(node_id, node.replication_port, self._events, None,
                                                    self._names, watch=False)
                self._nodes[node_id] = node
            for node in self._all_nodes():
                self._write_config(node)
            self._format()
            for node in self._all_nodes():
                self._launch(node, heap="-Xmx256m" if node is self._controller else "-Xmx384m")
            self._wait_ready(set(self._nodes))
            self._warm_up()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        with self._lock:
            for node in self._all_nodes():
                self._kill(node)
                for proxy in (node.proxy, node.replication_proxy):
                    if proxy is not None:
                        proxy.close()
            self._nodes.clear()
            self._controller = None
            self._admin = None
            if self._launcher is not None:
                self._launcher.shutdown(wait=True)
                self._launcher = None
            if self._dir is not None and not self.keep_dir:
                shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> "KafkaCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """The JVMs running now (for checks that nothing is left behind)."""
        return [n.process.pid for n in self._all_nodes() if n.process is not None and n.process.poll() is None]

    def _all_nodes(self) -> list[_Node]:
        return ([self._controller] if self._controller is not None else []) + list(self._nodes.values())

    @property
    def directory(self) -> Path | None:
        return self._dir

    # ------------------------------------------------------------------ configuration

    def _replication_factor(self) -> int:
        return min(3, self.broker_count)

    def _write_config(self, node: _Node) -> None:
        assert self._controller is not None
        rf = self._replication_factor()
        config = {
            "node.id": str(node.node_id),
            "controller.quorum.voters": f"{CONTROLLER_ID}@127.0.0.1:{self._controller.controller_port}",
            "listener.security.protocol.map": "CLIENT:PLAINTEXT,REPLICATION:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "log.dirs": str(node.directory / "data"),
            "num.partitions": "1",
            "default.replication.factor": str(rf),
            "min.insync.replicas": "1",
            "auto.create.topics.enable": "true",
            "offsets.topic.replication.factor": str(rf),
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": str(rf),
            "transaction.state.log.min.isr": str(min(2, rf)),
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.replication.factor": str(rf),
            "share.coordinator.state.topic.min.isr": str(min(2, rf)),
            # Test-friendly timings, the sandbox's (engine/sandbox/config.py) where it has one.
            "group.initial.rebalance.delay.ms": "0",
            "replica.lag.time.max.ms": "10000",
            "broker.heartbeat.interval.ms": "500",
            "broker.session.timeout.ms": "3000",
            "controller.quorum.election.timeout.ms": "1000",
            "controller.quorum.fetch.timeout.ms": "2000",
            "replica.fetch.backoff.ms": "200",
            # Few threads: the machine is small and shared.
            "num.network.threads": "2",
            "num.io.threads": "2",
            "background.threads": "2",
            "num.replica.fetchers": "1",
            "num.recovery.threads.per.data.dir": "1",
            "log.cleaner.enable": "false",
            "log.segment.bytes": str(16 * 1024 * 1024),
        }
        if node is self._controller:
            config.update({"process.roles": "controller",
                           "listeners": f"CONTROLLER://127.0.0.1:{node.controller_port}"})
        else:
            assert node.proxy is not None and node.replication_proxy is not None
            config.update({
                "process.roles": "broker",
                "listeners": f"CLIENT://127.0.0.1:{node.client_port},REPLICATION://127.0.0.1:{node.replication_port}",
                # Clients and followers are told the proxies' ports; the brokers listen behind them.
                "advertised.listeners": f"CLIENT://127.0.0.1:{node.proxy.port},"
                                        f"REPLICATION://127.0.0.1:{node.replication_proxy.port}",
                "inter.broker.listener.name": "REPLICATION",
            })
        config.update(self.settings)
        text = "".join(f"{k}={v}\n" for k, v in config.items())
        node.config_file.write_text(text, encoding="utf-8")
        (node.directory / "log4j2.xml").write_text(LOG4J2.format(log=node.log_file), encoding="utf-8")

    def _java(self, node: _Node, main: str, *args: str, heap: str = "-Xmx384m") -> list[str]:
        assert self.tools is not None
        return [self.tools.java, *JVM_OPTS, heap, f"-Dlog4j2.configurationFile={node.directory / 'log4j2.xml'}",
                f"-Dkafka.logs.dir={node.directory}", "-cp", self._classpath, main, *args]

    def _format(self) -> None:
        """`kafka-storage format` on every node, in parallel: writes meta.properties and, on the
        controller, the bootstrap metadata (a static quorum in controller.quorum.voters needs no
        --standalone or --initial-controllers)."""
        procs = []
        for node in self._all_nodes():
            cmd = self._java(node, "kafka.tools.StorageTool", "format", f"--cluster-id={self.cluster_id}",
                             "-c", str(node.config_file), heap="-Xmx128m")
            procs.append((node, self._spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        failed = []
        for node, proc in procs:
            try:
                out, _ = proc.communicate(timeout=self.start_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            if proc.returncode != 0:
                failed.append(f"node {node.node_id}: exit {proc.returncode}: {out.strip()[-800:]}")
        if failed:
            raise KafkaUnavailable("kafka-storage format failed: " + "; ".join(failed))

    def _spawn(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen:
        """Popen on the launcher thread; the child dies with this process (and is its own group)."""
        if self._launcher is None:
            raise RuntimeError("the Kafka cluster is not running")
        work = functools.partial(subprocess.Popen, cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
                                 **kwargs)
        return self._launcher.submit(work).result()

    def _launch(self, node: _Node, heap: str = "-Xmx384m") -> None:
        out = open(node.directory / "stdout.log", "ab")
        try:
            node.process = self._spawn(self._java(node, "kafka.Kafka", str(node.config_file), heap=heap),
                                       stdout=out, stderr=subprocess.STDOUT, cwd=str(node.directory))
        finally:
            out.close()

    def _kill(self, node: _Node) -> None:
        proc, node.process = node.process, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass

    def _tail(self, node: _Node, lines: int = 20) -> str:
        texts = []
        for name in ("stdout.log", "server.log"):
            path = node.directory / name
            if path.is_file():
                texts.extend(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        return "\n".join(texts[-lines:])

    def _wait_ready(self, node_ids: set[int]) -> None:
        """Until every node in `node_ids` is registered and answers Metadata through its proxy."""
        from confluent_kafka.admin import AdminClient

        deadline = time.monotonic() + self.start_timeout
        pending = set(node_ids)
        controller = self._controller
        while pending:
            if controller is not None and controller.process is not None and controller.process.poll() is not None:
                raise KafkaUnavailable(f"the Kafka controller exited ({controller.process.returncode}):\n"
                                       f"{self._tail(controller)}")
            for node_id in sorted(pending):
                node = self._nodes[node_id]
                if node.process is None or node.process.poll() is not None:
                    code = node.process.returncode if node.process is not None else None
                    raise KafkaUnavailable(f"Kafka node {node_id} exited ({code}) while starting:\n{self._tail(node)}")
                assert node.proxy is not None
                admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{node.proxy.port}", "logger": _quiet})
                try:
                    md = admin.list_topics(timeout=2)
                    if node_id in md.brokers and len(md.brokers) >= len(self._running_ids()):
                        pending.discard(node_id)
                except Exception:
                    pass
            if pending and time.monotonic() > deadline:
                node = self._nodes[min(pending)]
                raise KafkaUnavailable(f"Kafka node(s) {sorted(pending)} did not serve Metadata within "
                                       f"{self.start_timeout:g} s:\n{self._tail(node)}")
            if pending:
                time.sleep(0.5)

    def _running_ids(self) -> list[int]:
        return [i for i, n in self._nodes.items() if n.process is not None and n.process.poll() is None]  # brokers

    # ------------------------------------------------------------------ the Sandbox's contract

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(f"127.0.0.1:{n.proxy.port}" for n in self._nodes.values() if n.proxy is not None)

    @property
    def events(self) -> list[Event]:
        return self._events.snapshot()

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every new event (on a proxy's thread, or the caller's); returns unsubscribe."""
        return self._events.subscribe(listener)

    def admin(self) -> Any:
        from confluent_kafka.admin import AdminClient

        if self._admin is None:
            self._admin = AdminClient({"bootstrap.servers": self.bootstrap_servers, "logger": _quiet})
        return self._admin

    def create_topic(self, name: str, partitions: int = 1, replication_factor: int | None = None,
                     min_insync_replicas: int | None = None) -> None:
        """Create a topic and wait until every partition has a leader; ValueError if Kafka refuses."""
        from confluent_kafka.admin import NewTopic

        rf = replication_factor or self._replication_factor()
        config = {} if min_insync_replicas is None else {"min.insync.replicas": str(min_insync_replicas)}
        deadline = time.monotonic() + 60
        while True:
            future = self.admin().create_topics([NewTopic(name, partitions, rf, config=config)])[name]
            try:
                future.result(timeout=60)
                break
            except Exception as exc:
                # A topic reset() deleted can come back before this run creates it: a client of the
                # previous run still asking for its metadata makes the broker auto-create it
                # (auto.create.topics.enable), with default settings. Not this run's topic: deleted again.
                if (_error_code(exc) != _TOPIC_ALREADY_EXISTS or name not in self._reset_deleted
                        or time.monotonic() > deadline):
                    raise ValueError(f"{name}: {exc}") from None
                self._events.emit(None, "topic_recreated_by_client", topic=name)
                self.delete_topics([name])
        self._reset_deleted.discard(name)
        for node in self._nodes.values():
            if node.proxy is not None:
                node.proxy.forget_offsets(name)
        self._events.emit(None, "topic_created", topic=name, partitions=partitions, replication_factor=rf)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if all(self.leader(name, p) is not None for p in range(partitions)):
                    return
            except KeyError:  # not yet known: asked again
                pass
            time.sleep(0.2)
        raise ValueError(f"{name}: no leader for every partition after 60 s")

    def delete_topics(self, names: list[str], timeout: float = 90.0) -> None:
        """Delete topics and wait until no running broker's metadata lists them.

        A DeleteTopics request can fail (the broker forwarding it to the controller timed out, or had
        just restarted) while the topic stays: such a deletion is asked again. A name still listed at
        the deadline is an error, never a silent leftover that the next create_topic meets as
        TOPIC_ALREADY_EXISTS."""
        if not names:
            return
        deadline = time.monotonic() + timeout
        listed = set(names)
        failures: dict[str, str] = {}
        while True:
            for name, future in self.admin().delete_topics(sorted(listed), operation_timeout=30).items():
                try:
                    future.result(timeout=60)
                except Exception as exc:
                    if _error_code(exc) != _UNKNOWN_TOPIC_OR_PARTITION:  # already gone: what we want
                        failures[name] = str(exc)
            # The controller answers once the deletion is committed; brokers apply it a moment later.
            retry_at = min(deadline, time.monotonic() + 15)
            while True:
                listed = self._listed_anywhere(names)
                if not listed or time.monotonic() > retry_at:
                    break
                time.sleep(0.3)
            if not listed:
                break
            if time.monotonic() > deadline:
                detail = "; ".join(f"{n}: {failures[n]}" for n in sorted(listed) if n in failures)
                raise RuntimeError(f"topics {sorted(listed)} still listed {timeout:g} s after deleting them"
                                   + (f" ({detail})" if detail else ""))
        for key in [k for k in self._isr_applied if k[0] in names]:
            del self._isr_applied[key]
        for node in self._nodes.values():
            if node.proxy is not None:
                node.proxy.forget_offsets()

    def _listed_anywhere(self, names: list[str]) -> set[str]:
        """Those of `names` that the metadata of at least one running broker lists (each asked
        through its own proxy): a client of the next run may ask any of them. A broker that does
        not answer is taken to list them all."""
        listed: set[str] = set()
        for node_id in self._running_ids():
            try:
                listed |= set(names) & set(self._node_metadata(node_id).topics)
            except Exception:  # confluent_kafka.KafkaException: a slow answer, asked again
                return set(names)
        return listed

    def _node_metadata(self, node_id: int, timeout: float = 10.0) -> Any:
        """Metadata as broker `node_id` itself answers it, through a client bootstrapped on its
        proxy alone (librdkafka asks the broker it is connected to; it connects to others only
        when it has something for them)."""
        from confluent_kafka.admin import AdminClient

        node = self._nodes[node_id]
        assert node.proxy is not None
        admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{node.proxy.port}", "logger": _quiet})
        return admin.list_topics(timeout=timeout)

    def topics(self) -> list[str]:
        """Topics other than Kafka's internal ones."""
        return sorted(t for t in self.admin().list_topics(timeout=10).topics if not t.startswith("__"))

    def partition_count(self, topic: str) -> int | None:
        """How many partitions the cluster's metadata lists for `topic` (None: no such topic)."""
        meta = self.admin().list_topics(topic=topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None:
            return None
        return len(meta.partitions)

    def _partition(self, topic: str, partition: int, timeout: float = 10.0) -> Any:
        """The partition's metadata. Brokers learn a new topic from the controller one by one, so
        the broker asked may not list it yet: asked again for up to `timeout` before KeyError."""
        deadline = time.monotonic() + timeout
        while True:
            md = self.admin().list_topics(topic=topic, timeout=10)
            meta = md.topics.get(topic)
            if meta is not None and meta.error is None and partition in meta.partitions:
                return meta.partitions[partition]
            if time.monotonic() > deadline:
                raise KeyError(f"no partition {topic}-{partition}")
            time.sleep(0.2)

    def leader(self, topic: str, partition: int = 0) -> int | None:
        leader = self._partition(topic, partition).leader
        return None if leader < 0 else leader

    def isr(self, topic: str, partition: int = 0) -> list[int]:
        """The partition's in-sync replicas, as its leader acts on them.

        Metadata answers from a broker's metadata image, and a broker publishes each metadata change
        to that image just before it hands the change to its partitions (BrokerMetadataPublisher:
        the metadata cache, then ReplicaManager.applyDelta). A Produce that reaches the leader in
        between still meets the old ISR: with acks=all it is appended and waits for followers that
        are gone (since KIP-966 the high watermark does not move under min.insync.replicas), then
        times out, where a moment later it would have been refused with NOT_ENOUGH_REPLICAS.
        So a changed ISR is answered only once the leader has applied it (`_leader_applied`)."""
        meta = self._partition(topic, partition)
        isr = list(meta.isrs)
        key = (topic, partition)
        if meta.leader < 0 or self._isr_applied.get(key) == (meta.leader, sorted(isr)):
            return isr
        if self._leader_applied(topic, partition, meta.leader, sorted(isr)):
            self._isr_applied[key] = (meta.leader, sorted(isr))
            return isr
        applied = self._isr_applied.get(key)
        return list(applied[1]) if applied is not None and applied[0] == meta.leader else isr

    def _leader_applied(self, topic: str, partition: int, leader: int, isr: list[int],
                        timeout: float = 20.0) -> bool:
        """Whether broker `leader` has handed this ISR to its partition: its own metadata lists the
        ISR, then one later metadata change (a marker topic, created and deleted here) reaches it.
        A broker publishes metadata changes one after the other, so when the later one is in its
        image, the earlier one's partition update is done. False if that is not seen in `timeout`."""
        from confluent_kafka.admin import NewTopic

        if leader not in self._running_ids():
            return False
        deadline = time.monotonic() + timeout

        def listed_at_leader() -> Any:
            try:
                return self._node_metadata(leader).topics
            except Exception:  # confluent_kafka.KafkaException: a slow answer, asked again
                return {}

        while True:
            meta = listed_at_leader().get(topic)
            part = meta.partitions.get(partition) if meta is not None and meta.error is None else None
            if part is not None and part.leader == leader and sorted(part.isrs) == isr:
                break
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        marker = f"course-metadata-marker-{uuid.uuid4().hex[:12]}"
        try:
            self.admin().create_topics([NewTopic(marker, 1, 1)])[marker].result(timeout=60)
        except Exception:  # not created: no barrier this time, the caller asks again
            return False
        try:
            while marker not in listed_at_leader():
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
            return True
        finally:
            for future in self.admin().delete_topics([marker], operation_timeout=30).values():
                try:
                    future.result(timeout=60)
                except Exception:  # reset() deletes what is left, as every user topic
                    pass

    def replicas(self, topic: str, partition: int = 0) -> list[int]:
        return list(self._partition(topic, partition).replicas)

    def lose_acks(self, count: int = 1, api: str | None = "Produce") -> None:
        self._faults.arm(Action.LOSE_ACK, count, api)

    def drop_requests(self, count: int = 1, api: str | None = "Produce") -> None:
        self._faults.arm(Action.DROP, count, api)

    def pause_replication(self) -> None:
        """Followers' fetches are cut and refused at every replication proxy; leaders keep serving."""
        self._replication_paused = True
        for node in self._nodes.values():
            if node.replication_proxy is not None:
                node.replication_proxy.set_paused(True)
        self._events.emit(None, "fault", fault="pause_replication")

    def resume_replication(self) -> None:
        self._replication_paused = False
        for node in self._nodes.values():
            if node.replication_proxy is not None:
                node.replication_proxy.set_paused(False)
        self._events.emit(None, "fault", fault="resume_replication")

    def stop_broker(self, broker_id: int) -> None:
        """Crash the node (SIGKILL): its connections drop at once; the controller fences it after
        broker.session.timeout.ms and moves its leaderships to replicas in the ISR."""
        with self._lock:
            node = self._nodes[broker_id]
            if node.process is None:
                return
            self._events.emit(broker_id, "fault", fault="stop_broker")
            assert node.proxy is not None and node.replication_proxy is not None
            node.proxy.set_down(True)
            node.replication_proxy.set_down(True)
            self._kill(node)
            self._events.emit(broker_id, "broker_stopped", port=node.proxy.port)

    def start_broker(self, broker_id: int, wait: bool = True) -> None:
        """Start the stopped node again on the same ports and log directory."""
        with self._lock:
            node = self._nodes[broker_id]
            if node.process is not None and node.process.poll() is None:
                return
            self._events.emit(broker_id, "fault", fault="start_broker")
            assert node.proxy is not None and node.replication_proxy is not None
            node.proxy.set_down(False)
            node.replication_proxy.set_down(False)
            self._launch(node)
        if wait:
            self._wait_ready({broker_id})
        self._events.emit(broker_id, "broker_started", port=node.proxy.port)

    def broker_running(self, broker_id: int) -> bool:
        node = self._nodes[broker_id]
        return node.process is not None and node.process.poll() is None

    def reset(self) -> None:
        """Back to a clean cluster between runs: every node running, replication flowing, no armed
        faults, no user topics (so offsets start at 0 again)."""
        self._faults.clear()
        if self._replication_paused:
            self.resume_replication()
        for node_id in list(self._nodes):
            if not self.broker_running(node_id):
                self.start_broker(node_id)
        names = self.topics()
        self.delete_topics(names)
        self._reset_deleted |= set(names)
        self._isr_applied.clear()
        self._wait_internal_topics_settled()

    def _warm_up(self, timeout: float = 120.0) -> None:
        """Create Kafka's internal topics now, as their first users would: a group offset lookup
        makes __consumer_offsets, a transactional producer's InitProducerId makes __transaction_state.
        The sandbox's coordinators exist from the start; a lesson example must not spend its first
        seconds waiting for these topics to be created, led and loaded."""
        from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

        deadline = time.monotonic() + timeout
        consumer = Consumer({"bootstrap.servers": self.bootstrap_servers, "group.id": "course-warm-up",
                             "logger": _quiet})
        try:
            while True:
                try:
                    consumer.committed([TopicPartition("course-warm-up", 0)], timeout=10)
                    break
                except KafkaException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        finally:
            consumer.close()
        producer = Producer({"bootstrap.servers": self.bootstrap_servers, "transactional.id": "course-warm-up",
                             "logger": _quiet})
        producer.init_transactions(max(10.0, deadline - time.monotonic()))
        self._wait_internal_topics_settled(max(10.0, deadline - time.monotonic()))

    def _wait_internal_topics_settled(self, timeout: float = 90.0) -> None:
        """Until every partition of Kafka's internal topics (consumer offsets, transaction state)
        has a leader and all its replicas in the ISR: after brokers were stopped and started, the
        group and transaction coordinators move and reload, and a run starting meanwhile would wait
        on them where the sandbox's coordinators answer at once."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            topics = self.admin().list_topics(timeout=10).topics
            internal = [t for name, t in topics.items() if name.startswith("__")]
            if all(p.leader >= 0 and sorted(p.isrs) == sorted(p.replicas)
                   for t in internal for p in t.partitions.values()):
                return
            time.sleep(0.3)

    def high_watermark(self, topic: str, partition: int = 0) -> int:
        """The partition's high watermark, as ListOffsets reports it to a read_uncommitted client."""
        from confluent_kafka import Consumer, TopicPartition

        # librdkafka's default isolation.level is read_committed, whose ListOffsets answers the last
        # stable offset: below the high watermark while a transaction is open.
        consumer = Consumer({"bootstrap.servers": self.bootstrap_servers, "group.id": "course-oracle-reader",
                             "isolation.level": "read_uncommitted", "logger": _quiet})
        try:
            return _watermarks(consumer, TopicPartition(topic, partition))[1]
        finally:
            consumer.close()

    def _appended_end(self, topic: str, partition: int) -> int:
        """One past the highest offset the current leader reported written (its proxy saw it)."""
        leader = self.leader(topic, partition)
        node = self._nodes.get(leader) if leader is not None else None
        return node.proxy.highest_offset(topic, partition) + 1 if node is not None and node.proxy else 0

    def _settled_watermarks(self, consumer: Any, tp: Any, timeout: float = 10.0) -> tuple[int, int]:
        """The partition's watermarks once the followers have caught up with what the leader
        acknowledged. The sandbox's followers catch up as soon as replication resumes; a real
        follower needs a fetch round trip (and a reconnect after a pause) before the high watermark
        moves, and reading sooner would count acknowledged records as lost."""
        low, high = _watermarks(consumer, tp)
        if self._replication_paused:
            return low, high
        try:
            end = self._appended_end(tp.topic, tp.partition)
        except KeyError:
            return low, high
        deadline = time.monotonic() + timeout
        while high < end and time.monotonic() < deadline:
            time.sleep(0.2)
            low, high = _watermarks(consumer, tp)
        return low, high

    def records(self, topic: str, partition: int = 0, isolation: Isolation = "read_committed") -> list[ConsumedRecord]:
        """What a consumer at `isolation` reads now from the partition (up to the high watermark,
        or the last stable offset without aborted transactions), via a confluent-kafka consumer."""
        if isolation not in ("read_committed", "read_uncommitted"):
            raise ValueError(f"isolation must be read_committed or read_uncommitted, not {isolation!r}")
        from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.bootstrap_servers, "group.id": "course-oracle-reader",
                             "enable.auto.commit": False, "isolation.level": isolation,
                             "enable.partition.eof": True, "logger": _quiet})
        out: list[ConsumedRecord] = []
        try:
            tp = TopicPartition(topic, partition)
            low, high = self._settled_watermarks(consumer, tp)
            if high <= low:
                return out
            consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                msg = consumer.poll(0.5)
                if msg is not None:
                    if msg.error() is None:
                        ts = msg.timestamp()[1]
                        out.append(ConsumedRecord(msg.offset(), msg.key(), msg.value(), ts,
                                                  list(msg.headers() or []), -1))
                    elif msg.error().code() == KafkaError._PARTITION_EOF:
                        break  # the end a consumer at this isolation level sees
                # Positions, not record offsets: transaction markers take offsets too.
                position = consumer.position([tp])[0].offset
                if position >= high:
                    break
            return out
        finally:
            consumer.close()


