"""Runs a lesson's example as a subprocess against a fresh sandbox (or a real cluster), applies
the scenario's faults when their triggers fire, streams what happens, and counts the outcome.

The example never learns it is being watched: it gets BOOTSTRAP_SERVERS and prints its report
lines (CONTRIBUTING.md). The outcome is computed from the log and those lines (engine.runs.outcome).

    result = run_example(Path("lessons/04-acks-and-replication/examples/acks-1.py"),
                         load_scenario(...), on_event=print)
    result.outcome.lost, result.timed_out, result.faults
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

try:
    import fcntl
except ImportError:  # Windows: pipes keep their size
    fcntl = None  # type: ignore[assignment]

from engine.runs.backend import ClusterBackend
from engine.runs.client_differences import check_claims, client_of
from engine.runs.outcome import ClientReport, Outcome, compute_outcome, parse_report_line
from engine.runs.scenario import Expectation, Fault, Scenario

class ClusterUnreachable(RuntimeError):
    """The real cluster given as bootstrap servers cannot be reached (nothing listens, or it
    answers no metadata request); the run never starts the example. str() is one line to show."""


RunEventKind = Literal["started", "output", "report", "fault", "sandbox", "exited", "timeout", "note"]


@dataclass(frozen=True)
class RunEvent:
    """One thing that happened during a run, in the order it happened (streamed to the app)."""

    kind: RunEventKind
    time: float  # seconds since the run started
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogEntry:
    """One record of a partition as the run left it (for the log table)."""

    offset: int
    value: str
    committed: bool  # False: a read_committed reader skips it (aborted, or beyond the LSO)
    copy: int  # among committed records: 1 for the first copy of this value, 2 for the next; 0 if skipped


@dataclass
class RunResult:
    script: Path
    outcome: Outcome
    exit_code: int | None
    timed_out: bool
    duration: float
    faults: list[str]  # the faults applied, described, in order
    output: list[str]  # the example's own output lines
    events: list[RunEvent]
    checks: list[tuple[Expectation, int, bool]]  # the scenario's expectations, met or not
    target: str  # "sandbox", "kafka" (engine.apache_kafka, faults injected) or a real cluster's bootstrap servers
    log: dict[tuple[str, int], list[LogEntry]] = field(default_factory=dict)  # sandbox runs only
    # claims met only through a known difference of the example's client (engine.runs.client_differences): metric -> why
    allowed: dict[str, str] = field(default_factory=dict)

    @property
    def expectations_met(self) -> bool:
        return all(ok for _, _, ok in self.checks)

    def to_json(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "script": str(self.script),
            "target": self.target,
            "sent": o.sent,
            "acknowledged": o.acknowledged,
            "failed": o.failed,
            "in_log": o.in_log,
            "lost": o.lost,
            "duplicates": o.duplicates,
            "log_duplicates": o.log_duplicates,
            "reordered": o.reordered,
            "processed": o.processed,
            "unprocessed": o.unprocessed,
            "lost_ids": o.lost_ids,
            "duplicate_ids": o.duplicate_ids,
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "duration": round(self.duration, 3),
            "faults": self.faults,
            "expectations": [{"expect": str(e), "actual": a, "met": ok,
                              **({"allowed": self.allowed[e.metric]} if e.metric in self.allowed else {})}
                             for e, a, ok in self.checks],
            "events": [{"kind": e.kind, "time": round(e.time, 4), "text": e.text, **e.data} for e in self.events],
        }


Listener = Callable[[RunEvent], None]
REPORT_TRIGGERS = ("sent", "acked", "processed")  # fault triggers counted from the example's report lines


class ExampleRun:
    """One run. `run()` blocks until the example exits or is killed; events stream to `listener`."""

    POLL = 0.02  # how often pending triggers are checked (seconds)

    def __init__(self, script: Path, scenario: Scenario | None = None, *, bootstrap_servers: str | None = None,
                 timeout: float | None = None, listener: Listener | None = None,
                 cancel: threading.Event | None = None, python: str = sys.executable,
                 sandbox_events: bool = True, backend: ClusterBackend | None = None):
        self.script = Path(script)
        self.scenario = scenario or Scenario(title=self.script.stem)
        self.bootstrap_servers = bootstrap_servers
        self.timeout = timeout if timeout is not None else self.scenario.timeout
        self.listener = listener
        self.cancel = cancel or threading.Event()
        self.python = python
        self.sandbox_events = sandbox_events
        self.backend = backend  # a running cluster to use instead of a fresh sandbox (left running)
        self.report = ClientReport()
        self.events: list[RunEvent] = []
        self.output: list[str] = []
        self.faults_applied: list[str] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._appended: dict[str, int] = {}  # records appended per topic (sandbox events)
        self._t0 = time.monotonic()
        self._pending: list[Fault] = list(self.scenario.faults)
        self._fault_lock = threading.RLock()
        self._sandbox: Any = None
        self._stopped: list[int] = []

    # ------------------------------------------------------------ events

    def _emit(self, kind: RunEventKind, text: str = "", **data: Any) -> None:
        event = RunEvent(kind, time.monotonic() - self._t0, text, data)
        with self._lock:
            self.events.append(event)
        if self.listener is not None:
            try:
                self.listener(event)
            except Exception:  # a broken listener never breaks the run
                pass

    def _on_sandbox_event(self, event: Any) -> None:
        if event.kind == "append" and not event.details.get("control"):
            # Leader appends of data batches (markers are control batches, not records).
            topic = event.details.get("topic")
            count = int(event.details["last_offset"]) - int(event.details["base_offset"]) + 1
            with self._lock:
                self._appended[topic] = self._appended.get(topic, 0) + count
            # Applied here, on the sandbox's own thread, before it handles the next request:
            # a record-count trigger fires at the same point in the stream on every run.
            self._apply_due(self._sandbox, kinds=("records",))
        if self.sandbox_events:
            self._emit("sandbox", event.describe(), broker=event.broker, event=event.kind,
                       details=_plain(event.details))

    # ------------------------------------------------------------ triggers

    def _fired(self, fault: Fault) -> bool:
        when = fault.when
        if when.kind == "start":
            return True
        if when.kind == "seconds":
            return time.monotonic() - self._t0 >= when.value
        with self._lock:
            if when.kind == "records":
                return self._appended.get(when.topic or "", 0) >= when.value
            counts = {"sent": len(self.report.sent), "acked": len(self.report.acked),
                      "processed": len(self.report.processed)}
        return counts[when.kind] >= when.value

    def _report_triggers_pending(self) -> bool:
        """Whether a fault still waits for a count of report lines (sent, acked, processed). Only
        then does each report line wake the supervisor: lesson 8 prints tens of thousands of
        lines, and a wake-up for each cost the caller half a second of CPU that the brokers and
        the example, whose speed it measures, could have used."""
        return any(f.when.kind in REPORT_TRIGGERS for f in self._pending)

    def _apply_due(self, sandbox: Any, kinds: tuple[str, ...] | None = None) -> None:
        with self._fault_lock:
            due = [f for f in self._pending if (kinds is None or f.when.kind in kinds) and self._fired(f)]
            for fault in due:
                self._pending.remove(fault)
        for fault in due:
            self._apply(sandbox, fault)

    def _apply(self, sb: Any, fault: Fault) -> None:
        detail = ""
        if fault.action == "stop_broker":
            broker = sb.leader(fault.topic, fault.partition) if fault.broker == "leader" else int(fault.broker)
            sb.stop_broker(broker)
            self._stopped.append(broker)
            detail = f"broker {broker}"
        elif fault.action == "start_broker":
            if fault.broker == "stopped":
                if not self._stopped:
                    self._emit("note", "start_broker: no broker was stopped")
                    return
                broker = self._stopped.pop()
            else:
                broker = int(fault.broker)
            sb.start_broker(broker)
            detail = f"broker {broker}"
        elif fault.action in ("lose_acks", "drop_requests"):
            getattr(sb, fault.action)(fault.count, api=fault.api)
        else:
            getattr(sb, fault.action)()
        text = f"{fault.describe()}" + (f": {detail}" if detail else "")
        self.faults_applied.append(text)
        self._emit("fault", text, action=fault.action, line=fault.line)

    # ------------------------------------------------------------ the process

    def _read(self, stream: Any, name: str) -> None:
        """Reader thread: the example's lines as they come, in batches.

        The example prints a line per record sent and acknowledged (lesson 8: tens of thousands
        in a few seconds, each one timed). Reading line by line woke this thread for nearly every
        line, and each wake-up took a core, on a small machine, from the example and the brokers
        in the middle of the round trip being timed. So the pipe is read in chunks, and after a
        small one the thread waits READ_PAUSE for more to gather: at most a few hundred wake-ups a
        second instead of one per line. The pipe holds PIPE_BYTES, so the example never waits for
        us; lines reach the listener at most READ_PAUSE later."""
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a pipe (a test's StringIO): line by line
            for raw in iter(stream.readline, ""):
                self._line(raw.rstrip("\n"), name)
            stream.close()
            return
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            chunk = os.read(fd, READ_CHUNK)
            if not chunk:
                break
            *lines, pending = (pending + decoder.decode(chunk)).split("\n")
            for line in lines:
                self._line(line.removesuffix("\r"), name)
            if len(chunk) < READ_CHUNK // 4:
                time.sleep(READ_PAUSE)
        rest = (pending + decoder.decode(b"", final=True)).removesuffix("\r")
        if rest:
            self._line(rest, name)
        stream.close()

    def _line(self, line: str, name: str) -> None:
        """One line of the example's output: a report line (stdout) counted, any other kept."""
        report = parse_report_line(line) if name == "stdout" else None
        if report is not None:
            with self._lock:
                self.report.add(report)
            self._emit("report", line, verb=report.verb, id=report.id)
            if self._report_triggers_pending():
                self._wake.set()  # a fault waits for this count: check it now, not at the next poll
        else:
            with self._lock:
                self.output.append(line)
            self._emit("output", line, stream=name)

    def _spawn(self, bootstrap: str) -> subprocess.Popen:
        env = dict(os.environ, BOOTSTRAP_SERVERS=bootstrap, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            self._command, cwd=str(self.script.resolve().parent),
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="replace", start_new_session=True,  # its own group: killed whole
        )
        for stream in (proc.stdout, proc.stderr):
            widen_pipe(stream)
        return proc

    def _supervise(self, proc: subprocess.Popen, sandbox: Any) -> tuple[int | None, bool]:
        # The example's own time, from its start: starting the sandbox (a child process) is not counted.
        deadline = time.monotonic() + self.timeout
        while True:
            self._apply_due(sandbox)
            code = proc.poll()
            if code is not None:
                return code, False
            if self.cancel.is_set() or time.monotonic() >= deadline:
                _kill_group(proc)
                return proc.returncode, not self.cancel.is_set()
            self._wake.wait(self.POLL)
            self._wake.clear()

    def run(self) -> RunResult:
        with frozen_heap():
            return self._run()

    def _run(self) -> RunResult:
        # Before the clock and any cluster: a JVM twin is compiled here (or found compiled).
        self._command = launch_command(self.script, self.python)
        self._t0 = time.monotonic()
        if self.bootstrap_servers:
            return self._run_on(None, self.bootstrap_servers)
        if self.backend is not None:
            return self._run_with(self.backend)
        # Imported here: a real-cluster run needs none of it. The sandbox runs in a child process,
        # so the caller's own work (the Textual app) never shares the brokers' GIL: the app and
        # the CLI measure the same cluster.
        from engine.sandbox.process import SandboxProcess

        with SandboxProcess(brokers=self.scenario.brokers) as sb:
            return self._run_with(sb)

    def _run_with(self, sb: ClusterBackend) -> RunResult:
        """The run on a cluster whose faults we inject: the sandbox, or real Kafka behind proxies."""
        for t in self.scenario.topics:
            sb.create_topic(t.name, partitions=t.partitions, replication_factor=t.replication_factor,
                            min_insync_replicas=t.min_insync_replicas)
        self._sandbox = sb
        unsubscribe = sb.subscribe(self._on_sandbox_event)
        try:
            return self._run_on(sb, sb.bootstrap_servers)
        finally:
            unsubscribe()

    def _run_on(self, sandbox: Any, bootstrap: str) -> RunResult:
        start_offsets = None if sandbox is not None else _prepare_real_cluster(bootstrap, self.scenario)
        if sandbox is None and self._pending:
            # Nothing is injected into a real cluster: say so once, up front.
            skipped = "; ".join(f.describe() for f in self._pending)
            self._pending.clear()
            self._emit("note", f"on a real cluster the scenario's faults are not injected ({skipped})")
        self._apply_due(sandbox)  # `when: start` faults, before the first request
        _hold_at_record_triggers(sandbox, self._pending)
        proc = self._spawn(bootstrap)
        readers = [threading.Thread(target=self._read, args=(s, n), daemon=True)
                   for s, n in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))]
        try:
            # From the moment the example exists, any interruption (even one that lands while the
            # "started" line is printed) must end its process group: it runs in a session of its own.
            where = getattr(sandbox, "description", "the sandbox") if sandbox is not None else bootstrap
            self._emit("started", f"{self.script.name} against {where}", pid=proc.pid, bootstrap_servers=bootstrap)
            for r in readers:
                r.start()
            code, timed_out = self._supervise(proc, sandbox)
        except BaseException:
            # KeyboardInterrupt (Ctrl-C), SystemExit (SIGTERM via terminate_on_sigterm) or a bug:
            # the example runs in its own session, so nothing else would end it.
            _kill_group(proc, grace=0.5)
            raise
        for r in readers:
            r.join(timeout=5)
        if timed_out:
            self._emit("timeout", f"killed after {self.timeout:g} s: the example did not finish in time")
        self._emit("exited", f"exit code {code}", exit_code=code)
        log: dict[tuple[str, int], list[LogEntry]] = {}
        if sandbox is not None:
            log, values = _sandbox_log(sandbox, self.scenario)
        else:
            values = _real_cluster_values(bootstrap, self.scenario, start_offsets or {})
        outcome = compute_outcome(self.report, values)
        checks, allowed = check_claims(self.scenario.expect, outcome, client_of(self.script))
        return RunResult(self.script, outcome, code, timed_out, time.monotonic() - self._t0,
                         list(self.faults_applied), list(self.output), list(self.events), checks,
                         getattr(sandbox, "target_name", "sandbox") if sandbox is not None else bootstrap, log,
                         allowed)


def run_example(script: Path, scenario: Scenario | None = None, **kwargs: Any) -> RunResult:
    return ExampleRun(script, scenario, **kwargs).run()


# ---------------------------------------------------------------- helpers


def launch_command(script: Path, python: str = sys.executable) -> list[str]:
    """How an example starts: a Python script under `python -u`; a JVM twin (.java, .kt, .scala,
    .clj) from its classes, compiled first if this source never was (engine.jvm: CompileError, MissingTool)."""
    if script.suffix == ".py":
        return [python, "-u", str(script.resolve())]
    from engine.jvm import JvmExample  # imported here: Python runs never touch the JVM code

    return JvmExample(script).command()


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises SystemExit(143) like Ctrl-C raises KeyboardInterrupt, so a
    run's cleanup (ending the example's process group, stopping the sandbox) happens either way.
    Only the main thread can install signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_frozen_lock = threading.Lock()
_frozen_runs = 0
_thresholds: list[int] = [700, 10, 10]  # the collector's thresholds before the first run (gc.get_threshold)
NO_FULL_COLLECTION = 1_000_000  # the oldest generation's threshold while runs go on: never reached


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """While runs go on, the objects the caller already had are left out of Python's garbage
    collections (gc.freeze; gc.unfreeze when the last run ends).

    The app's heap is large (a lesson's widgets, the course): a full collection, which the run's
    own events set off now and then, walked all of it, holding the GIL for up to half a second
    and taking a core from the brokers and the example while they were being timed. A plain CLI
    process has little to walk; with the heap frozen both callers cost the run alike.

    Objects made during the run go through the young generations as usual, but no full
    collection starts until the last run ends (the oldest generation's threshold is lifted). The
    app keeps making objects while it shows a run (lesson 8: some 70,000 events in four seconds),
    and a full collection late in the run walked them all, 70-90 ms on one core at a time, five
    times a run, against 20-30 ms three times for the CLI: the app's p99s of the later setups
    were the higher ones. The collection that was due comes after the run, when nothing is timed."""
    global _frozen_runs
    with _frozen_lock:
        if _frozen_runs == 0:
            gc.freeze()
            _thresholds[:] = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], NO_FULL_COLLECTION)
        _frozen_runs += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_runs -= 1
            if _frozen_runs == 0:
                gc.set_threshold(*_thresholds)
                gc.unfreeze()


PIPE_BYTES = 1 << 20  # Linux's default ceiling for an unprivileged process (/proc/sys/fs/pipe-max-size)
READ_CHUNK = 1 << 16  # bytes read from the example's pipe at a time
READ_PAUSE = 0.005    # seconds the reader lets lines gather after a small read (ExampleRun._read)


def widen_pipe(stream: Any, size: int = PIPE_BYTES) -> int | None:
    """Give the pipe behind `stream` room for `size` bytes (Linux; elsewhere it keeps its size).

    The example prints a report line per record, timed as part of its work (a delivery report
    prints inside flush()). With the default 64 KiB, a reader that falls behind for a moment
    (the app's UI thread holding the GIL, a loaded machine) fills the pipe, the example's next
    print blocks, and the block is counted as the cluster's latency. Returns the new size, or
    None where it cannot be set."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setpipe is None or stream is None:
        return None
    try:
        return fcntl.fcntl(stream.fileno(), setpipe, size)
    except OSError:  # above the system's ceiling: the default size still works, only smaller
        return None


def _kill_group(proc: subprocess.Popen, grace: float = 2.0) -> None:
    """SIGTERM the example's whole process group, then SIGKILL what is left after `grace`."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """Event details made JSON-safe (bytes and odd types as text)."""
    out = {}
    for k, v in details.items():
        out[k] = v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v)
    return out


def _decode(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


def _hold_at_record_triggers(sb: Any, pending: list[Fault]) -> None:
    """Where the cluster runs in another process, ask it to wait at each `records` trigger until
    our listener has seen that append (and applied the fault): the fault strikes at the same point
    of the stream on every run, as it does in-process, where listeners run on the cluster's loop."""
    hold = getattr(sb, "hold_at_records", None)
    if hold is None:
        return
    for fault in pending:
        if fault.when.kind == "records":
            hold(fault.when.topic or "", int(fault.when.value))


def _sandbox_log(sb: Any, scenario: Scenario) -> tuple[dict[tuple[str, int], list[LogEntry]],
                                                     dict[tuple[str, int], list[str]]]:
    """Every record of every partition, marked committed or not, duplicates numbered; and the
    values a read_committed reader sees in the counted topics (what the outcome is counted from)."""
    log: dict[tuple[str, int], list[LogEntry]] = {}
    values: dict[tuple[str, int], list[str]] = {}
    counted = set(scenario.counted_topics)
    names = [t.name for t in scenario.topics] + [n for n in scenario.counted_topics
                                                 if n not in {t.name for t in scenario.topics}]
    for name in names:
        count = sb.partition_count(name)  # the cluster's metadata: the example may have made more partitions
        if count is None:
            continue
        for p in range(count):
            committed_records = sb.records(name, p, isolation="read_committed")
            if name in counted:
                decoded = (_decode(r.value) for r in committed_records)
                values[(name, p)] = [v for v in decoded if v is not None]
            committed = {r.offset for r in committed_records}
            copies: dict[str, int] = {}
            entries = []
            for r in sb.records(name, p, isolation="read_uncommitted"):
                value = _decode(r.value) or ""
                if r.offset in committed:
                    copies[value] = copies.get(value, 0) + 1
                entries.append(LogEntry(r.offset, value, r.offset in committed,
                                        copies.get(value, 0) if r.offset in committed else 0))
            log[(name, p)] = entries
    return log, values


def _quiet_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    """A librdkafka client config for the runner's own clients: its log lines go to a Python logger
    nobody listens to (failures surface as exceptions, said in one line), not to the terminal."""
    import logging

    quiet = logging.getLogger("course.runner.librdkafka")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    return {"bootstrap.servers": bootstrap, "logger": quiet, **extra}


def check_reachable(bootstrap: str, timeout: float = 5.0) -> None:
    """Raise ClusterUnreachable unless at least one bootstrap server accepts a TCP connection.

    librdkafka would retry an unreachable cluster for as long as it is allowed, logging each try."""
    tried = []
    for server in (s.strip() for s in bootstrap.split(",")):
        if not server:
            continue
        host, sep, port = server.rpartition(":")
        if not sep or not port.isdigit():
            raise ClusterUnreachable(f"bootstrap server {server!r} is not HOST:PORT (e.g. 127.0.0.1:9092)")
        host = host.strip("[]") or "127.0.0.1"
        try:
            with socket.create_connection((host, int(port)), timeout=timeout):
                return
        except OSError as exc:
            tried.append(f"{server}: {exc.strerror or exc}")
    raise ClusterUnreachable(f"cannot reach the Kafka cluster at {bootstrap} ({'; '.join(tried) or 'no servers given'})")


def _partition_counts(admin: Any, bootstrap: str, names: list[str]) -> dict[str, int]:
    """How many partitions each topic really has, from the cluster's metadata (not the scenario's)."""
    from confluent_kafka import KafkaException

    try:
        topics = admin.list_topics(timeout=10).topics
    except KafkaException as exc:
        raise ClusterUnreachable(f"the Kafka cluster at {bootstrap} did not answer a metadata request "
                                 f"({exc.args[0].str() if exc.args and hasattr(exc.args[0], 'str') else exc})") from None
    return {n: len(topics[n].partitions) for n in names if n in topics and topics[n].partitions}


def _prepare_real_cluster(bootstrap: str, scenario: Scenario) -> dict[tuple[str, int], int]:
    """Create the scenario's topics if missing and note where each partition ends now,
    so only this run's messages are counted. Raises ClusterUnreachable."""
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    check_reachable(bootstrap)
    admin = AdminClient(_quiet_config(bootstrap))
    names = [t.name for t in scenario.topics]
    existing = _partition_counts(admin, bootstrap, names)
    new = [NewTopic(t.name, t.partitions, t.replication_factor,
                    config={"min.insync.replicas": str(t.min_insync_replicas)})
           for t in scenario.topics if t.name not in existing]
    for future in admin.create_topics(new).values() if new else []:
        future.result(timeout=30)
    parts = _partition_counts(admin, bootstrap, names) if new else existing
    consumer = Consumer(_quiet_config(bootstrap, **{"group.id": "course-runner", "enable.auto.commit": False}))
    try:
        ends = {}
        for name, count in parts.items():
            for p in range(count):
                _, high = consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10)
                ends[(name, p)] = high
        return ends
    finally:
        consumer.close()


def _real_cluster_values(bootstrap: str, scenario: Scenario,
                         start: dict[tuple[str, int], int]) -> dict[tuple[str, int], list[str]]:
    """Read this run's records back with a read_committed consumer, from every partition the
    cluster's metadata lists now (the topic may have more partitions than the scenario declares)."""
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient

    parts = _partition_counts(AdminClient(_quiet_config(bootstrap)), bootstrap, list(scenario.counted_topics))
    consumer = Consumer(_quiet_config(bootstrap, **{"group.id": "course-runner", "enable.auto.commit": False,
                                                    "isolation.level": "read_committed"}))
    log: dict[tuple[str, int], list[str]] = {}
    try:
        assignment = [TopicPartition(t, p, start.get((t, p), 0))
                      for t in scenario.counted_topics for p in range(parts.get(t, 0))]
        if not assignment:
            return log
        ends = {(tp.topic, tp.partition): consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in assignment}
        consumer.assign(assignment)
        done = {k for k, end in ends.items() if start.get(k, 0) >= end}
        deadline = time.monotonic() + 30
        while len(done) < len(ends) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                log.setdefault((msg.topic(), msg.partition()), []).append(_decode(msg.value()) or "")
            # Positions, not message offsets: transaction markers take offsets too.
            for tp in consumer.position([tp for tp in assignment if (tp.topic, tp.partition) not in done]):
                if tp.offset >= ends[(tp.topic, tp.partition)]:
                    done.add((tp.topic, tp.partition))
        return log
    finally:
        consumer.close()
