"""Static membership (KIP-345) with librdkafka consumers: a consumer restarted with its
`group.instance.id` gets its partitions back without a rebalance, so the other member never
stops consuming; a consumer without one causes a rebalance on the way out and on the way in."""

from __future__ import annotations

import time
from typing import Any

import confluent_kafka as ck

from engine.sandbox import Sandbox

from ..conftest import wait_for

TOPIC = "sensors"
GROUP = "dashboards"


def consumer(sb: Sandbox, **conf: Any) -> ck.Consumer:
    c = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": GROUP, "auto.offset.reset": "earliest",
                     "session.timeout.ms": 30_000, "heartbeat.interval.ms": 300, "log_level": 0, **conf})
    c.subscribe([TOPIC])
    return c


def assigned(c: ck.Consumer) -> list[int]:
    return sorted(tp.partition for tp in c.assignment())


def poll_until(consumers: list[ck.Consumer], condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        for c in consumers:
            c.poll(0.05)


def group_state(sb: Sandbox) -> tuple[int, str]:
    broker = sb.cluster.coordinator_for(GROUP)
    group = broker.group_coordinator.group(GROUP) if broker else None
    return (group.generation_id, group.state.value) if group else (-1, "none")


def rebalances(sb: Sandbox) -> int:
    return sum(1 for e in sb.events if e.kind == "group_rebalance_start" and e.details.get("group") == GROUP)


def test_restarted_static_member_takes_its_place_without_rebalance(sandbox: Sandbox) -> None:
    sandbox.create_topic(TOPIC, partitions=4, replication_factor=3)
    a = consumer(sandbox, **{"group.instance.id": "wall-a"})
    b = consumer(sandbox, **{"group.instance.id": "wall-b"})
    poll_until([a, b], lambda: len(assigned(a)) == 2 and len(assigned(b)) == 2 and group_state(sandbox)[1] == "Stable",
               "two static members sharing four partitions")
    generation, _ = group_state(sandbox)
    before, b_partitions, a_partitions = rebalances(sandbox), assigned(b), assigned(a)

    b.close()                      # a static member sends no LeaveGroup: its place is kept
    poll_until([a], lambda: True, "a keeps polling")
    b2 = consumer(sandbox, **{"group.instance.id": "wall-b"})
    poll_until([a, b2], lambda: assigned(b2) == b_partitions, "the restarted instance's partitions")
    for _ in range(20):            # a while longer: nothing moves
        a.poll(0.05)
        b2.poll(0.05)
    assert group_state(sandbox) == (generation, "Stable")
    assert rebalances(sandbox) == before
    assert assigned(a) == a_partitions and assigned(b2) == b_partitions
    replaced = [e.details for e in sandbox.events if e.kind == "group_static_member_replaced"]
    assert [d["instance_id"] for d in replaced] == ["wall-b"]
    a.close()
    b2.close()


def test_dynamic_member_restart_rebalances(sandbox: Sandbox) -> None:
    sandbox.create_topic(TOPIC, partitions=4, replication_factor=3)
    a = consumer(sandbox)
    b = consumer(sandbox)
    poll_until([a, b], lambda: len(assigned(a)) == 2 and len(assigned(b)) == 2 and group_state(sandbox)[1] == "Stable",
               "two dynamic members sharing four partitions")
    generation, _ = group_state(sandbox)
    b.close()                      # LeaveGroup: a takes everything
    poll_until([a], lambda: len(assigned(a)) == 4, "a taking all four partitions")
    b2 = consumer(sandbox)
    poll_until([a, b2], lambda: len(assigned(b2)) == 2 and len(assigned(a)) == 2, "a rebalance back to two each")
    wait_for(lambda: group_state(sandbox)[0] >= generation + 2, what="two more generations")
    a.close()
    b2.close()
