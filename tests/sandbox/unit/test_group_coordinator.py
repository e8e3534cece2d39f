"""The classic group protocol's state machine, driven directly (no wire) on a manual clock:
timeouts fire when the test advances time, never because the machine was slow."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.sandbox.coordinator.timer import ManualTimer
from engine.sandbox.common.errors import Errors
from engine.sandbox.coordinator.group.group_coordinator import GroupConfig, GroupCoordinator, JoinResult
from engine.sandbox.coordinator.group.group_metadata import GroupState
from engine.sandbox.coordinator.group.group_metadata_manager import GroupMetadataManager

G = "orders-app"
RANGE = [("range", b"meta-range")]


class Harness:
    def __init__(self, manager: GroupMetadataManager | None = None, **config: Any) -> None:
        self.timer = ManualTimer()
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.manager = manager or GroupMetadataManager(num_partitions=1)
        self.gc = GroupCoordinator(1, self.manager, emit=lambda kind, **d: self.events.append((kind, d)),
                                   timer=self.timer, config=GroupConfig(**config))
        self.gc.on_election([0])

    def join(self, member_id: str = "", protocols: list[tuple[str, bytes]] = RANGE, client: str = "c",
             session_ms: int = 10_000, rebalance_ms: int = 5_000) -> asyncio.Task[JoinResult]:
        return asyncio.ensure_future(self.gc.join_group(G, member_id, None, client, "consumer", protocols,
                                                        session_ms, rebalance_ms, require_known_member_id=False))

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]

    def state(self) -> GroupState:
        group = self.gc.group(G)
        assert group is not None
        return group.state


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def stable_group(h: Harness, n: int, **join_args: Any) -> list[JoinResult]:
    """n members join together and the leader assigns `part-<i>` to member i."""
    tasks = [h.join(client=f"c{i}", **join_args) for i in range(n)]
    await settle()
    # Members arriving during the initial delay extend it once (Kafka's InitialDelayedJoin).
    h.timer.advance(2 * h.gc.config.initial_rebalance_delay_ms / 1000)
    await settle()
    results = [t.result() for t in tasks]
    leader = next(r for r in results if r.member_id == r.leader_id)
    syncs = [asyncio.ensure_future(h.gc.sync_group(G, r.generation_id, r.member_id, assignments=(
        {m.member_id: f"part-{i}".encode() for i, m in enumerate(leader.members)} if r is leader else {})))
        for r in results]
    await settle()
    assert all(s.result().error is Errors.NONE for s in syncs)
    assert h.state() is GroupState.STABLE
    return results


def test_member_id_required_then_join_sync_and_stable() -> None:
    async def main() -> None:
        h = Harness()
        first = await h.gc.join_group(G, "", None, "app-1", "consumer", RANGE, 10_000, 5_000,
                                      require_known_member_id=True)
        assert first.error is Errors.MEMBER_ID_REQUIRED
        assert first.member_id.startswith("app-1-")
        assert h.state() is GroupState.EMPTY            # handing out an id starts no rebalance
        task = asyncio.ensure_future(h.gc.join_group(G, first.member_id, None, "app-1", "consumer", RANGE,
                                                     10_000, 5_000, require_known_member_id=True))
        await settle()
        assert not task.done()                          # parked through the initial delay
        assert h.state() is GroupState.PREPARING_REBALANCE
        h.timer.advance(0.1)
        await settle()
        joined = task.result()
        assert (joined.error, joined.generation_id, joined.leader_id) == (Errors.NONE, 1, first.member_id)
        assert joined.protocol_name == "range"
        assert [(m.member_id, m.metadata) for m in joined.members] == [(first.member_id, b"meta-range")]
        synced = await h.gc.sync_group(G, 1, first.member_id, assignments={first.member_id: b"all"})
        assert (synced.error, synced.assignment, synced.protocol_name) == (Errors.NONE, b"all", "range")
        assert h.state() is GroupState.STABLE
        assert h.gc.heartbeat(G, first.member_id, None, 1) is Errors.NONE
        assert {"group_join", "group_rebalance_start", "group_join_complete", "group_sync",
                "group_rebalance_complete"} <= set(h.kinds())
    asyncio.run(main())


def test_two_members_share_a_generation_and_the_follower_waits_for_the_leader() -> None:
    async def main() -> None:
        h = Harness()
        a, b = h.join(client="a"), h.join(client="b")
        await settle()
        h.timer.advance(0.2)
        await settle()
        ra, rb = a.result(), b.result()
        assert ra.generation_id == rb.generation_id == 1
        assert ra.leader_id == rb.leader_id == ra.member_id      # the first to join leads
        assert {m.member_id for m in ra.members} == {ra.member_id, rb.member_id}
        assert rb.members == ()                                   # followers get no member list
        follower = asyncio.ensure_future(h.gc.sync_group(G, 1, rb.member_id))
        await settle()
        assert not follower.done()                                # waits for the leader's assignment
        leader = await h.gc.sync_group(G, 1, ra.member_id, assignments={ra.member_id: b"p0", rb.member_id: b"p1"})
        await settle()
        assert leader.assignment == b"p0"
        assert follower.result().assignment == b"p1"
    asyncio.run(main())


def test_protocol_is_chosen_by_vote_among_common_protocols() -> None:
    async def main() -> None:
        h = Harness()
        tasks = [h.join(protocols=[("range", b"r"), ("roundrobin", b"rr")]),
                 h.join(protocols=[("roundrobin", b"rr"), ("range", b"r")]),
                 h.join(protocols=[("sticky", b"s"), ("roundrobin", b"rr"), ("range", b"r")])]
        await settle()
        # A member sharing no protocol with the group cannot join it.
        odd = await h.gc.join_group(G, "", None, "x", "consumer", [("cooperative", b"c")], 10_000, 5_000, False)
        assert odd.error is Errors.INCONSISTENT_GROUP_PROTOCOL
        h.timer.advance(0.2)
        await settle()
        # sticky is not common; roundrobin gets two votes, range one.
        assert {t.result().protocol_name for t in tasks} == {"roundrobin"}
        leader = next(t.result() for t in tasks if t.result().members)
        assert {m.metadata for m in leader.members} == {b"rr"}
    asyncio.run(main())


def test_a_new_member_rebalances_the_group_and_completes_when_all_rejoin() -> None:
    async def main() -> None:
        h = Harness()
        [a] = await stable_group(h, 1)
        newcomer = h.join(client="b")
        await settle()
        assert h.state() is GroupState.PREPARING_REBALANCE
        assert not newcomer.done()
        # The existing member learns of the rebalance from its heartbeat, then rejoins.
        assert h.gc.heartbeat(G, a.member_id, None, 1) is Errors.REBALANCE_IN_PROGRESS
        rejoin = h.join(a.member_id, client="a")
        await settle()
        # Everyone known has joined: no timeout needed.
        assert rejoin.result().generation_id == newcomer.result().generation_id == 2
        assert rejoin.result().leader_id == a.member_id
        assert h.state() is GroupState.COMPLETING_REBALANCE
        # The old generation is refused now.
        assert h.gc.heartbeat(G, a.member_id, None, 1) is Errors.ILLEGAL_GENERATION
    asyncio.run(main())


def test_member_that_does_not_rejoin_is_removed_at_the_rebalance_timeout() -> None:
    async def main() -> None:
        h = Harness()
        a, b = await stable_group(h, 2, session_ms=10_000, rebalance_ms=5_000)
        c = h.join(client="c", rebalance_ms=5_000)
        await settle()
        rejoin_a = h.join(a.member_id)
        await settle()
        assert not rejoin_a.done()                      # b has not rejoined yet
        h.timer.advance(4.9)
        await settle()
        assert not rejoin_a.done()
        h.timer.advance(0.2)
        await settle()
        result = rejoin_a.result()
        assert result.generation_id == 2
        assert {m.member_id for m in result.members} == {a.member_id, c.result().member_id}
        removed = [d for k, d in h.events if k == "group_member_removed"]
        assert removed == [{"group": G, "member": b.member_id, "reason": "did not rejoin within the rebalance timeout"}]
        assert h.gc.heartbeat(G, b.member_id, None, 1) is Errors.UNKNOWN_MEMBER_ID
    asyncio.run(main())


def test_leader_leaving_rebalances_and_the_remaining_member_leads() -> None:
    async def main() -> None:
        h = Harness()
        a, b = await stable_group(h, 2)
        left = h.gc.leave_group(G, [(a.member_id, None), ("nobody", None)])
        assert [m.error for m in left.members] == [Errors.NONE, Errors.UNKNOWN_MEMBER_ID]
        assert h.state() is GroupState.PREPARING_REBALANCE
        assert h.gc.heartbeat(G, b.member_id, None, 1) is Errors.REBALANCE_IN_PROGRESS
        rejoin = h.join(b.member_id)
        await settle()
        r = rejoin.result()
        assert (r.generation_id, r.leader_id, [m.member_id for m in r.members]) == (2, b.member_id, [b.member_id])
        # The last member leaving empties the group (a new generation with no members).
        await h.gc.sync_group(G, 2, b.member_id, assignments={b.member_id: b"x"})
        h.gc.leave_group(G, [(b.member_id, None)])
        assert h.state() is GroupState.EMPTY
        assert h.gc.group(G).generation_id == 3
    asyncio.run(main())


def test_session_timeout_removes_a_silent_member_and_triggers_a_rebalance() -> None:
    async def main() -> None:
        h = Harness()
        a, b = await stable_group(h, 2, session_ms=6_000)   # Kafka's group.min.session.timeout.ms
        h.timer.advance(3.6)
        assert h.gc.heartbeat(G, a.member_id, None, 1) is Errors.NONE
        h.timer.advance(3.6)                            # b silent for 7.2 s > 6 s; a for 3.6 s
        assert h.state() is GroupState.PREPARING_REBALANCE
        removed = [d for k, d in h.events if k == "group_member_removed"]
        assert removed == [{"group": G, "member": b.member_id,
                            "reason": "session timeout expired without a heartbeat"}]
        assert h.gc.heartbeat(G, b.member_id, None, 1) is Errors.UNKNOWN_MEMBER_ID
        assert h.gc.heartbeat(G, a.member_id, None, 1) is Errors.REBALANCE_IN_PROGRESS
    asyncio.run(main())


def test_sync_parked_when_a_new_member_joins_gets_rebalance_in_progress() -> None:
    async def main() -> None:
        h = Harness()
        a, b = h.join(client="a"), h.join(client="b")
        await settle()
        h.timer.advance(0.2)
        await settle()
        follower = a.result() if a.result().members == () else b.result()
        parked = asyncio.ensure_future(h.gc.sync_group(G, 1, follower.member_id))
        await settle()
        h.join(client="c")
        await settle()
        assert parked.result().error is Errors.REBALANCE_IN_PROGRESS
        assert (await h.gc.sync_group(G, 1, follower.member_id)).error is Errors.REBALANCE_IN_PROGRESS
    asyncio.run(main())


def test_generation_and_member_checks_on_sync_heartbeat_and_commit() -> None:
    async def main() -> None:
        h = Harness()
        a, b = h.join(client="a"), h.join(client="b")
        await settle()
        h.timer.advance(0.2)
        await settle()
        ra = a.result()
        tp = ("orders", 0)
        # Between JoinGroup and the assignment, a commit is refused with REBALANCE_IN_PROGRESS.
        assert h.gc.commit_offsets(G, ra.member_id, 1, {tp: (5, "", -1)}) == {tp: Errors.REBALANCE_IN_PROGRESS}
        assert (await h.gc.sync_group(G, 0, ra.member_id)).error is Errors.ILLEGAL_GENERATION
        assert (await h.gc.sync_group(G, 1, "ghost")).error is Errors.UNKNOWN_MEMBER_ID
        assert h.gc.heartbeat(G, ra.member_id, None, 7) is Errors.ILLEGAL_GENERATION
        assert h.gc.heartbeat(G, ra.member_id, None, 1) is Errors.NONE   # allowed while completing
        await h.gc.sync_group(G, 1, ra.member_id, assignments={})
        assert h.gc.commit_offsets(G, ra.member_id, 0, {tp: (5, "", -1)}) == {tp: Errors.ILLEGAL_GENERATION}
        assert h.gc.commit_offsets(G, "ghost", 1, {tp: (5, "", -1)}) == {tp: Errors.UNKNOWN_MEMBER_ID}
        # A "simple" commit (no member, generation -1) is refused while the group has members...
        assert h.gc.commit_offsets(G, "", -1, {tp: (5, "", -1)}) == {tp: Errors.UNKNOWN_MEMBER_ID}
        assert h.gc.commit_offsets(G, ra.member_id, 1, {tp: (5, "m", 3)}) == {tp: Errors.NONE}
        got = h.gc.fetch_offsets(G, [tp, ("orders", 1)]).partitions
        assert (got[tp].offset, got[tp].metadata, got[tp].leader_epoch) == (5, "m", 3)
        assert got[("orders", 1)].offset == -1 and got[("orders", 1)].error is Errors.NONE
        # ...and allowed for a group nobody has joined; a real generation there is stale.
        assert h.gc.commit_offsets("tool", "", -1, {tp: (9, None, -1)}) == {tp: Errors.NONE}
        assert h.gc.commit_offsets("other", "m-1", 4, {tp: (9, None, -1)}) == {tp: Errors.ILLEGAL_GENERATION}
        assert h.gc.fetch_offsets("tool").partitions[tp].offset == 9
        big = "x" * 5000
        assert h.gc.commit_offsets("tool", "", -1, {tp: (10, big, -1)}) == {tp: Errors.OFFSET_METADATA_TOO_LARGE}
        assert any(k == "offset_commit" for k in h.kinds())
    asyncio.run(main())


def test_initial_delay_waits_for_more_members_and_extends_while_they_come() -> None:
    async def main() -> None:
        h = Harness(initial_rebalance_delay_ms=100)
        first = h.join(client="a", rebalance_ms=1_000)
        await settle()
        h.timer.advance(0.05)
        second = h.join(client="b", rebalance_ms=1_000)
        await settle()
        h.timer.advance(0.06)                           # first delay over, but a member arrived: extend
        await settle()
        assert not first.done()
        h.timer.advance(0.1)
        await settle()
        assert first.result().generation_id == second.result().generation_id == 1
        assert len(first.result().members) == 2
    asyncio.run(main())


def test_pending_member_id_holds_the_rebalance_until_it_joins_or_expires() -> None:
    async def main() -> None:
        h = Harness()
        [a] = await stable_group(h, 1)
        pending = await h.gc.join_group(G, "", None, "late", "consumer", RANGE, 6_000, 5_000, True)
        assert pending.error is Errors.MEMBER_ID_REQUIRED
        rejoin = h.join(a.member_id)                    # the leader rejoining starts a rebalance
        await settle()
        assert h.state() is GroupState.PREPARING_REBALANCE
        assert not rejoin.done()                        # the pending member is still expected
        h.timer.advance(6.1)                            # it never came back: dropped at its session timeout
        await settle()
        assert rejoin.result().generation_id == 2
        assert [m.member_id for m in rejoin.result().members] == [a.member_id]
        # Its id is now unknown.
        late = await h.gc.join_group(G, pending.member_id, None, "late", "consumer", RANGE, 6_000, 5_000, True)
        assert late.error is Errors.UNKNOWN_MEMBER_ID
    asyncio.run(main())


def test_member_that_never_syncs_is_removed_after_the_rebalance_timeout() -> None:
    async def main() -> None:
        h = Harness()
        a, b = h.join(client="a", rebalance_ms=3_000), h.join(client="b", rebalance_ms=3_000)
        await settle()
        h.timer.advance(0.2)
        await settle()
        follower = b.result() if b.result().members == () else a.result()
        parked = asyncio.ensure_future(h.gc.sync_group(G, 1, follower.member_id))
        await settle()
        h.timer.advance(3.0)                            # the leader never sent its assignment
        await settle()
        assert h.state() is GroupState.PREPARING_REBALANCE
        # The synced follower learns its generation is void; the silent leader is gone.
        assert parked.result().error is Errors.REBALANCE_IN_PROGRESS
        removed = [(d["member"], d["reason"]) for k, d in h.events if k == "group_member_removed"]
        assert removed == [(follower.leader_id, "did not send SyncGroup within the rebalance timeout")]
    asyncio.run(main())


def test_unknown_member_and_session_timeout_bounds() -> None:
    async def main() -> None:
        h = Harness()                                   # Kafka's defaults: 6000 to 1800000 ms
        r = await h.gc.join_group(G, "made-up", None, "c", "consumer", RANGE, 10_000, 5_000, True)
        assert r.error is Errors.UNKNOWN_MEMBER_ID
        for too_short_or_long in (3_000, 5_999, 1_800_001):
            r = await h.gc.join_group(G, "", None, "c", "consumer", RANGE, too_short_or_long, 5_000, True)
            assert r.error is Errors.INVALID_SESSION_TIMEOUT, too_short_or_long
        r = await h.gc.join_group(G, "", None, "c", "consumer", RANGE, 6_000, 5_000, True)
        assert r.error is Errors.MEMBER_ID_REQUIRED     # the lowest allowed timeout joins
        r = await h.gc.join_group("", "", None, "c", "consumer", RANGE, 10_000, 5_000, True)
        assert r.error is Errors.INVALID_GROUP_ID
    asyncio.run(main())


def test_state_and_offsets_survive_the_coordinator_moving() -> None:
    async def main() -> None:
        old = Harness()
        a, b = await stable_group(old, 2)
        tp = ("orders", 0)
        assert old.gc.commit_offsets(G, a.member_id, 1, {tp: (42, "", -1)}) == {tp: Errors.NONE}
        parked = asyncio.ensure_future(old.gc.sync_group(G, 1, b.member_id))   # answered at once (Stable)
        await settle()
        assert parked.result().assignment in (b"part-0", b"part-1")

        # A third member is parked in JoinGroup when the coordinator's broker stops.
        joining = old.join(client="c")
        await settle()
        old.gc.shutdown()
        await settle()
        assert joining.result().error is Errors.NOT_COORDINATOR
        assert old.gc.heartbeat(G, a.member_id, None, 1) is Errors.NOT_COORDINATOR

        new = Harness(manager=old.manager)              # another broker, same cluster-owned store
        assert new.gc.fetch_offsets(G, [tp]).partitions[tp].offset == 42
        # The stored generation comes back Stable; its members carry on without rejoining.
        assert new.state() is GroupState.STABLE
        assert new.gc.heartbeat(G, a.member_id, None, 1) is Errors.NONE
        assert (await new.gc.sync_group(G, 1, b.member_id)).assignment == parked.result().assignment
        assert new.gc.commit_offsets(G, b.member_id, 1, {tp: (43, "", -1)}) == {tp: Errors.NONE}
    asyncio.run(main())


def test_transactional_offsets_are_invisible_until_the_commit_and_unstable_meanwhile() -> None:
    h = Harness()
    tp, other = ("orders", 0), ("orders", 1)
    assert h.gc.commit_offsets(G, "", -1, {tp: (10, "", -1), other: (3, "", -1)}) == {tp: Errors.NONE, other: Errors.NONE}
    assert h.gc.txn_commit_offsets(G, 7000, 0, "", None, -1, {tp: (20, "", -1)}) == {tp: Errors.NONE}
    # Not yet committed: plain readers see the old offset, require_stable readers must wait.
    assert h.gc.fetch_offsets(G, [tp]).partitions[tp].offset == 10
    stable = h.gc.fetch_offsets(G, [tp, other], require_stable=True).partitions
    assert stable[tp].error is Errors.UNSTABLE_OFFSET_COMMIT and stable[tp].offset == -1
    assert stable[other].error is Errors.NONE and stable[other].offset == 3
    # An abort drops them; a commit makes them the committed offsets.
    h.manager.complete_txn_offsets(7000, 0, [G], commit=False)
    assert h.gc.fetch_offsets(G, [tp], require_stable=True).partitions[tp].offset == 10
    h.gc.txn_commit_offsets(G, 7000, 1, "", None, -1, {tp: (30, "", -1)})
    h.manager.complete_txn_offsets(7000, 1, [G], commit=True)
    assert h.gc.fetch_offsets(G, [tp], require_stable=True).partitions[tp].offset == 30
    # A stale producer epoch is fenced; a plain commit written after staged offsets wins over them.
    assert h.gc.txn_commit_offsets(G, 7000, 0, "", None, -1, {tp: (1, "", -1)}) == {tp: Errors.INVALID_PRODUCER_EPOCH}
    h.gc.txn_commit_offsets(G, 7000, 2, "", None, -1, {tp: (40, "", -1)})
    h.gc.commit_offsets(G, "", -1, {tp: (50, "", -1)})
    h.manager.complete_txn_offsets(7000, 2, [G], commit=True)
    assert h.gc.fetch_offsets(G, [tp]).partitions[tp].offset == 50


def test_txn_offset_commit_checks_member_and_generation_only_when_given() -> None:
    async def main() -> None:
        h = Harness()
        [a] = await stable_group(h, 1)
        tp = ("orders", 0)
        assert h.gc.txn_commit_offsets(G, 1, 0, "ghost", None, 1, {tp: (1, "", -1)}) == {tp: Errors.UNKNOWN_MEMBER_ID}
        assert h.gc.txn_commit_offsets(G, 1, 0, a.member_id, None, 0, {tp: (1, "", -1)}) == {tp: Errors.ILLEGAL_GENERATION}
        assert h.gc.txn_commit_offsets(G, 1, 0, a.member_id, None, 1, {tp: (1, "", -1)}) == {tp: Errors.NONE}
        assert h.gc.txn_commit_offsets(G, 2, 0, "", None, -1, {tp: (1, "", -1)}) == {tp: Errors.NONE}
    asyncio.run(main())


def test_a_coordinator_refuses_groups_it_does_not_own() -> None:
    async def main() -> None:
        manager = GroupMetadataManager(num_partitions=4)
        gc = GroupCoordinator(2, manager, timer=ManualTimer())
        mine = manager.partition_for(G)
        gc.on_election([p for p in range(4) if p != mine])
        assert not gc.is_coordinator_for(G)
        r = await gc.join_group(G, "", None, "c", "consumer", RANGE, 10_000, 5_000, True)
        assert r.error is Errors.NOT_COORDINATOR
        assert gc.fetch_offsets(G).error is Errors.NOT_COORDINATOR
        gc.on_election([mine])
        r = await gc.join_group(G, "", None, "c", "consumer", RANGE, 10_000, 5_000, True)
        assert r.error is Errors.MEMBER_ID_REQUIRED
    asyncio.run(main())


def test_a_new_member_whose_join_never_completes_expires() -> None:
    async def main() -> None:
        h = Harness(new_member_join_timeout_ms=3_000)
        [a] = await stable_group(h, 1, rebalance_ms=600_000, session_ms=10_000)
        newcomer = h.join(client="b", rebalance_ms=600_000)
        await settle()
        assert not newcomer.done()                      # a never rejoins; the rebalance waits
        h.timer.advance(3.1)
        await settle()
        assert newcomer.result().error is Errors.UNKNOWN_MEMBER_ID
        removed = [d["reason"] for k, d in h.events if k == "group_member_removed"]
        assert removed == ["new member did not complete its join in time"]
        assert h.gc.heartbeat(G, a.member_id, None, 1) is Errors.REBALANCE_IN_PROGRESS
    asyncio.run(main())


def test_ids_hash_to_partitions_as_kafka_does() -> None:
    from engine.sandbox.coordinator.timer import java_string_hash, partition_for
    # Java: "hello".hashCode() == 99162322; Utils.abs(Integer.MIN_VALUE) is 0, not negative.
    assert java_string_hash("hello") == 99162322
    assert java_string_hash("polygenelubricants") == -2**31
    assert partition_for("polygenelubricants", 50) == 0
    assert 0 <= partition_for("my-group", 50) < 50
