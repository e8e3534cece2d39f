"""Kafka's Java clients (engine/apache_kafka/java/) behind the Python clients' test interfaces, so the
oracle rows drive them unchanged: `JavaProducer` (client_drivers.ProducerUnderTest), `JavaTxnProducer`
(txn_tools.TxnProducer), `JavaConsumer` (client_drivers.ConsumerUnderTest and txn_tools.Reader),
`JavaPipelineProcess` (txn_tools.PipelineProcess: PipelineDriver.java, the transactional
read-process-write loop, as its own killable process). Each runs its driver as a `DriverJvm`: one
JVM, its stderr kept for failure messages, killed when the test is done or has failed."""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import IO, Any

from engine.apache_kafka.java_client import driver_command
from tests.sandbox.txn_tools import PipelineProcess


class DriverJvm:
    """One driver JVM of engine/apache_kafka/java/ and the temporary file its stderr goes to (the
    Java exception a failing test shows). A failed test must not leave a JVM behind: `reap` in a
    close, and the garbage collector's `__del__` as the last resort, kill it."""

    proc: subprocess.Popen[str]
    _stderr: IO[bytes]

    def _start(self, main: str, args: list[str], stdin: int) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(driver_command(main=main) + args, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, bufsize=1)

    def stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].decode(errors="replace")

    def reap(self) -> None:
        """Kill the JVM if it still runs, wait for it, and drop its stderr file."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()

    def __del__(self) -> None:
        proc: Any = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()


class JavaProcess(DriverJvm):
    """A driver class run as its own JVM with key=value client configs, its stdout lines queued, so a
    test says a command and waits for the line that answers it. Delivery callbacks ("acked VALUE ...",
    "failed VALUE ExceptionName") come at any time: they go to `acked` and `failed`, not the queue."""

    def __init__(self, main: str, configs: dict[str, str]) -> None:
        self._start(main, [f"{k}={v}" for k, v in configs.items()], stdin=subprocess.PIPE)
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.acked: list[str] = []
        self.failed: list[tuple[str, str]] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready", timeout=120)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            words = line.split()
            if words and words[0] == "acked":
                self.acked.append(words[1])
            elif words and words[0] == "failed":
                self.failed.append((words[1], words[2]))
            elif words:
                self.lines.put(line.rstrip("\n"))

    def say(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, *first_words: str, timeout: float = 90) -> str:
        """The next answer line; AssertionError naming stderr if none starts with one of `first_words`."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = ""
        if line.split(" ", 1)[0] not in first_words:
            raise AssertionError(f"the Java driver said {line!r}, expected {first_words}; exit {self.proc.poll()}; "
                                 f"stderr: {self.stderr_tail()!r}")
        return line

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.say("close")
                self.expect("closed", timeout=60)
                self.proc.wait(timeout=30)
        finally:
            self.reap()


@dataclass
class JavaProducer:
    """Kafka's Java producer with tests.sandbox.client_drivers.ProducerUnderTest's interface."""

    bootstrap: str
    acks: int
    idempotence: bool = False
    retries: int | None = None
    timeout_ms: int = 30_000
    client: str = "java"
    sent: list[str] = field(default_factory=list)
    acked: list[str] = field(init=False)                 # filled by the driver's delivery callbacks
    failed: list[tuple[str, str]] = field(init=False)

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
        self._p = JavaProcess("ProducerDriver", configs)
        self.acked, self.failed = self._p.acked, self._p.failed

    def send(self, topic: str, value: str, partition: int = 0) -> None:
        self.sent.append(value)
        self._p.say(f"send {topic} {partition} {value}")

    def flush(self, timeout: float = 60) -> None:
        self._p.say("flush")
        self._p.expect("flushed", timeout=timeout + 30)

    def close(self) -> None:
        self._p.close()


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


class JavaPipelineProcess(PipelineProcess, DriverJvm):
    """PipelineDriver.java run with txn_pipeline.py's arguments (it ignores --client), so C3 kills and
    restarts Kafka's Java pipeline exactly as it does the Python one. Its stderr goes to a temporary
    file, shown when it says nothing."""

    def __post_init__(self) -> None:
        self._start("PipelineDriver", self.args, stdin=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
