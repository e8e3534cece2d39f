"""`course sandbox` as a user runs it: a client on the printed address creates a topic,
produces and consumes; SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic


def test_course_sandbox_serves_clients_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "course", "sandbox", "--brokers", "2", "--topic", "seed:2",
                             "--topic", "wide", "--num-partitions", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("bootstrap.servers=127.0.0.1:")
        bootstrap = first.split("=", 1)[1]
        assert len(bootstrap.split(",")) == 2
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic("cli-topic", 3, 2)])["cli-topic"].result(30)
        assert len(admin.list_topics(timeout=30).topics["seed"].partitions) == 2
        # num.partitions: --topic without a count, and topics a client auto-creates.
        assert len(admin.list_topics(timeout=30).topics["wide"].partitions) == 4
        auto = ck.Producer({"bootstrap.servers": bootstrap})
        auto.produce("auto-created", b"x")
        assert auto.flush(30) == 0
        assert len(admin.list_topics(timeout=30).topics["auto-created"].partitions) == 4
        producer = ck.Producer({"bootstrap.servers": bootstrap, "acks": "all"})
        for i in range(30):
            producer.produce("cli-topic", f"m-{i}".encode(), partition=i % 3)
        assert producer.flush(30) == 0
        consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "cli", "auto.offset.reset": "earliest"})
        consumer.subscribe(["cli-topic"])
        got: set[str] = set()
        deadline = time.monotonic() + 60
        while len(got) < 30 and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                got.add(msg.value().decode())
        consumer.close()
        assert got == {f"m-{i}" for i in range(30)}
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "topic_created" in out and "cli-topic" in out       # events are logged readably
        assert out.rstrip().endswith("sandbox stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
