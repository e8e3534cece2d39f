"""The transaction coordinator, modelled on Kafka's kafka.coordinator.transaction.TransactionCoordinator
(KIP-98 transactions, KIP-360 epoch bumps on InitProducerId, KIP-447 group fencing of
TxnOffsetCommit). Wire-independent: plain values in, dataclasses with Kafka error codes out.

One `TransactionCoordinator` per broker; all share the cluster-owned `TransactionStateManager`
(every transactional.id's TransactionMetadata, coordinator epochs, producer ids). A transactional
id belongs to the coordinator elected for its `__transaction_state` partition
(`state.partition_for(tid)`); others answer NOT_COORDINATOR.

Setting up (the broker does this; `Cluster` re-elects on membership changes):

    state = TransactionStateManager(num_partitions=50,
                                    producer_ids=ProducerIdManager(source=cluster.next_producer_id))
    tc = TransactionCoordinator(broker_id, state, write_markers,
                                group_coordinator.txn_commit_offsets,    # stage TxnOffsetCommit
                                group_metadata.complete_txn_offsets,     # the marker reached them
                                emit=functools.partial(events.emit, broker_id))
    tc.on_election(partitions)     # leads these __transaction_state partitions now: bumps their
                                   # coordinator epoch and finishes any transaction it finds in
                                   # PrepareCommit/PrepareAbort (markers still to write)
    tc.on_resignation(partitions)  # or tc.shutdown() when the broker stops: marker writing stops,
                                   # the state stays in `state` for the next coordinator
    tc.startup()                   # the periodic abort of transactions open past their timeout

`write_markers(producer_id, producer_epoch, commit, [(topic, partition), ...], coordinator_epoch)`
is an async callable the broker supplies: append a COMMIT/ABORT control batch to each partition's
leader log (which closes the producer's transaction there: LSO, aborted index). After a fencing
abort the marker carries the bumped epoch: the partition's producer state must adopt it, so the
zombie's later batches at the old epoch are refused (INVALID_PRODUCER_EPOCH) instead of opening a
new transaction under the same producer id. Return normally
when all are written; raise `MarkerWriteError(failed_partitions)` to have only those retried
after `marker_retry_backoff_ms` (any other exception retries the whole call). Raise it with
`error=Errors.TRANSACTION_COORDINATOR_FENCED` if a newer coordinator epoch was seen: this
coordinator then gives up. A marker can be repeated after a coordinator move: tolerate that.

Offsets sent in a transaction are the group coordinator's business; this coordinator only hands
them over, through two callables rather than a reference to the group coordinator (in Kafka
the marker written to `__consumer_offsets` is what reaches the group side):
`txn_commit_offsets(group_id, producer_id, producer_epoch, member_id, group_instance_id,
generation_id, offsets) -> {(topic, p): Errors}` stages a TxnOffsetCommit's offsets once the
transaction checks pass (Kafka's handleTxnCommitOffsets), and `complete_txn_offsets(producer_id,
producer_epoch, group_ids, commit)` makes them committed or drops them once the markers are
written (Kafka's onTransactionCompleted).

Request handlers (`version` = the request's API version, for PRODUCER_FENCED vs
INVALID_PRODUCER_EPOCH; None = newest):

    InitProducerId  r = await tc.init_producer_id(transactional_id | None, txn_timeout_ms,
                                                  producer_id=-1, producer_epoch=-1, version=v)
                    -> InitProducerIdResult(error, producer_id, producer_epoch)
                    (no transactional id: a fresh id for an idempotent producer, any broker)
    AddPartitionsToTxn  tc.add_partitions_to_txn(tid, pid, epoch, [(topic, p), ...], version=v)
                    -> AddPartitionsResult(errors={(topic, p): Errors})   (the handler answers
                       UNKNOWN_TOPIC_OR_PARTITION itself for unknown partitions and
                       OPERATION_NOT_ATTEMPTED for the rest, without calling this)
    AddOffsetsToTxn tc.add_offsets_to_txn(tid, pid, epoch, group_id, version=v)
                    -> AddOffsetsResult(error, group_id)
    TxnOffsetCommit (arrives at the group coordinator's broker; call that broker's tc)
                    tc.txn_offset_commit(tid, group_id, pid, epoch, member_id, group_instance_id,
                                         generation_id, {(topic, p): (offset, metadata, leader_epoch)})
                    -> {(topic, p): Errors}
    EndTxn          r = await tc.end_txn(tid, pid, epoch, commit, version=v) -> EndTxnResult(error)

Events (via `emit(kind, **details)`, each with `transactional_id=`): txn_init_producer_id,
txn_fenced (a new instance or the timeout bumped the epoch), txn_request_fenced (a zombie's request
refused), txn_begin, txn_partitions_added, txn_offsets_added, txn_prepare (commit=bool),
txn_marker_retry, txn_markers_written, txn_complete, txn_timeout_abort, txn_resume (a new
coordinator finishing a Prepare* transaction).

Client-visible rules worth knowing (Kafka's, and librdkafka treats them as fatal): EndTxn on a
transaction that is Empty, or asking the opposite outcome of a completed one, is INVALID_TXN_STATE;
a stale epoch is PRODUCER_FENCED/INVALID_PRODUCER_EPOCH. CONCURRENT_TRANSACTIONS (retriable) is
the answer to anything but a same-outcome EndTxn retry while markers are being written.

Not modelled: transactional id expiry (Dead), KIP-890's transaction verification on Produce,
authorization.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from engine.sandbox.coordinator.timer import SystemTimer, Timer, TimerHandle
from engine.sandbox.common.errors import Errors
from engine.sandbox.coordinator.transaction.transaction_metadata import (NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TopicPartition,
                                                 TransactionMetadata, TransactionState, is_epoch_exhausted)
from engine.sandbox.coordinator.transaction.transaction_state_manager import TransactionStateManager

Emit = Callable[..., Any]
WriteMarkers = Callable[[int, int, bool, list[TopicPartition], int], Awaitable[None]]
TxnOffsets = dict[TopicPartition, tuple[int, str | None, int]]     # (offset, metadata, leader epoch)
# The group coordinator's side of transactional offsets (see the module docstring).
TxnCommitOffsets = Callable[[str, int, int, str, str | None, int, TxnOffsets], dict[TopicPartition, Errors]]
CompleteTxnOffsets = Callable[[int, int, list[str], bool], object]
S = TransactionState

# The request version from which a fenced producer gets PRODUCER_FENCED (KIP-588); older
# versions get INVALID_PRODUCER_EPOCH, which older clients understand.
PRODUCER_FENCED_SINCE = {"InitProducerId": 4, "AddPartitionsToTxn": 2, "AddOffsetsToTxn": 2, "EndTxn": 2}


def fenced_error(api: str, version: int | None) -> Errors:
    """A fenced producer's error: PRODUCER_FENCED since KIP-588's request versions, INVALID_PRODUCER_EPOCH before."""
    if version is None or version >= PRODUCER_FENCED_SINCE[api]:
        return Errors.PRODUCER_FENCED
    return Errors.INVALID_PRODUCER_EPOCH


class MarkerWriteError(Exception):
    """Raised by `write_markers` when some partitions could not take their marker yet."""

    def __init__(self, failed: list[TopicPartition], error: Errors = Errors.NOT_LEADER_OR_FOLLOWER) -> None:
        super().__init__(f"markers not written to {failed}: {error.name}")
        self.failed = list(failed)
        self.error = error


@dataclass
class TransactionConfig:
    """The transaction coordinator's broker configs (transaction.* settings) and the sandbox's marker wait."""

    max_timeout_ms: int = 900_000                  # transaction.max.timeout.ms
    abort_timed_out_interval_ms: int = 1_000       # Kafka: 10 s (…cleanup.interval.ms)
    marker_retry_backoff_ms: int = 100
    # Kafka answers EndTxn once Prepare* is logged and writes markers afterwards. The sandbox
    # waits for the markers (up to this long) so that a commit_transaction() that returned is
    # visible to read_committed readers at once; 0 reproduces Kafka's timing.
    respond_after_markers_ms: int = 5_000


@dataclass(frozen=True)
class InitProducerIdResult:
    """An InitProducerId answer: the producer id and the (bumped) epoch, or the error."""

    error: Errors
    producer_id: int = NO_PRODUCER_ID
    producer_epoch: int = NO_PRODUCER_EPOCH


@dataclass(frozen=True)
class AddPartitionsResult:
    """An AddPartitionsToTxn answer: an error code per partition."""

    errors: dict[TopicPartition, Errors] = field(default_factory=dict)


@dataclass(frozen=True)
class AddOffsetsResult:
    """An AddOffsetsToTxn answer: the group whose offsets join the transaction, or the error."""

    error: Errors
    group_id: str


@dataclass(frozen=True)
class EndTxnResult:
    """An EndTxn answer: NONE once the commit or abort is decided (here: its markers written)."""

    error: Errors


class TransactionCoordinator:
    """One broker's transaction coordinator (Kafka's TransactionCoordinator); see the module docstring."""

    def __init__(self, broker_id: int, state: TransactionStateManager, write_markers: WriteMarkers,
                 txn_commit_offsets: TxnCommitOffsets, complete_txn_offsets: CompleteTxnOffsets,
                 emit: Emit | None = None, timer: Timer | None = None,
                 config: TransactionConfig | None = None) -> None:
        self.broker_id = broker_id
        self.state = state
        self.write_markers = write_markers
        self.txn_commit_offsets = txn_commit_offsets
        self.complete_txn_offsets = complete_txn_offsets
        self.config = config or TransactionConfig()
        self.timer: Timer = timer or SystemTimer()
        self._emit_fn = emit
        self.owned: dict[int, int] = {}          # __transaction_state partition -> coordinator epoch
        self._marker_tasks: dict[str, asyncio.Task[None]] = {}
        self._expiry_timer: TimerHandle | None = None
        self._running = False

    # ------------------------------------------------------------------ lifecycle

    def is_coordinator_for(self, transactional_id: str) -> bool:
        """Whether this broker leads the __transaction_state partition of `transactional_id`."""
        return self.state.partition_for(transactional_id) in self.owned

    def on_election(self, partitions: Any, coordinator_epoch: int | None = None) -> None:
        """Kafka's onElection: load the partition's transactions and finish those caught between
        Prepare* and Complete* (their markers are resent: a transaction is never half-applied)."""
        for partition in partitions:
            epoch = coordinator_epoch if coordinator_epoch is not None else self.state.bump_coordinator_epoch(partition)
            self.state.coordinator_epochs[partition] = max(epoch, self.state.coordinator_epoch(partition))
            self.owned[partition] = epoch
            for txn in self.state.in_partition(partition):
                if txn.is_preparing:
                    self._emit("txn_resume", txn, state=txn.state.value, coordinator_epoch=epoch,
                               partitions=_names(txn.pending_markers))
                    self._start_markers(txn)

    def on_resignation(self, partitions: Any) -> None:
        """Give up these __transaction_state partitions: their marker writing stops (the state stays)."""
        for partition in list(partitions):
            self.owned.pop(partition, None)
        for tid, task in list(self._marker_tasks.items()):
            if not self.is_coordinator_for(tid):
                task.cancel()
                del self._marker_tasks[tid]

    @property
    def running(self) -> bool:
        """Whether `startup()` ran since the last `shutdown()` (the timeout-abort check is armed)."""
        return self._running

    def startup(self) -> None:
        """Arm the periodic abort of transactions open past transaction.timeout.ms."""
        self._running = True
        self._schedule_expiry_check()

    def shutdown(self) -> None:
        """The broker stopped: disarm the timeout check and resign every partition."""
        self._running = False
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
            self._expiry_timer = None
        self.on_resignation(list(self.owned))

    def _schedule_expiry_check(self) -> None:
        def tick() -> None:
            self._expiry_timer = None
            if self._running:
                self.abort_timed_out_transactions()
                self._schedule_expiry_check()
        self._expiry_timer = self.timer.call_later(self.config.abort_timed_out_interval_ms / 1000, tick)

    def _now(self) -> float:
        return self.timer.time()

    # ------------------------------------------------------------------ InitProducerId

    async def init_producer_id(self, transactional_id: str | None, txn_timeout_ms: int,
                               producer_id: int = NO_PRODUCER_ID, producer_epoch: int = NO_PRODUCER_EPOCH,
                               version: int | None = None) -> InitProducerIdResult:
        """InitProducerId: a fresh id, or for a transactional.id an epoch bump fencing the previous producer."""
        if transactional_id is None:
            # An idempotent producer: any broker hands out a fresh id.
            pid = self.state.producer_ids.generate()
            return InitProducerIdResult(Errors.NONE, pid, 0)
        if transactional_id == "":
            return InitProducerIdResult(Errors.INVALID_REQUEST)
        if not 0 < txn_timeout_ms <= self.config.max_timeout_ms:
            return InitProducerIdResult(Errors.INVALID_TRANSACTION_TIMEOUT)
        if not self.is_coordinator_for(transactional_id):
            return InitProducerIdResult(Errors.NOT_COORDINATOR)
        now = self._now()
        txn = self.state.get(transactional_id)
        if txn is None:
            txn = self.state.put_if_absent(TransactionMetadata(
                transactional_id, self.state.producer_ids.generate(), txn_timeout_ms, txn_last_update_time=now))
        expected = (producer_id, producer_epoch) if producer_id != NO_PRODUCER_ID else None
        fenced = fenced_error("InitProducerId", version)

        def valid_producer_id(pid: int, epoch: int) -> bool:
            # KIP-360: a producer may only re-initialise its own id (or, after exhausting the
            # epochs, the id it was rotated away from).
            return (txn.producer_epoch == NO_PRODUCER_EPOCH or pid == txn.producer_id
                    or (pid == txn.last_producer_id and is_epoch_exhausted(epoch)))

        if expected is not None and not valid_producer_id(*expected):
            self._emit("txn_request_fenced", txn, api="InitProducerId", producer_id=producer_id,
                       producer_epoch=producer_epoch)
            return InitProducerIdResult(fenced)
        if txn.is_preparing:
            return InitProducerIdResult(Errors.CONCURRENT_TRANSACTIONS)   # markers still being written
        if txn.state is S.ONGOING:
            # A new instance while the old one's transaction is open: fence the old producer by
            # bumping the epoch, abort its transaction with that epoch, and have the new one retry
            # (its retry bumps the epoch once more, or rotates the id if the epochs ran out).
            previous = txn.producer_epoch
            txn.fence_producer_epoch(now)
            txn.prepare_abort_or_commit(False, now)
            self._emit("txn_fenced", txn, producer_id=txn.producer_id, previous_epoch=previous,
                       epoch=txn.producer_epoch, reason="InitProducerId from a new instance", aborting=True)
            self._emit("txn_prepare", txn, commit=False, producer_id=txn.producer_id, epoch=txn.producer_epoch,
                       partitions=_names(txn.partitions), groups=sorted(txn.groups), reason="fenced")
            await self._await_markers(self._start_markers(txn))
            return InitProducerIdResult(Errors.CONCURRENT_TRANSACTIONS)

        previous = (txn.producer_id, txn.producer_epoch)
        # Bumping an epoch some producer holds fences that producer (not one the coordinator
        # itself made while aborting, which nobody was given).
        fences_someone = expected is None and previous[1] != NO_PRODUCER_EPOCH and not txn.epoch_from_fence
        if txn.is_producer_epoch_exhausted and (expected is None or expected[1] == txn.producer_epoch):
            txn.rotate_producer_id(self.state.producer_ids.generate(), txn_timeout_ms, now,
                                   record_last_epoch=expected is not None)
        elif txn.is_producer_epoch_exhausted:
            return InitProducerIdResult(fenced)
        elif expected is None:
            txn.increment_producer_epoch(txn_timeout_ms, now, last_epoch=NO_PRODUCER_EPOCH)
        elif txn.producer_epoch == NO_PRODUCER_EPOCH or expected[1] == txn.producer_epoch:
            txn.increment_producer_epoch(txn_timeout_ms, now, last_epoch=txn.producer_epoch)
        elif expected[1] == txn.last_producer_epoch:
            pass   # a retry of a bump that succeeded: same answer again
        else:
            self._emit("txn_request_fenced", txn, api="InitProducerId", producer_id=producer_id,
                       producer_epoch=producer_epoch)
            return InitProducerIdResult(fenced)
        if fences_someone:
            self._emit("txn_fenced", txn, producer_id=txn.producer_id, previous_epoch=previous[1],
                       epoch=txn.producer_epoch, reason="InitProducerId from a new instance", aborting=False)
        self._emit("txn_init_producer_id", txn, producer_id=txn.producer_id, epoch=txn.producer_epoch,
                   previous_producer_id=previous[0], previous_epoch=previous[1], txn_timeout_ms=txn_timeout_ms)
        return InitProducerIdResult(Errors.NONE, txn.producer_id, txn.producer_epoch)

    # ------------------------------------------------------------------ AddPartitions / AddOffsets

    def _check_producer(self, api: str, transactional_id: str, producer_id: int, producer_epoch: int,
                        version: int | None) -> tuple[TransactionMetadata | None, Errors]:
        if not transactional_id:
            return None, Errors.INVALID_REQUEST
        if not self.is_coordinator_for(transactional_id):
            return None, Errors.NOT_COORDINATOR
        txn = self.state.get(transactional_id)
        if txn is None or txn.producer_id != producer_id:
            return None, Errors.INVALID_PRODUCER_ID_MAPPING
        if producer_epoch != txn.producer_epoch:
            self._emit("txn_request_fenced", txn, api=api, producer_id=producer_id, producer_epoch=producer_epoch,
                       current_epoch=txn.producer_epoch)
            return None, fenced_error(api, version)
        if txn.is_preparing:
            return None, Errors.CONCURRENT_TRANSACTIONS
        return txn, Errors.NONE

    def add_partitions_to_txn(self, transactional_id: str, producer_id: int, producer_epoch: int,
                              partitions: list[TopicPartition], version: int | None = None) -> AddPartitionsResult:
        """AddPartitionsToTxn: the partitions the transaction writes to (they will get its markers)."""
        wanted = {(t, p) for t, p in partitions}
        txn, error = self._check_producer("AddPartitionsToTxn", transactional_id, producer_id, producer_epoch, version)
        if txn is None:
            return AddPartitionsResult({tp: error for tp in wanted})
        added = wanted - txn.partitions
        if txn.state is S.ONGOING and not added:
            return AddPartitionsResult({tp: Errors.NONE for tp in wanted})
        now = self._now()
        if txn.add_partitions(wanted, now):
            self._emit("txn_begin", txn, producer_id=producer_id, epoch=producer_epoch)
        self._emit("txn_partitions_added", txn, producer_id=producer_id, epoch=producer_epoch,
                   partitions=_names(added), all_partitions=_names(txn.partitions))
        return AddPartitionsResult({tp: Errors.NONE for tp in wanted})

    def add_offsets_to_txn(self, transactional_id: str, producer_id: int, producer_epoch: int, group_id: str,
                           version: int | None = None) -> AddOffsetsResult:
        """AddOffsetsToTxn: a group whose offsets the transaction will commit (sendOffsetsToTransaction)."""
        txn, error = self._check_producer("AddOffsetsToTxn", transactional_id, producer_id, producer_epoch, version)
        if txn is None:
            return AddOffsetsResult(error, group_id)
        if txn.state is not S.ONGOING or group_id not in txn.groups:
            if txn.add_group(group_id, self._now()):
                self._emit("txn_begin", txn, producer_id=producer_id, epoch=producer_epoch)
            self._emit("txn_offsets_added", txn, producer_id=producer_id, epoch=producer_epoch, group=group_id)
        # The producer now sends TxnOffsetCommit to this group's coordinator.
        return AddOffsetsResult(Errors.NONE, group_id)

    def txn_offset_commit(self, transactional_id: str, group_id: str, producer_id: int, producer_epoch: int,
                          member_id: str, group_instance_id: str | None, generation_id: int,
                          offsets: TxnOffsets) -> dict[TopicPartition, Errors]:
        """TxnOffsetCommit, as received by the group's coordinator: the transaction is read from the
        cluster-owned state (this broker need not coordinate it), then the group coordinator stages
        the offsets under the producer id until the transaction ends."""
        def all_(err: Errors) -> dict[TopicPartition, Errors]:
            return {tp: err for tp in offsets}

        txn = self.state.get(transactional_id)
        if txn is None or txn.producer_id != producer_id:
            return all_(Errors.INVALID_PRODUCER_ID_MAPPING)
        if producer_epoch != txn.producer_epoch:
            # What the offsets log's producer-state check answers a stale epoch.
            self._emit("txn_request_fenced", txn, api="TxnOffsetCommit", producer_id=producer_id,
                       producer_epoch=producer_epoch, current_epoch=txn.producer_epoch)
            return all_(Errors.INVALID_PRODUCER_EPOCH)
        if txn.state is not S.ONGOING or group_id not in txn.groups:
            return all_(Errors.INVALID_TXN_STATE)   # no AddOffsetsToTxn for this group in this transaction
        return self.txn_commit_offsets(group_id, producer_id, producer_epoch, member_id,
                                       group_instance_id, generation_id, offsets)

    # ------------------------------------------------------------------ EndTxn

    async def end_txn(self, transactional_id: str, producer_id: int, producer_epoch: int, commit: bool,
                      version: int | None = None) -> EndTxnResult:
        """EndTxn: PrepareCommit/PrepareAbort, then the markers; a retry of the same outcome succeeds."""
        if not transactional_id:
            return EndTxnResult(Errors.INVALID_REQUEST)
        if not self.is_coordinator_for(transactional_id):
            return EndTxnResult(Errors.NOT_COORDINATOR)
        txn = self.state.get(transactional_id)
        if txn is None or txn.producer_id != producer_id:
            return EndTxnResult(Errors.INVALID_PRODUCER_ID_MAPPING)
        if producer_epoch != txn.producer_epoch:
            self._emit("txn_request_fenced", txn, api="EndTxn", producer_id=producer_id,
                       producer_epoch=producer_epoch, current_epoch=txn.producer_epoch)
            return EndTxnResult(fenced_error("EndTxn", version))
        state = txn.state
        if state is S.ONGOING:
            txn.prepare_abort_or_commit(commit, self._now())
            self._emit("txn_prepare", txn, commit=commit, producer_id=producer_id, epoch=producer_epoch,
                       partitions=_names(txn.partitions), groups=sorted(txn.groups), reason="EndTxn")
            if not await self._await_markers(self._start_markers(txn)):
                # The coordinator moved while markers were written: the client finds the new one,
                # whose answer to the retry is CONCURRENT_TRANSACTIONS, then success.
                return EndTxnResult(Errors.NOT_COORDINATOR)
            return EndTxnResult(Errors.NONE)
        # Retries: the same outcome again is success once complete, "wait" while in progress.
        if state is (S.COMPLETE_COMMIT if commit else S.COMPLETE_ABORT):
            return EndTxnResult(Errors.NONE)
        if state is (S.PREPARE_COMMIT if commit else S.PREPARE_ABORT):
            return EndTxnResult(Errors.CONCURRENT_TRANSACTIONS)
        return EndTxnResult(Errors.INVALID_TXN_STATE)

    # ------------------------------------------------------------------ timeouts

    def abort_timed_out_transactions(self) -> list[str]:
        """Abort every transaction of this coordinator that has been open longer than its
        transaction.timeout.ms, bumping the epoch first so its producer is fenced (Kafka's
        abortTimedOutTransactions). Returns the transactional ids aborted."""
        now = self._now()
        aborted = []
        for partition in sorted(self.owned):
            for txn in self.state.in_partition(partition):
                if txn.state is not S.ONGOING or txn.txn_start_time + txn.txn_timeout_ms / 1000 >= now:
                    continue
                previous = txn.producer_epoch
                txn.fence_producer_epoch(now)
                txn.prepare_abort_or_commit(False, now)
                self._emit("txn_timeout_abort", txn, producer_id=txn.producer_id, previous_epoch=previous,
                           epoch=txn.producer_epoch, txn_timeout_ms=txn.txn_timeout_ms,
                           partitions=_names(txn.partitions))
                self._emit("txn_prepare", txn, commit=False, producer_id=txn.producer_id, epoch=txn.producer_epoch,
                           partitions=_names(txn.partitions), groups=sorted(txn.groups), reason="timeout")
                self._start_markers(txn)
                aborted.append(txn.transactional_id)
        return aborted

    # ------------------------------------------------------------------ markers

    def _start_markers(self, txn: TransactionMetadata) -> asyncio.Task[None]:
        tid = txn.transactional_id
        task = self._marker_tasks.get(tid)
        if task is None or task.done():
            epoch = self.owned[self.state.partition_for(tid)]
            task = asyncio.ensure_future(self._send_markers(tid, txn.producer_id, txn.producer_epoch,
                                                            txn.state is S.PREPARE_COMMIT, epoch))
            self._marker_tasks[tid] = task
        return task

    async def _await_markers(self, task: asyncio.Task[None]) -> bool:
        """Wait (bounded) for the markers; False if the task was cancelled (coordinator moved)."""
        if self.config.respond_after_markers_ms <= 0:
            return True
        done, _ = await asyncio.wait({task}, timeout=self.config.respond_after_markers_ms / 1000)
        return not (task in done and task.cancelled())

    def _still_ours(self, tid: str, producer_id: int, epoch: int, coordinator_epoch: int) -> TransactionMetadata | None:
        txn = self.state.get(tid)
        if (self.owned.get(self.state.partition_for(tid)) != coordinator_epoch or txn is None
                or txn.producer_id != producer_id or txn.producer_epoch != epoch or not txn.is_preparing):
            return None
        return txn

    async def _send_markers(self, tid: str, producer_id: int, epoch: int, commit: bool, coordinator_epoch: int) -> None:
        while True:
            txn = self._still_ours(tid, producer_id, epoch, coordinator_epoch)
            if txn is None:
                return
            todo = sorted(txn.pending_markers)
            if not todo:
                break
            try:
                await self.write_markers(producer_id, epoch, commit, todo, coordinator_epoch)
                txn.pending_markers -= set(todo)
                continue
            except MarkerWriteError as exc:
                if exc.error is Errors.TRANSACTION_COORDINATOR_FENCED:
                    return   # a newer coordinator owns this transaction now
                txn.pending_markers -= set(todo) - set(exc.failed)
                self._emit("txn_marker_retry", txn, partitions=_names(exc.failed), error=exc.error.name)
            except Exception as exc:  # noqa: BLE001 - any failure of the broker's append is retried
                self._emit("txn_marker_retry", txn, partitions=_names(todo), error=repr(exc))
            await asyncio.sleep(self.config.marker_retry_backoff_ms / 1000)
        txn = self._still_ours(tid, producer_id, epoch, coordinator_epoch)
        if txn is None:
            return
        groups = sorted(txn.groups)
        if groups:
            # The marker reaching __consumer_offsets: staged offsets become committed, or vanish.
            self.complete_txn_offsets(producer_id, epoch, groups, commit)
        self._emit("txn_markers_written", txn, commit=commit, producer_id=producer_id, epoch=epoch,
                   partitions=_names(txn.partitions), groups=groups, coordinator_epoch=coordinator_epoch)
        txn.complete(self._now())
        self._emit("txn_complete", txn, state=txn.state.value, producer_id=producer_id, epoch=epoch)

    # ------------------------------------------------------------------ events

    def _emit(self, kind: str, txn: TransactionMetadata, **details: Any) -> None:
        if self._emit_fn is not None:
            self._emit_fn(kind, transactional_id=txn.transactional_id, **details)


def _names(partitions: Any) -> list[str]:
    return [f"{t}-{p}" for t, p in sorted(partitions)]
