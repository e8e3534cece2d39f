"""Kafka's Java clients (engine/apache_kafka/java/) behind the Python clients' test interfaces, so the
oracle rows drive them unchanged: `JavaProducer` (client_drivers.ProducerUnderTest), `JavaTxnProducer`
(txn_tools.TxnProducer), `JavaConsumer` (client_drivers.ConsumerUnderTest and txn_tools.Reader),
`JavaPipelineProcess` (txn_tools.PipelineProcess: PipelineDriver.java, the transactional
read-process-write loop, as its own killable process)."""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from engine.apache_kafka.java_client import driver_command
from tests.sandbox.txn_tools import PipelineProcess


@dataclass
class JavaProducer:
    bootstrap: str
    acks: int
    idempotence: bool = False
    retries: int | None = None
    timeout_ms: int = 30_000
    client: str = "java"
    sent: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        request_timeout = min(self.timeout_ms, 10_000)
        configs = {
            "bootstrap.servers": self.bootstrap, "acks": "all" if self.acks == -1 else str(self.acks),
            "enable.idempotence": str(self.idempotence).lower(), "linger.ms": "0", "retry.backoff.ms": "50",
            "request.timeout.ms": str(request_timeout),
            "delivery.timeout.ms": str(max(self.timeout_ms, request_timeout)),
            "max.block.ms": "60000",
        }
        if self.retries is not None:
            configs["retries"] = str(self.retries)
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(driver_command() + [f"{k}={v}" for k, v in configs.items()],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                      text=True, bufsize=1)
        self._lock = threading.Lock()
        self._marks: dict[str, threading.Event] = {"ready": threading.Event(), "flushed": threading.Event(),
                                                    "closed": threading.Event()}
        threading.Thread(target=self._read, daemon=True).start()
        self._wait("ready", 120)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            words = line.split()
            if not words:
                continue
            with self._lock:
                if words[0] == "acked":
                    self.acked.append(words[1])
                elif words[0] == "failed":
                    self.failed.append((words[1], words[2]))
            if words[0] in self._marks:
                self._marks[words[0]].set()

    def _wait(self, mark: str, timeout: float) -> None:
        if not self._marks[mark].wait(timeout):
            self._stderr.seek(0)
            raise AssertionError(f"the Java producer did not say {mark!r} within {timeout}s; exit "
                                 f"{self._proc.poll()}; stderr: {self._stderr.read()[-2000:]!r}")
        self._marks[mark].clear()

    def _say(self, line: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def send(self, topic: str, value: str, partition: int = 0) -> None:
        self.sent.append(value)
        self._say(f"send {topic} {partition} {value}")

    def flush(self, timeout: float = 60) -> None:
        self._say("flush")
        self._wait("flushed", timeout + 30)

    def close(self) -> None:
        try:
            self._say("close")
            self._wait("closed", 60)
            self._proc.wait(timeout=30)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._stderr.close()

    def __del__(self) -> None:  # a failed test must not leave a JVM behind
        proc: Any = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()


class JavaProcess:
    """A driver class of engine/apache_kafka/java/ run as its own JVM, its stdout lines queued, so a
    test says a command and waits for the line that answers it."""

    def __init__(self, main: str, configs: dict[str, str]) -> None:
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(driver_command(main=main) + [f"{k}={v}" for k, v in configs.items()],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                      text=True, bufsize=1)
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.acked: list[str] = []
        self.failed: list[tuple[str, str]] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready", 120)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            words = line.split()
            if words and words[0] == "acked":     # delivery callbacks come at any time
                self.acked.append(words[1])
            elif words and words[0] == "failed":
                self.failed.append((words[1], words[2]))
            elif words:
                self.lines.put(line.rstrip("\n"))

    def say(self, line: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def expect(self, *first_words: str, timeout: float = 90) -> str:
        """The next answer line; AssertionError naming stderr if none starts with one of `first_words`."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = ""
        if line.split(" ", 1)[0] not in first_words:
            self._stderr.seek(0)
            raise AssertionError(f"the Java driver said {line!r}, expected {first_words}; exit {self._proc.poll()}; "
                                 f"stderr: {self._stderr.read()[-2000:]!r}")
        return line

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                self.say("close")
                self.expect("closed", timeout=60)
                self._proc.wait(timeout=30)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._stderr.close()

    def __del__(self) -> None:  # a failed test must not leave a JVM behind
        proc: Any = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()


class JavaTxnError(Exception):
    """A transaction call the Java producer refused: args[0] is the exception's simple name."""


class JavaTxnProducer:
    """Kafka's Java transactional producer with tests.sandbox.txn_tools.TxnProducer's interface."""

    client = "java"

    def __init__(self, bootstrap: str, transactional_id: str, transaction_timeout_ms: int = 60_000) -> None:
        self._p = JavaProcess("ProducerDriver", {
            "bootstrap.servers": bootstrap, "transactional.id": transactional_id,
            "transaction.timeout.ms": str(transaction_timeout_ms), "linger.ms": "0", "max.block.ms": "60000"})

    def _call(self, call: str) -> None:
        self._p.say(call)
        line = self._p.expect("done", "error", timeout=120)
        if line.startswith("error"):
            raise JavaTxnError(*line.split(" ", 3)[2:])

    def init(self) -> None:
        self._call("init")

    def begin(self) -> None:
        self._call("begin")

    def send(self, topic: str, values: list[str], partition: int = 0) -> None:
        for v in values:
            self._p.say(f"send {topic} {partition} {v}")

    def flush(self) -> None:
        self._p.say("flush")
        self._p.expect("flushed", timeout=120)

    def commit(self) -> None:
        self._call("commit")

    def abort(self) -> None:
        self._call("abort")

    def close(self) -> None:
        self._p.close()


class JavaConsumer:
    """Kafka's Java consumer, as tests.sandbox.client_drivers.ConsumerUnderTest (a group member that
    polls one record at a time and commits by hand) or as txn_tools.Reader (one partition from the
    beginning at an isolation level)."""

    client = "java"

    def __init__(self, bootstrap: str, configs: dict[str, str]) -> None:
        self._c = JavaProcess("ConsumerDriver", {"bootstrap.servers": bootstrap, **configs})
        self.values: list[str] = []
        self._pending: list[tuple[int, int, str]] = []
        self._topic, self._partition = "", 0   # a reader's partition (position asks about it)

    @staticmethod
    def member(bootstrap: str, group: str, topic: str) -> "JavaConsumer":
        c = JavaConsumer(bootstrap, {"group.id": group, "auto.offset.reset": "earliest",
                                     "enable.auto.commit": "false", "session.timeout.ms": "10000",
                                     "max.poll.records": "1"})
        c._c.say(f"subscribe {topic}")
        c._c.expect("subscribed")
        return c

    @staticmethod
    def reader(bootstrap: str, topic: str, partition: int, isolation: str) -> "JavaConsumer":
        c = JavaConsumer(bootstrap, {"isolation.level": isolation, "enable.auto.commit": "false"})
        c._topic, c._partition = topic, partition
        c._c.say(f"assign {topic} {partition}")
        c._c.expect("assigned")
        return c

    def _poll(self, seconds: float) -> list[tuple[int, int, str]]:
        self._c.say(f"poll {int(seconds * 1000)}")
        got = []
        while (line := self._c.expect("record", "polled", timeout=seconds + 90)) != "polled":
            _, partition, offset, value = line.split(" ", 3)
            got.append((int(partition), int(offset), value))
        return got

    def poll_one(self, timeout: float = 0.2) -> tuple[int, int, str] | None:
        if not self._pending:
            self._pending = self._poll(timeout)
        return self._pending.pop(0) if self._pending else None

    def poll(self, seconds: float = 0.5) -> None:
        self.values.extend(v for _, _, v in self._poll(seconds))

    def commit(self, topic: str, partition: int, next_offset: int) -> None:
        self._c.say(f"commit {topic} {partition} {next_offset}")
        line = self._c.expect("committed", "error")
        assert line == "committed", line

    def position(self) -> int:
        self._c.say(f"position {self._topic} {self._partition}")
        return int(self._c.expect("position").split()[1])

    def assignment(self) -> set[int]:
        self._c.say("assignment")
        parts = self._c.expect("assignment").split(" ", 1)
        return {int(p) for p in parts[1].split(",")} if len(parts) > 1 and parts[1] else set()

    def close(self) -> None:
        self._c.close()


class JavaPipelineProcess(PipelineProcess):
    """PipelineDriver.java run with txn_pipeline.py's arguments (it ignores --client), so C3 kills and
    restarts Kafka's Java pipeline exactly as it does the Python one. Its stderr goes to a temporary
    file, shown when it says nothing."""

    def __post_init__(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(driver_command(main="PipelineDriver") + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].decode(errors="replace")

    def __del__(self) -> None:  # a failed test must not leave a JVM behind
        proc: Any = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
