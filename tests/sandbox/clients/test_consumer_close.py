"""A consumer that slept through a rebalance gives its partitions up in a poll, not in close().

confluent-kafka hands a rebalance to the application as a callback that runs in its next poll.
A member whose work outlasts a rebalance (lesson 9's slow-member: A hangs while B joins) still
has that revoke queued when it stops. close() alone would run it while librdkafka is shutting
the group down; confluent-kafka's rebalance handling then asks the group thread for the
rebalance protocol, and when the group thread has just stopped, that request is dropped without
an answer: the call waits forever, holding the GIL, and the whole process stops (the example was
killed at its timeout, both consumers stuck in close()). The example leaves with
`leave_group`: unsubscribe, poll until nothing is queued, close. This runs that very function
against a real confluent-kafka consumer in that state and checks where the late callback runs.
"""

from __future__ import annotations

import ast
import linecache
import sys
from pathlib import Path
from typing import Any, Callable

from confluent_kafka import Consumer

from engine.sandbox import Sandbox
from tests.paths import ROOT

from ..client_drivers import ProducerUnderTest
from ..conftest import wait_for

SLOW_MEMBER = ROOT / "lessons" / "09-rebalances-and-offsets" / "examples" / "slow-member.py"
TOPIC = "shipments"


def example_function(script: Path, name: str) -> Callable[..., Any]:
    """One top-level function of a lesson example, compiled on its own (importing the example
    would run it). Its code keeps the example's file name and line numbers."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    assert found, f"{script.name} has no function {name}(): its consumers must leave the group through it"
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=found, type_ignores=[]), str(script), "exec"), namespace)
    return namespace[name]


def consumer(sb: Sandbox, **extra: Any) -> Consumer:
    return Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "warehouse",
                     "enable.auto.commit": False, "auto.offset.reset": "earliest",
                     "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                     # the rebalance timeout: bounds how long B can wait for A if the test fails early
                     "max.poll.interval.ms": 30000, **extra})


def told_to_rejoin(sb: Sandbox) -> bool:
    """The coordinator has answered two of A's Heartbeats with REBALANCE_IN_PROGRESS (only A
    heartbeats: B's JoinGroup is parked until A rejoins or leaves). librdkafka sends the next
    heartbeat only after it handled the answer to the last one, so by the second the first has
    been handled: A's revoke is queued, not merely on its way."""
    return sum(1 for e in sb.events if e.kind == "response" and e.details.get("api") == "Heartbeat"
               and "REBALANCE_IN_PROGRESS" in e.details.get("errors", ())) >= 2


def test_a_revoke_queued_while_the_member_slept_runs_in_poll_not_in_close(sandbox: Sandbox) -> None:
    leave_group = example_function(SLOW_MEMBER, "leave_group")
    sandbox.create_topic(TOPIC, partitions=1, replication_factor=3, min_insync_replicas=2)
    producer = ProducerUnderTest("confluent-kafka", sandbox.bootstrap_servers, acks=-1)
    for i in range(1, 6):
        producer.send(TOPIC, f"shipment-{i}")
    producer.flush()
    producer.close()

    calls: list[str] = []   # for each on_revoke: the example's source line that was running

    def on_revoke(c: Consumer, parts: list[Any]) -> None:
        frame = sys._getframe(1)   # the Python frame whose consumer call runs this callback
        calls.append(linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip())

    a = consumer(sandbox)
    a.subscribe([TOPIC], on_revoke=on_revoke)
    wait_for(lambda: a.poll(0.2) is not None, what="A to be assigned the partition and read a record")
    # A stops polling (its work hangs); B joins and the coordinator starts a rebalance.
    b = consumer(sandbox)
    b.subscribe([TOPIC])
    try:
        wait_for(lambda: told_to_rejoin(sandbox), what="the coordinator to tell A that the group rebalances")
        assert calls == [], "A has not polled since: its revoke is still queued"
        leave_group(a)
    finally:
        leave_group(b)
    assert len(calls) == 1, calls
    assert ".poll(" in calls[0] and "close(" not in calls[0], (
        f"A's late on_revoke ran during `{calls[0]}`: it must run in the poll after unsubscribe(), "
        "never inside close()")
