"""Unit tests of the partition log (offsets, index, epochs, truncation) and of idempotence."""

from __future__ import annotations

from kafka.record.default_records import DefaultRecordBatchBuilder

from engine.sandbox.common.errors import Errors
from engine.sandbox.log.unified_log import Log
from engine.sandbox.log.producer_state import ProducerStateManager
from engine.sandbox.common.records import control_batch, control_type, COMMIT_MARKER, read_header


def batch(count: int, producer_id: int = -1, epoch: int = -1, sequence: int = -1,
          transactional: bool = False) -> bytearray:
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=transactional,
                                  producer_id=producer_id, producer_epoch=epoch, base_sequence=sequence,
                                  batch_size=1 << 20)
    for i in range(count):
        b.append(i, timestamp=1, key=None, value=f"v{i}".encode(), headers=[])
    return bytearray(b.build())


def append(log: Log, data: bytearray, epoch: int = 0) -> int:
    return log.append_as_leader(data, read_header(data), epoch).base_offset


def test_log_assigns_offsets_and_reads_by_offset() -> None:
    log = Log()
    assert [append(log, batch(3)) for _ in range(4)] == [0, 3, 6, 9]
    assert log.log_end_offset == 12
    assert [e.header.base_offset for e in log.read(7, 1 << 20, 12)] == [6, 9]
    assert [e.header.base_offset for e in log.read(0, 1 << 20, 6)] == [0, 3]     # upper bound (HW)
    assert len(log.read(0, 1, 12)) == 1                                          # always one batch
    assert log.read(12, 1 << 20, 12) == []


def test_epochs_and_truncation() -> None:
    log = Log()
    append(log, batch(2), epoch=0)
    append(log, batch(2), epoch=0)
    log.assign_epoch_start(1)
    append(log, batch(2), epoch=1)
    assert log.end_offset_for_epoch(0) == (0, 4)
    assert log.end_offset_for_epoch(1) == (1, 6)
    assert log.end_offset_for_epoch(5) == (1, 6)
    assert log.truncate_to(4) == 2
    assert log.log_end_offset == 4 and log.latest_epoch == 0
    assert log.end_offset_for_epoch(1) == (0, 4)


def test_idempotent_sequences() -> None:
    log, state = Log(), ProducerStateManager()

    def produce(data: bytearray) -> tuple[Errors, int | None]:
        verdict = state.check(read_header(data))
        if verdict.error != Errors.NONE or verdict.duplicate_of is not None:
            return verdict.error, verdict.duplicate_of
        stored = log.append_as_leader(data, read_header(data), 0)
        state.on_append(stored, data)
        return Errors.NONE, None

    assert produce(batch(2, 7, 0, 5)) == (Errors.UNKNOWN_PRODUCER_ID, None)     # unknown id, seq != 0
    assert produce(batch(2, 7, 0, 0)) == (Errors.NONE, None)                    # offsets 0-1, seq 0-1
    assert produce(batch(2, 7, 0, 2)) == (Errors.NONE, None)                    # offsets 2-3
    assert produce(batch(2, 7, 0, 0)) == (Errors.NONE, 0)                       # retry: original offset
    assert produce(batch(2, 7, 0, 5)) == (Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, None)
    assert produce(batch(2, 7, 1, 3)) == (Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, None)   # new epoch, seq != 0
    assert produce(batch(1, 7, 1, 0)) == (Errors.NONE, None)                    # bumped epoch
    assert produce(batch(1, 7, 0, 4)) == (Errors.INVALID_PRODUCER_EPOCH, None)  # the old epoch is fenced
    for seq in range(1, 7):                                                      # only 5 batches remembered
        assert produce(batch(1, 7, 1, seq)) == (Errors.NONE, None)
    assert produce(batch(1, 7, 1, 6))[1] is not None
    assert produce(batch(1, 7, 1, 1)) == (Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, None)   # fell out of the window
    assert log.log_end_offset == 11


def test_transactions_tracked_from_batches() -> None:
    log, state = Log(), ProducerStateManager()
    for data in (batch(2, 9, 0, 0, transactional=True), control_batch(9, 0, commit=False)):
        stored = log.append_as_leader(data, read_header(data), 0)
        state.on_append(stored, data)
        if data is not None and stored.is_transactional and not stored.is_control:
            assert state.first_unstable_offset() == 0
    assert state.first_unstable_offset() is None
    assert [(a.producer_id, a.first_offset, a.last_offset) for a in state.aborted] == [(9, 0, 2)]
    assert control_type(control_batch(1, 0, commit=True)) == COMMIT_MARKER
