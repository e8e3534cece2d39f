"""KIP-345 static membership in the group coordinator, on a manual clock: a returning
group.instance.id takes its old place without a rebalance, and the member id it replaced is
fenced everywhere (JoinGroup, SyncGroup, Heartbeat, OffsetCommit, LeaveGroup)."""

from __future__ import annotations

import asyncio

from engine.sandbox.common.errors import Errors
from engine.sandbox.coordinator.group.group_metadata import GroupState

from .test_group_coordinator import G, RANGE, Harness, settle


def static_join(h: Harness, instance: str, member_id: str = "",
                protocols: list[tuple[str, bytes]] = RANGE) -> "asyncio.Task":
    return asyncio.ensure_future(h.gc.join_group(G, member_id, instance, f"client-{instance}", "consumer",
                                                 protocols, 10_000, 5_000, require_known_member_id=True))


async def static_group(h: Harness) -> dict[str, str]:
    """Instances a and b join (no MEMBER_ID_REQUIRED round trip for static members) and sync."""
    tasks = {i: static_join(h, i) for i in ("a", "b")}
    await settle()
    h.timer.advance(2 * h.gc.config.initial_rebalance_delay_ms / 1000)
    await settle()
    results = {i: t.result() for i, t in tasks.items()}
    assert all(r.error is Errors.NONE for r in results.values())
    leader = next(r for r in results.values() if r.member_id == r.leader_id)
    syncs = [asyncio.ensure_future(h.gc.sync_group(G, r.generation_id, r.member_id, i, assignments=(
        {m.member_id: f"part-of-{m.group_instance_id}".encode() for m in leader.members} if r is leader else {})))
        for i, r in results.items()]
    await settle()
    assert all(s.result().error is Errors.NONE for s in syncs)
    return {i: r.member_id for i, r in results.items()}


def test_returning_instance_takes_its_place_without_a_rebalance() -> None:
    async def main() -> None:
        h = Harness()
        ids = await static_group(h)
        group = h.gc.group(G)
        assert group is not None and group.static_members == ids
        generation, leader = group.generation_id, group.leader_id
        rebalances = h.kinds().count("group_rebalance_start")

        back = await static_join(h, "b")               # instance b restarted: no member id yet
        assert back.error is Errors.NONE and back.member_id != ids["b"]
        assert back.generation_id == generation and h.state() is GroupState.STABLE
        assert back.leader_id == leader                 # a follower: it computes no assignment
        sync = await h.gc.sync_group(G, generation, back.member_id, "b")
        assert (sync.error, sync.assignment) == (Errors.NONE, b"part-of-b")
        assert h.kinds().count("group_rebalance_start") == rebalances
        assert "group_static_member_replaced" in h.kinds()

        old = ids["b"]                                  # the replaced member id is a zombie now
        assert h.gc.heartbeat(G, old, "b", generation) is Errors.FENCED_INSTANCE_ID
        assert (await h.gc.sync_group(G, generation, old, "b")).error is Errors.FENCED_INSTANCE_ID
        assert (await static_join(h, "b", member_id=old)).error is Errors.FENCED_INSTANCE_ID
        commit = h.gc.commit_offsets(G, old, generation, {("t", 0): (5, None, -1)}, group_instance_id="b")
        assert commit == {("t", 0): Errors.FENCED_INSTANCE_ID}
        leave = h.gc.leave_group(G, [(old, "b")])
        assert leave.members[0].error is Errors.FENCED_INSTANCE_ID
        assert h.gc.heartbeat(G, back.member_id, "b", generation) is Errors.NONE
    asyncio.run(main())


def test_returning_leader_keeps_the_group_and_the_old_leader_id_is_answered() -> None:
    async def main() -> None:
        h = Harness()
        ids = await static_group(h)
        group = h.gc.group(G)
        assert group is not None
        leader_instance = next(i for i, m in ids.items() if m == group.leader_id)
        back = await static_join(h, leader_instance)
        # Kafka answers with the leader id as it was, so the new member id does not think it
        # leads a Stable group (its assignment would reach nobody); the group's leader is now it.
        assert back.leader_id == ids[leader_instance] != back.member_id
        assert group.leader_id == back.member_id and h.state() is GroupState.STABLE
    asyncio.run(main())


def test_static_member_leaves_by_instance_id_or_by_session_timeout() -> None:
    async def main() -> None:
        h = Harness()
        ids = await static_group(h)
        group = h.gc.group(G)
        assert group is not None
        # LeaveGroup v3+ names the instance (an empty member id is allowed): it goes at once.
        left = h.gc.leave_group(G, [("", "a")])
        assert left.members[0].error is Errors.NONE and left.members[0].group_instance_id == "a"
        assert list(group.static_members) == ["b"] and h.state() is GroupState.PREPARING_REBALANCE
        assert h.gc.leave_group(G, [("", "zz")]).members[0].error is Errors.UNKNOWN_MEMBER_ID
        # Otherwise a static member goes only when its session times out (b never rejoins:
        # the rebalance drops it, and no instance is left).
        h.timer.advance(11)
        await settle()
        assert group.static_members == {} and h.state() is GroupState.EMPTY
        assert ids["b"] not in group.members
    asyncio.run(main())
