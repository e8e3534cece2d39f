"""`JavaProducer`: Kafka's Java producer (engine/apache_kafka/java/ProducerDriver.java) behind the
interface of tests.sandbox.client_drivers.ProducerUnderTest, so the matrix rows drive it unchanged."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from engine.apache_kafka.java_client import driver_command


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
