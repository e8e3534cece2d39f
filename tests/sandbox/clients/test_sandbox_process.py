"""SandboxProcess: the sandbox cluster in a child process, behind Sandbox's interface.

Real clients against the child's brokers, faults and events through the pipe, errors keeping
their type, and no process left behind (checked in /proc, no psutil).
"""

from __future__ import annotations

import inspect
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import confluent_kafka as ck
import pytest

from engine.runs.runner import RunEvent, run_example
from engine.runs.scenario import load_scenario
from engine.sandbox import Event, Sandbox
from engine.sandbox.api import SandboxAPI
from engine.sandbox.process import SandboxProcess, SandboxProcessError
from tests.paths import ROOT

from ..client_drivers import ProducerUnderTest, log_values
from ..conftest import wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the process checks read /proc (Linux)")

# Members only one side has, on purpose: the in-process Cluster object cannot cross a process
# boundary (SandboxProcess.cluster raises, saying so); the child process's own controls.
ONLY_IN_PROCESS_SANDBOX = {"cluster"}
ONLY_CHILD_PROCESS = {"pid", "hold_at_records", "START_TIMEOUT", "CALL_TIMEOUT"}


def public_members(cls: type) -> dict[str, object]:
    return {name: member for name, member in inspect.getmembers(cls)
            if not name.startswith("_") or name in ("__enter__", "__exit__")}


def shape(member: object) -> object:
    """What must match: a property's presence, or a method's parameters (names, kinds, defaults,
    annotations); the return annotation too, except `start`/`__enter__`'s own class name."""
    if isinstance(member, property):
        return ("property", inspect.signature(member.fget).return_annotation)
    sig = inspect.signature(member)  # type: ignore[arg-type]
    ret = sig.return_annotation
    if isinstance(ret, str) and ret.strip("'\"") in ("Sandbox", "SandboxProcess", "Self"):
        ret = "the class itself"
    return [(p.name, p.kind, p.default, p.annotation) for p in sig.parameters.values()], ret


def child_pids() -> set[int]:
    """Live child processes of this process running the sandbox's child_main (from /proc)."""
    me = os.getpid()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == me and state != "Z" and b"child_main" in cmdline:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether `pid` is a running (not zombie) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_same_public_methods_and_signatures_as_sandbox() -> None:
    inproc, child = public_members(Sandbox), public_members(SandboxProcess)
    assert set(inproc) - ONLY_IN_PROCESS_SANDBOX <= set(child), "SandboxProcess lacks members of Sandbox"
    assert set(child) - set(inproc) == ONLY_CHILD_PROCESS
    for name in set(inproc) - ONLY_IN_PROCESS_SANDBOX:
        assert shape(inproc[name]) == shape(child[name]), f"{name} differs between Sandbox and SandboxProcess"
    # The Protocol names exactly the shared members (plus the attributes set in __init__).
    protocol = {n for n in public_members(SandboxAPI) if n not in ("config", "broker_count", "base_port")}
    assert protocol == set(inproc) - ONLY_IN_PROCESS_SANDBOX
    for name in protocol:
        assert shape(public_members(SandboxAPI)[name]) == shape(inproc[name]), f"SandboxAPI.{name} differs"
    assert inspect.signature(Sandbox.__init__) == inspect.signature(SandboxProcess.__init__)


def test_real_clients_against_the_child_process_and_events_in_order() -> None:
    with SandboxProcess(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        assert isinstance(sb, SandboxAPI)
        assert sb.pid is not None and sb.pid != os.getpid() and alive(sb.pid)
        seen: list[Event] = []
        threads: set[str] = set()

        def listener(event: Event) -> None:
            seen.append(event)
            threads.add(threading.current_thread().name)

        unsubscribe = sb.subscribe(listener)
        sb.create_topic("orders", partitions=2, replication_factor=3, min_insync_replicas=2)
        assert sb.partition_count("orders") == 2 and sb.partition_count("nothing") is None
        assert sorted(sb.replicas("orders", 1)) == [1, 2, 3] and len(sb.isr("orders", 0)) == 3
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=-1)
        for i in range(40):
            p.send("orders", f"o-{i}", partition=i % 2)
        p.flush()
        p.close()
        assert sorted(p.acked) == sorted(f"o-{i}" for i in range(40))
        c = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "reader",
                         "enable.auto.commit": False, "log_level": 0})
        c.assign([ck.TopicPartition("orders", 0, 0), ck.TopicPartition("orders", 1, 0)])
        read: list[str] = []
        wait_for(lambda: (m := c.poll(0.2)) is None or m.error() or read.append(m.value().decode()) or len(read) >= 40,
                 what="the consumer to read 40 records")
        c.close()
        assert sorted(read) == sorted(p.acked)
        assert log_values(sb, "orders", 0) == [f"o-{i}" for i in range(0, 40, 2)]
        assert sb.high_watermark("orders", 1) == 20 == sb.log_end_offset("orders", 1)
        # A call returns after the events before its reply reached the listener: the listener saw
        # exactly the tail of the child's log, in the order the cluster emitted it.
        log = sb.events
        assert seen and log[-len(seen):] == seen
        appends = [e for e in seen if e.kind == "append" and e.details["partition"] == 0
                   and e.broker == sb.leader("orders", 0)]
        assert [e.details["base_offset"] for e in appends] == sorted(e.details["base_offset"] for e in appends)
        assert sum(e.details["last_offset"] - e.details["base_offset"] + 1 for e in appends) == 20
        assert threads == {"sandbox-process-events"}
        unsubscribe()
        count = len(seen)
        sb.create_topic("later")
        sb.high_watermark("later")
        assert len(seen) == count, "an unsubscribed listener got events"


def test_a_listener_subscribed_before_start_sees_the_cluster_start() -> None:
    sb = SandboxProcess(brokers=2)
    seen: list[Event] = []
    sb.subscribe(seen.append)
    with sb:
        sb.create_topic("t")
        assert [e.broker for e in seen if e.kind == "broker_started"] == [1, 2]
        kinds = [e.kind for e in seen]
        assert kinds.index("broker_started") < kinds.index("topic_created")
        assert seen == sb.events[-len(seen):]


def test_faults_applied_through_the_child_process() -> None:
    with SandboxProcess(brokers=3, replica_lag_time_max_ms=1_000) as sb:
        sb.create_topic("ledger", partitions=1, replication_factor=3, min_insync_replicas=2)
        # A lost ack: applied, its response cut; the non-idempotent producer retries, a duplicate.
        sb.lose_acks(1)
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=-1)
        p.send("ledger", "m-0")
        p.flush()
        assert log_values(sb, "ledger") == ["m-0", "m-0"]
        # A dropped request: never applied; the retry writes it once.
        sb.drop_requests(1)
        p.send("ledger", "m-1")
        p.flush()
        assert log_values(sb, "ledger") == ["m-0", "m-0", "m-1"]
        # Paused replication: the followers leave the ISR after the lag time.
        leader = sb.leader("ledger")
        sb.pause_replication()
        p.send("ledger", "m-2")
        wait_for(lambda: sb.isr("ledger") == [leader], what="the ISR to shrink to the leader")
        sb.resume_replication()
        wait_for(lambda: len(sb.isr("ledger")) == 3, what="the followers to rejoin")
        p.flush()
        # A crashed leader: leadership moves; restarted, it catches up and rejoins the ISR.
        sb.stop_broker(leader)
        assert not sb.broker_running(leader)
        assert sb.leader("ledger") not in (None, leader)
        sb.start_broker(leader)
        assert sb.broker_running(leader)
        wait_for(lambda: leader in sb.isr("ledger"), what="the restarted broker to rejoin the ISR")
        p.close()
        # Each request fault twice (armed, then striking), the others once, in the order applied.
        faults = [e.details["fault"] for e in sb.events if e.kind == "fault"]
        assert faults == ["lose_ack", "lose_ack", "drop", "drop", "pause_replication", "resume_replication",
                          "stop_broker", "start_broker"]
        kinds = [e.kind for e in sb.events]
        assert kinds.index("isr_shrink") < kinds.index("isr_expand")


def test_hold_at_records_keeps_the_cluster_still_while_listeners_act() -> None:
    """At the held append the listener reads the log end offset and arms a fault: the log has not
    moved past that append, and the fault strikes the very next produce request."""
    with SandboxProcess(brokers=1) as sb:
        sb.create_topic("clicks", partitions=1, replication_factor=1)
        at_hold: list[tuple[int, int]] = []

        def listener(event: Event) -> None:
            if event.kind == "append" and event.details["last_offset"] + 1 >= 25 and not at_hold:
                at_hold.append((event.details["last_offset"] + 1, sb.log_end_offset("clicks")))
                sb.drop_requests(1)

        sb.subscribe(listener)
        sb.hold_at_records("clicks", 25)
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=1, retries=0)
        for i in range(60):  # one request per message: linger.ms=0 and a flush each
            p.send("clicks", f"c-{i}")
            p.flush()
        p.close()
        ((reached, leo),) = at_hold
        assert reached == leo == 25
        # The request after the hold was dropped (retries=0: it fails), and nothing else was.
        assert p.failed == [("c-25", p.failed[0][1])] and len(p.acked) == 59
        assert log_values(sb, "clicks") == [f"c-{i}" for i in range(60) if i != 25]


def test_errors_keep_their_type_and_say_where_they_came_from() -> None:
    with SandboxProcess(brokers=1) as sb:
        sb.create_topic("t", configs={"retention.ms": "60000"})
        assert sb.topic_configs("t") == {"retention.ms": "60000"}
        sb.cleanup_logs()
        assert sb.log_start_offset("t") == 0
        with pytest.raises(KeyError, match="no topic nothing"):
            sb.topic_configs("nothing")
        with pytest.raises(ValueError, match="TOPIC_ALREADY_EXISTS"):
            sb.create_topic("t")
        with pytest.raises(ValueError, match="INVALID_CONFIG"):
            sb.create_topic("u", configs={"no.such.config": "1"})
        with pytest.raises(KeyError, match="no partition nothing-0") as info:
            sb.leader("nothing")
        assert any("raised in the sandbox process" in note for note in info.value.__notes__)
        with pytest.raises(ValueError, match="isolation"):
            sb.records("t", isolation="dirty")  # type: ignore[arg-type]
        with pytest.raises(RuntimeError, match="child process"):
            sb.cluster
        assert sb.leader("t") == 1  # the child is fine after its errors


def test_a_child_killed_with_sigkill_is_a_clear_error_and_close_still_works() -> None:
    sb = SandboxProcess(brokers=1).start()
    try:
        sb.create_topic("t")
        pid = sb.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not alive(pid), what="the child to die")
        with pytest.raises(SandboxProcessError, match=r"ended unexpectedly: pid \d+, killed by signal 9 \(SIGKILL\)"):
            sb.leader("t")
        with pytest.raises(SandboxProcessError, match="SIGKILL"):
            sb.create_topic("u")
    finally:
        sb.close()
    sb.close()  # twice is fine
    assert child_pids() == set()


def test_close_leaves_no_process_and_nothing_listening() -> None:
    before = child_pids()
    with SandboxProcess(brokers=2) as sb:
        pid = sb.pid
        ports = [int(a.rsplit(":", 1)[1]) for a in sb.bootstrap_servers.split(",")]
        assert pid in child_pids() - before
    assert pid is not None and not alive(pid)
    assert child_pids() == before
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still listening"
    with pytest.raises(SandboxProcessError, match="not running"):
        sb.leader("t")


def test_the_child_runs_in_a_session_of_its_own() -> None:
    """Linux's scheduler shares the CPU between sessions (autogroups) first: in the caller's
    session the brokers would split one share with the caller, and a busy caller (the app drawing
    a run) would slow down what lesson 8 measures."""
    with SandboxProcess(brokers=1) as sb:
        pid = sb.pid
        assert pid is not None
        assert os.getsid(pid) == pid != os.getsid(0)
        mine, its = (_autogroup(Path(f"/proc/{p}/autogroup")) for p in ("self", pid))
        if mine and its:
            assert its != mine


def _autogroup(path: Path) -> str:
    """A task's autogroup ("/autogroup-42"), or "" where none applies: a kernel without
    CONFIG_SCHED_AUTOGROUP has no such file, and a task in a cgroup of its own (a container, a CI
    job) reads an empty one, because there the cgroup, not the session, gets the CPU share."""
    fields = path.read_text().split() if path.exists() else []
    return fields[0] if fields else ""


def test_a_start_that_fails_in_the_child_raises_its_error_here() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            SandboxProcess(brokers=1, base_port=port).start()
    assert child_pids() == set()


def test_the_child_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """No orphan: the parent dies without closing (SIGKILL), the child notices and ends."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from engine.sandbox.process import SandboxProcess
        sb = SandboxProcess(brokers=1).start()
        print(sb.pid, flush=True)
        time.sleep(600)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        child = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert alive(child)
    finally:
        parent.kill()
        parent.wait(30)
    wait_for(lambda: not alive(child), timeout=60, what="the orphaned child to end")


def test_the_runner_runs_its_sandbox_in_a_child_process_and_holds_at_record_triggers() -> None:
    """run_example starts a SandboxProcess (a child of ours while the example runs, gone after),
    and a `records` trigger strikes where the scenario says, every time."""
    script = ROOT / "tests" / "fixtures" / "runner" / "fire_and_forget.py"
    during: list[set[int]] = []

    def listener(event: RunEvent) -> None:
        if event.kind == "started":
            during.append(child_pids())

    for _ in range(2):
        result = run_example(script, load_scenario(script.with_suffix(".yaml")), listener=listener)
        assert result.exit_code == 0 and result.expectations_met
        # The trigger fires at the append that brings the topic to 60 records or more (batches:
        # it may pass 60). The cluster held still there until the fault was armed, so the very
        # next request is dropped: the first record lost is the first one after that append.
        appended = 0
        for e in result.events:
            if e.kind == "sandbox" and e.data["event"] == "append" and not e.data["details"].get("control"):
                appended += e.data["details"]["last_offset"] - e.data["details"]["base_offset"] + 1
                if appended >= 60:
                    break
        lost = sorted(int(i.rsplit("-", 1)[1]) for i in result.outcome.lost_ids)
        assert lost and lost[0] == appended, (lost[:5], appended)
    assert all(len(pids) == 1 for pids in during)
    assert child_pids() == set()
