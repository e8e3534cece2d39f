"""Matrix rows C1 and C2, and a group splitting partitions, with both clients."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.sandbox import Sandbox

from ..client_drivers import CLIENTS, ConsumerUnderTest, crash_and_take_over, produce_ten
from ..conftest import wait_for

TOPIC = "payments"


def run_consumers(sb: Sandbox, client: str, commit_first: bool) -> Counter[str]:
    """Consumer A handles m-0..m-4 and crashes while handling m-4; B takes over the group."""
    return crash_and_take_over(lambda: ConsumerUnderTest(client, sb.bootstrap_servers, "billing", TOPIC), TOPIC,
                               commit_first)


@pytest.mark.parametrize("client", CLIENTS)
def test_c1_commit_before_processing_is_at_most_once(sandbox: Sandbox, client: str) -> None:
    produce_ten(sandbox, TOPIC)
    processed = run_consumers(sandbox, client, commit_first=True)
    assert set(processed) == {f"m-{i}" for i in range(10)} - {"m-4"}    # m-4 never processed
    assert max(processed.values()) == 1


@pytest.mark.parametrize("client", CLIENTS)
def test_c2_commit_after_processing_is_at_least_once(sandbox: Sandbox, client: str) -> None:
    produce_ten(sandbox, TOPIC)
    processed = run_consumers(sandbox, client, commit_first=False)
    assert set(processed) == {f"m-{i}" for i in range(10)}
    assert {v for v, n in processed.items() if n > 1} == {"m-4"}        # processed twice


@pytest.mark.parametrize("client", CLIENTS)
def test_group_members_split_partitions_and_rebalance_when_one_leaves(sandbox: Sandbox, client: str) -> None:
    produce_ten(sandbox, TOPIC, partitions=4)
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
