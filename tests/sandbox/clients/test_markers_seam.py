"""The seam transactions build on: transactional batches hold read_committed at the LSO, and
`Cluster.write_markers` closes them on every replica (commit visible, abort hidden)."""

from __future__ import annotations

from kafka.record.default_records import DefaultRecordBatchBuilder

from engine.sandbox import Sandbox

from ..conftest import wait_for


def txn_batch(producer_id: int, sequence: int, values: list[str]) -> bytes:
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=True, producer_id=producer_id,
                                  producer_epoch=0, base_sequence=sequence, batch_size=1 << 20)
    for i, v in enumerate(values):
        b.append(i, timestamp=1, key=None, value=v.encode(), headers=[])
    return bytes(b.build())


def values(sb: Sandbox, isolation: str) -> list[str]:
    return [r.value.decode() for r in sb.records("t", 0, isolation=isolation)]  # type: ignore[arg-type]


def test_markers_close_transactions_for_read_committed() -> None:
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        sb.create_topic("t", partitions=1, replication_factor=3, min_insync_replicas=2)
        leader = sb.leader("t", 0)

        async def produce(producer_id: int, vals: list[str]) -> None:
            result = await sb.cluster.brokers[leader].replica_manager.append_records(
                "t", 0, txn_batch(producer_id, 0, vals), -1, 30_000)
            assert result.error == 0

        sb._run(produce(5001, ["a1", "a2"]))
        sb._run(produce(5002, ["c1"]))
        assert values(sb, "read_uncommitted") == ["a1", "a2", "c1"]
        assert values(sb, "read_committed") == []                    # LSO held at the first open txn
        assert sb._run(sb.cluster.write_markers(5002, 0, True, [("t", 0)], 0)) == []
        assert values(sb, "read_committed") == []                    # 5001 still open before it
        assert sb._run(sb.cluster.write_markers(5001, 0, False, [("t", 0)], 0)) == []
        assert values(sb, "read_committed") == ["c1"]
        assert values(sb, "read_uncommitted") == ["a1", "a2", "c1"]
        # Followers derive the same state from the replicated batches.
        follower = next(b for b in sb.replicas("t", 0) if b != leader)
        wait_for(lambda: sb.log_end_offset("t", 0, follower) == sb.log_end_offset("t", 0))
        replica = sb.cluster.brokers[follower].replica_manager.partition("t", 0)
        assert [a.producer_id for a in replica.producer_state.aborted] == [5001]
        assert replica.producer_state.ongoing == {}
