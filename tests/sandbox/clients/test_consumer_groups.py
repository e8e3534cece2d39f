"""Matrix rows C1 and C2, and a group splitting partitions, with both clients."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.sandbox import Sandbox

from ..client_drivers import CLIENTS, ConsumerUnderTest, ProducerUnderTest
from ..conftest import wait_for

TOPIC = "payments"


def produce_ten(sb: Sandbox, partitions: int = 1) -> None:
    sb.create_topic(TOPIC, partitions=partitions, replication_factor=3, min_insync_replicas=2)
    p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=-1)
    for i in range(10):
        p.send(TOPIC, f"m-{i}", partition=i % partitions)
    p.flush()
    p.close()


def next_record(c: ConsumerUnderTest) -> tuple[int, int, str]:
    got: list[tuple[int, int, str]] = []
    wait_for(lambda: got.append(r) or True if (r := c.poll_one()) else False, what="a record")
    return got[0]


def run_consumers(sb: Sandbox, client: str, commit_first: bool) -> Counter[str]:
    """Consumer A handles m-0..m-4 and crashes while handling m-4; B takes over the group."""
    processed: Counter[str] = Counter()
    a = ConsumerUnderTest(client, sb.bootstrap_servers, "billing", TOPIC)
    for _ in range(5):
        partition, offset, value = next_record(a)
        crash = value == "m-4"
        if commit_first:
            a.commit(TOPIC, partition, offset + 1)
            if crash:
                break                           # crashed after the commit, before processing
            processed[value] += 1
        else:
            processed[value] += 1
            if crash:
                break                           # crashed after processing, before the commit
            a.commit(TOPIC, partition, offset + 1)
    a.close()
    b = ConsumerUnderTest(client, sb.bootstrap_servers, "billing", TOPIC)
    while "m-9" not in processed:
        _, _, value = next_record(b)
        processed[value] += 1
    b.close()
    return processed


@pytest.mark.parametrize("client", CLIENTS)
def test_c1_commit_before_processing_is_at_most_once(sandbox: Sandbox, client: str) -> None:
    produce_ten(sandbox)
    processed = run_consumers(sandbox, client, commit_first=True)
    assert set(processed) == {f"m-{i}" for i in range(10)} - {"m-4"}    # m-4 never processed
    assert max(processed.values()) == 1


@pytest.mark.parametrize("client", CLIENTS)
def test_c2_commit_after_processing_is_at_least_once(sandbox: Sandbox, client: str) -> None:
    produce_ten(sandbox)
    processed = run_consumers(sandbox, client, commit_first=False)
    assert set(processed) == {f"m-{i}" for i in range(10)}
    assert {v for v, n in processed.items() if n > 1} == {"m-4"}        # processed twice


@pytest.mark.parametrize("client", CLIENTS)
def test_group_members_split_partitions_and_rebalance_when_one_leaves(sandbox: Sandbox, client: str) -> None:
    produce_ten(sandbox, partitions=4)
    first = ConsumerUnderTest(client, sandbox.bootstrap_servers, "split", TOPIC)
    second = ConsumerUnderTest(client, sandbox.bootstrap_servers, "split", TOPIC)

    def split() -> bool:
        # Long polls: each member must get far enough to rejoin while the other waits.
        first.poll_one(0.5)
        second.poll_one(0.5)
        a, b = first.assignment(), second.assignment()
        return bool(a) and bool(b) and not a & b and a | b == {0, 1, 2, 3}

    wait_for(split, what="both members to share the four partitions")
    second.close()

    def took_over() -> bool:
        first.poll_one(0.5)
        return first.assignment() == {0, 1, 2, 3}

    wait_for(took_over, what="the remaining member to take every partition")
    first.close()
    kinds = [e.kind for e in sandbox.events]
    assert "group_member_removed" in kinds and kinds.count("group_rebalance_complete") >= 2
