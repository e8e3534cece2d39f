"""The transaction coordinator's state machine, driven directly (no wire): markers go to a
recording callback, time is a manual clock."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.sandbox.coordinator.timer import ManualTimer
from engine.sandbox.common.errors import Errors
from engine.sandbox.coordinator.group.group_coordinator import GroupCoordinator
from engine.sandbox.coordinator.group.group_metadata_manager import GroupMetadataManager
from engine.sandbox.coordinator.transaction.transaction_coordinator import (MarkerWriteError, TransactionConfig,
                                                    TransactionCoordinator)
from engine.sandbox.coordinator.transaction.transaction_metadata import TransactionState
from engine.sandbox.coordinator.transaction.transaction_state_manager import TransactionStateManager

TID = "pipeline-1"
T0, T1, T2 = ("out", 0), ("out", 1), ("out", 2)


class Markers:
    """The broker's side of write_markers: records each call; can hold calls or fail partitions."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, bool, list[tuple[str, int]], int]] = []
        self.gate: asyncio.Event | None = None
        self.fail_once: list[tuple[str, int]] = []

    async def __call__(self, pid: int, epoch: int, commit: bool, partitions: list[tuple[str, int]],
                       coordinator_epoch: int) -> None:
        self.calls.append((pid, epoch, commit, list(partitions), coordinator_epoch))
        if self.gate is not None:
            await self.gate.wait()
        failed = [tp for tp in partitions if tp in self.fail_once]
        if failed:
            self.fail_once = []
            raise MarkerWriteError(failed)


class Harness:
    def __init__(self, state: TransactionStateManager | None = None,
                 group_manager: GroupMetadataManager | None = None, **config: Any) -> None:
        self.timer = ManualTimer()
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.group_manager = group_manager or GroupMetadataManager(num_partitions=1)
        self.gc = GroupCoordinator(1, self.group_manager, timer=self.timer)
        self.gc.on_election([0])
        self.state = state or TransactionStateManager(num_partitions=1)
        self.markers = Markers()
        config.setdefault("marker_retry_backoff_ms", 0)
        self.tc = TransactionCoordinator(1, self.state, self.markers, self.gc.txn_commit_offsets,
                                         self.group_manager.complete_txn_offsets,
                                         emit=lambda kind, **d: self.events.append((kind, d)),
                                         timer=self.timer, config=TransactionConfig(**config))
        self.tc.on_election([0])

    def txn_state(self, tid: str = TID) -> TransactionState:
        txn = self.state.get(tid)
        assert txn is not None
        return txn.state

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]

    def details(self, kind: str) -> list[dict[str, Any]]:
        return [d for k, d in self.events if k == kind]


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def test_commit_happy_path_writes_markers_to_every_partition_and_retry_is_success() -> None:
    async def main() -> None:
        h = Harness()
        init = await h.tc.init_producer_id(TID, 60_000)
        assert (init.error, init.producer_epoch) == (Errors.NONE, 0)
        pid = init.producer_id
        assert h.tc.add_partitions_to_txn(TID, pid, 0, [T0, T1]).errors == {T0: Errors.NONE, T1: Errors.NONE}
        assert h.txn_state() is TransactionState.ONGOING
        h.tc.add_partitions_to_txn(TID, pid, 0, [T1, T2])
        assert [d["partitions"] for d in h.details("txn_partitions_added")] == [["out-0", "out-1"], ["out-2"]]
        assert len(h.details("txn_begin")) == 1
        assert (await h.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.NONE
        assert h.markers.calls == [(pid, 0, True, [T0, T1, T2], 1)]
        assert h.txn_state() is TransactionState.COMPLETE_COMMIT
        # EndTxn retried after a lost response: the same outcome is success, the other is not.
        assert (await h.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.NONE
        assert (await h.tc.end_txn(TID, pid, 0, commit=False)).error is Errors.INVALID_TXN_STATE
        assert len(h.markers.calls) == 1
        for kind in ("txn_init_producer_id", "txn_prepare", "txn_markers_written", "txn_complete"):
            assert kind in h.kinds()
        # The next transaction starts from CompleteCommit.
        h.tc.add_partitions_to_txn(TID, pid, 0, [T2])
        assert h.state.get(TID).partitions == {T2}
        assert len(h.details("txn_begin")) == 2
    asyncio.run(main())


def test_abort_writes_abort_markers_and_errors_for_bad_ids_and_states() -> None:
    async def main() -> None:
        h = Harness()
        pid = (await h.tc.init_producer_id(TID, 60_000)).producer_id
        assert (await h.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.INVALID_TXN_STATE   # Empty
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0])
        assert (await h.tc.end_txn("nobody", pid, 0, commit=False)).error is Errors.INVALID_PRODUCER_ID_MAPPING
        assert (await h.tc.end_txn(TID, pid + 1, 0, commit=False)).error is Errors.INVALID_PRODUCER_ID_MAPPING
        assert h.tc.add_partitions_to_txn(TID, pid + 1, 0, [T1]).errors == {T1: Errors.INVALID_PRODUCER_ID_MAPPING}
        assert (await h.tc.end_txn(TID, pid, 0, commit=False)).error is Errors.NONE
        assert h.markers.calls == [(pid, 0, False, [T0], 1)]
        assert h.txn_state() is TransactionState.COMPLETE_ABORT
        assert (await h.tc.end_txn(TID, pid, 0, commit=False)).error is Errors.NONE
    asyncio.run(main())


def test_a_new_instance_fences_the_zombie_and_aborts_its_open_transaction() -> None:
    async def main() -> None:
        h = Harness()
        zombie = await h.tc.init_producer_id(TID, 60_000)
        pid = zombie.producer_id
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0, T1])
        # The new instance: the open transaction is aborted with a bumped epoch first.
        first = await h.tc.init_producer_id(TID, 60_000)
        assert first.error is Errors.CONCURRENT_TRANSACTIONS
        assert h.markers.calls == [(pid, 1, False, [T0, T1], 1)]
        assert h.txn_state() is TransactionState.COMPLETE_ABORT
        retry = await h.tc.init_producer_id(TID, 60_000)
        assert (retry.error, retry.producer_id, retry.producer_epoch) == (Errors.NONE, pid, 2)
        # One fencing: of epoch 0 (epoch 1 was never handed out, the retry's bump fences nobody).
        [fenced] = h.details("txn_fenced")
        assert (fenced["previous_epoch"], fenced["epoch"], fenced["aborting"]) == (0, 1, True)
        # The zombie is refused everywhere; old request versions get INVALID_PRODUCER_EPOCH.
        assert h.tc.add_partitions_to_txn(TID, pid, 0, [T0], version=2).errors == {T0: Errors.PRODUCER_FENCED}
        assert h.tc.add_partitions_to_txn(TID, pid, 0, [T0], version=0).errors == {T0: Errors.INVALID_PRODUCER_EPOCH}
        assert (await h.tc.end_txn(TID, pid, 0, True, version=1)).error is Errors.INVALID_PRODUCER_EPOCH
        assert (await h.tc.end_txn(TID, pid, 0, True, version=3)).error is Errors.PRODUCER_FENCED
        assert h.tc.add_offsets_to_txn(TID, pid, 0, "g", version=3).error is Errors.PRODUCER_FENCED
        assert h.tc.txn_offset_commit(TID, "g", pid, 0, "", None, -1, {T0: (1, "", -1)}) == {
            T0: Errors.INVALID_PRODUCER_EPOCH}
        # KIP-360: the zombie cannot re-initialise from its old epoch either.
        assert (await h.tc.init_producer_id(TID, 60_000, pid, 0)).error is Errors.PRODUCER_FENCED
        assert {d["api"] for d in h.details("txn_request_fenced")} >= {"AddPartitionsToTxn", "EndTxn"}
    asyncio.run(main())


def test_fencing_without_an_open_transaction_just_bumps_the_epoch() -> None:
    async def main() -> None:
        h = Harness()
        a = await h.tc.init_producer_id(TID, 60_000)
        b = await h.tc.init_producer_id(TID, 60_000)
        assert (b.error, b.producer_id, b.producer_epoch) == (Errors.NONE, a.producer_id, 1)
        assert h.markers.calls == []
        assert [(d["previous_epoch"], d["epoch"], d["aborting"]) for d in h.details("txn_fenced")] == [(0, 1, False)]
        assert h.tc.add_partitions_to_txn(TID, a.producer_id, 0, [T0]).errors == {T0: Errors.PRODUCER_FENCED}
        assert h.tc.add_partitions_to_txn(TID, b.producer_id, 1, [T0]).errors == {T0: Errors.NONE}
    asyncio.run(main())


def test_concurrent_transactions_while_markers_are_being_written() -> None:
    async def main() -> None:
        h = Harness()
        pid = (await h.tc.init_producer_id(TID, 60_000)).producer_id
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0])
        h.markers.gate = asyncio.Event()
        ending = asyncio.ensure_future(h.tc.end_txn(TID, pid, 0, commit=True))
        await settle()
        assert not ending.done()                        # the sandbox answers once markers are in
        assert h.txn_state() is TransactionState.PREPARE_COMMIT
        assert h.tc.add_partitions_to_txn(TID, pid, 0, [T1]).errors == {T1: Errors.CONCURRENT_TRANSACTIONS}
        assert h.tc.add_offsets_to_txn(TID, pid, 0, "g").error is Errors.CONCURRENT_TRANSACTIONS
        assert (await h.tc.init_producer_id(TID, 60_000)).error is Errors.CONCURRENT_TRANSACTIONS
        assert (await h.tc.end_txn(TID, pid, 0, commit=False)).error is Errors.INVALID_TXN_STATE
        retry = asyncio.ensure_future(h.tc.end_txn(TID, pid, 0, commit=True))
        await settle()
        assert retry.result().error is Errors.CONCURRENT_TRANSACTIONS
        h.markers.gate.set()
        await settle()
        assert ending.result().error is Errors.NONE
        assert h.txn_state() is TransactionState.COMPLETE_COMMIT
        assert len(h.markers.calls) == 1
    asyncio.run(main())


def test_kafka_timing_answers_end_txn_before_the_markers() -> None:
    async def main() -> None:
        h = Harness(respond_after_markers_ms=0)
        pid = (await h.tc.init_producer_id(TID, 60_000)).producer_id
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0])
        h.markers.gate = asyncio.Event()
        assert (await h.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.NONE
        assert h.txn_state() is TransactionState.PREPARE_COMMIT
        h.markers.gate.set()
        await settle()
        assert h.txn_state() is TransactionState.COMPLETE_COMMIT
    asyncio.run(main())


def test_transaction_open_past_its_timeout_is_aborted_and_its_producer_fenced() -> None:
    async def main() -> None:
        h = Harness(abort_timed_out_interval_ms=1_000)
        h.tc.startup()
        pid = (await h.tc.init_producer_id(TID, 1_500)).producer_id
        h.timer.advance(0.5)
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0, T1])   # the transaction starts at t=0.5
        h.timer.advance(1.5)                                # t=2.0: open exactly 1.5 s, not past it
        await settle()
        assert h.txn_state() is TransactionState.ONGOING
        h.timer.advance(1.0)                                # t=3.0: past it
        await settle()
        assert h.txn_state() is TransactionState.COMPLETE_ABORT
        assert h.markers.calls == [(pid, 1, False, [T0, T1], 1)]
        [abort] = h.details("txn_timeout_abort")
        assert (abort["previous_epoch"], abort["epoch"]) == (0, 1)
        assert (await h.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.PRODUCER_FENCED
        assert (await h.tc.init_producer_id(TID, 1_500, pid, 0)).error is Errors.PRODUCER_FENCED
        fresh = await h.tc.init_producer_id(TID, 1_500)
        assert (fresh.producer_id, fresh.producer_epoch) == (pid, 2)
        h.tc.shutdown()
        assert h.timer.pending() == 0
    asyncio.run(main())


def test_transactional_offsets_become_visible_only_on_commit() -> None:
    async def main() -> None:
        h = Harness()
        tp = ("in", 0)
        pid = (await h.tc.init_producer_id(TID, 60_000)).producer_id
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0])
        # TxnOffsetCommit for a group the transaction never added is refused.
        assert h.tc.txn_offset_commit(TID, "g", pid, 0, "", None, -1, {tp: (5, "", -1)}) == {tp: Errors.INVALID_TXN_STATE}
        r = h.tc.add_offsets_to_txn(TID, pid, 0, "g")
        assert (r.error, r.group_id) == (Errors.NONE, "g")
        assert h.tc.txn_offset_commit(TID, "g", pid, 0, "", None, -1, {tp: (5, "", -1)}) == {tp: Errors.NONE}
        assert h.gc.fetch_offsets("g", [tp]).partitions[tp].offset == -1
        assert h.gc.fetch_offsets("g", [tp], require_stable=True).partitions[tp].error is Errors.UNSTABLE_OFFSET_COMMIT
        await h.tc.end_txn(TID, pid, 0, commit=True)
        got = h.gc.fetch_offsets("g", [tp], require_stable=True).partitions[tp]
        assert (got.offset, got.error) == (5, Errors.NONE)
        assert h.details("txn_markers_written")[0]["groups"] == ["g"]
        # An aborted transaction's offsets never show.
        h.tc.add_offsets_to_txn(TID, pid, 0, "g")
        h.tc.txn_offset_commit(TID, "g", pid, 0, "", None, -1, {tp: (9, "", -1)})
        await h.tc.end_txn(TID, pid, 0, commit=False)
        assert h.gc.fetch_offsets("g", [tp], require_stable=True).partitions[tp].offset == 5
        # Offsets alone make a transaction: EndTxn with no data partition writes no data marker.
        assert [c[3] for c in h.markers.calls] == [[T0]]
    asyncio.run(main())


def test_kip360_retry_returns_the_same_epoch_and_exhaustion_rotates_the_producer_id() -> None:
    async def main() -> None:
        h = Harness()
        first = await h.tc.init_producer_id(TID, 60_000)
        pid = first.producer_id
        bumped = await h.tc.init_producer_id(TID, 60_000, pid, 0)          # the producer recovering
        assert (bumped.producer_id, bumped.producer_epoch) == (pid, 1)
        again = await h.tc.init_producer_id(TID, 60_000, pid, 0)           # its retry (lost response)
        assert (again.error, again.producer_epoch) == (Errors.NONE, 1)
        assert (await h.tc.init_producer_id(TID, 60_000, pid + 99, 1)).error is Errors.PRODUCER_FENCED
        assert (await h.tc.init_producer_id(TID, 60_000, pid + 99, 1, version=3)).error is Errors.INVALID_PRODUCER_EPOCH
        h.state.get(TID).producer_epoch = 32766                            # epochs run out
        rotated = await h.tc.init_producer_id(TID, 60_000)
        assert rotated.error is Errors.NONE
        assert rotated.producer_id != pid and rotated.producer_epoch == 0
        assert h.state.get(TID).last_producer_id == pid
    asyncio.run(main())


def test_init_producer_id_without_transactional_id_and_request_checks() -> None:
    async def main() -> None:
        h = Harness(max_timeout_ms=60_000)
        a, b = await h.tc.init_producer_id(None, 0), await h.tc.init_producer_id(None, 0)
        assert a.error is Errors.NONE and a.producer_epoch == 0 and a.producer_id != b.producer_id
        assert (await h.tc.init_producer_id("", 1_000)).error is Errors.INVALID_REQUEST
        assert (await h.tc.init_producer_id(TID, 60_001)).error is Errors.INVALID_TRANSACTION_TIMEOUT
        # The cluster's own partitioner decides ownership: here every id lives on partition 1.
        other = Harness(state=TransactionStateManager(num_partitions=2, partitioner=lambda key, n: 1))
        other.tc.on_resignation([1])
        assert other.tc.owned == {0: 1} and not other.tc.is_coordinator_for(TID)
        assert (await other.tc.init_producer_id(TID, 1_000)).error is Errors.NOT_COORDINATOR
        assert (await other.tc.end_txn(TID, 1, 0, True)).error is Errors.NOT_COORDINATOR
        assert other.tc.add_partitions_to_txn(TID, 1, 0, [T0]).errors == {T0: Errors.NOT_COORDINATOR}
        other.tc.on_election([1])
        assert (await other.tc.init_producer_id(TID, 1_000)).error is Errors.NONE
    asyncio.run(main())


def test_partial_marker_failure_retries_only_the_failed_partitions() -> None:
    async def main() -> None:
        h = Harness()
        pid = (await h.tc.init_producer_id(TID, 60_000)).producer_id
        h.tc.add_partitions_to_txn(TID, pid, 0, [T0, T1, T2])
        h.markers.fail_once = [T1]
        assert (await h.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.NONE
        assert [c[3] for c in h.markers.calls] == [[T0, T1, T2], [T1]]
        assert h.details("txn_marker_retry")[0]["partitions"] == ["out-1"]
        assert h.txn_state() is TransactionState.COMPLETE_COMMIT
    asyncio.run(main())


def test_a_commit_caught_by_the_coordinators_stop_completes_on_the_next_coordinator() -> None:
    async def main() -> None:
        old = Harness()
        pid = (await old.tc.init_producer_id(TID, 60_000)).producer_id
        old.tc.add_partitions_to_txn(TID, pid, 0, [T0, T1])
        old.tc.add_offsets_to_txn(TID, pid, 0, "g")
        old.tc.txn_offset_commit(TID, "g", pid, 0, "", None, -1, {("in", 0): (7, "", -1)})
        old.markers.gate = asyncio.Event()              # the markers are in flight when...
        ending = asyncio.ensure_future(old.tc.end_txn(TID, pid, 0, commit=True))
        await settle()
        old.tc.shutdown()                               # ...the coordinator's broker stops
        await settle()
        assert ending.result().error is Errors.NOT_COORDINATOR
        assert old.txn_state() is TransactionState.PREPARE_COMMIT
        assert old.gc.fetch_offsets("g", [("in", 0)]).partitions[("in", 0)].offset == -1

        new = Harness(state=old.state, group_manager=old.group_manager)   # elected: coordinator epoch 2
        await settle()
        assert new.markers.calls == [(pid, 0, True, [T0, T1], 2)]
        assert new.txn_state() is TransactionState.COMPLETE_COMMIT
        assert new.gc.fetch_offsets("g", [("in", 0)]).partitions[("in", 0)].offset == 7
        assert "txn_resume" in new.kinds()
        # The client's retry, now at the new coordinator, is told the commit happened.
        assert (await new.tc.end_txn(TID, pid, 0, commit=True)).error is Errors.NONE
    asyncio.run(main())
