"""`course kafka`: the first line is bootstrap.servers=..., the brokers answer Metadata there, and
every JVM it started is gone after SIGTERM or after its parent dies; without Java it exits 2 saying
what to install. `course run --against kafka` and `course compare` are exercised by test_lessons
through the same functions; here their missing-Java path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.apache_kafka.conftest import alive, require_kafka_tools, wait_for
from tests.paths import ROOT

pytestmark = [pytest.mark.xdist_group("apache_kafka")]

COURSE = [sys.executable, "-m", "course.cli"]


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def metadata_brokers(bootstrap: str) -> int:
    from confluent_kafka.admin import AdminClient

    return len(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=20).brokers)


def without_java() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = os.path.dirname(sys.executable)  # the venv's python, no java, no mvn
    return env


@pytest.mark.parametrize("command", [["kafka"], ["compare", "01-where-messages-go"],
                                     ["run", "01-where-messages-go", "--against", "kafka"]])
def test_without_java_says_what_to_install_and_exits_2(command: list[str]) -> None:
    proc = subprocess.run(COURSE + command, cwd=ROOT, env=without_java(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "install a JDK" in proc.stderr and "java" in proc.stderr


@pytest.mark.slow
def test_course_kafka_serves_and_stops_on_sigterm() -> None:
    require_kafka_tools()
    proc = subprocess.Popen(COURSE + ["kafka", "--brokers", "2", "--topic", "orders:2"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("bootstrap.servers=127.0.0.1:"), (first, proc.stderr.read() if proc.poll() else "")
        bootstrap = first.split("=", 1)[1]
        assert len(bootstrap.split(",")) == 2
        assert metadata_brokers(bootstrap) == 2
        jvms = children(proc.pid)
        assert len(jvms) == 3  # the controller and two brokers
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        wait_for(lambda: not alive(jvms), timeout=30, what="the JVMs to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_course_kafka_stops_when_its_parent_dies() -> None:
    require_kafka_tools()
    # A parent that starts `course kafka`, passes on its first line and its pid, then waits.
    parent_code = ("import subprocess, sys\n"
                   f"p = subprocess.Popen({COURSE + ['kafka', '--brokers', '1']!r}, stdout=subprocess.PIPE, text=True)\n"
                   "print(p.pid, p.stdout.readline().strip(), flush=True)\n"
                   "p.wait()\n")
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = parent.stdout.readline().split()
        assert len(line) == 2 and line[1].startswith("bootstrap.servers="), line
        course_pid = int(line[0])
        jvms = children(course_pid)
        assert len(jvms) == 2
        parent.kill()  # no chance to clean up: `course kafka` must notice alone
        parent.wait()
        wait_for(lambda: not alive([course_pid, *jvms]), timeout=60, what="course kafka and its JVMs to exit")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


@pytest.mark.slow
def test_course_compare_runs_both_and_reports_agreement() -> None:
    require_kafka_tools()
    import json

    proc = subprocess.run(COURSE + ["compare", "01-where-messages-go", "--example", "lost-ack", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["sandbox"]["target"] == "sandbox" and report["kafka"]["target"] == "kafka"
    for side in ("sandbox", "kafka"):
        assert report[side]["faults"] == ["lose_acks x1 on Produce after 50 records in orders"]
        assert report[side]["lost"] == 0 and report[side]["duplicates"] > 0
    assert report["differences"] == []
