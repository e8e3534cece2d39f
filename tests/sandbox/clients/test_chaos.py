"""The chaos test: a transactional read-process-write pipeline (its own process, running
confluent-kafka) moves 20,100 messages over 3 partitions while the test injects lost acks, dropped
requests, a stopped-and-restarted broker (coordinator of the transaction and the group) and a SIGKILLed-and-restarted
pipeline process (twice: once caught mid-transaction with its records written, once wherever it
stood). Then a read_committed consumer checks that the output holds every input exactly once, in
per-partition order, and a read_uncommitted consumer sees the aborted records the faults left.

Faults fire at progress points (the group's committed offsets), never at times, so the outcome is
the same on every run however loaded the machine is. The figures are printed and attached to the
report (shown in the terminal summary)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from engine.sandbox import Sandbox

from ..conftest import wait_for
from ..txn_tools import (ExactlyOnce, PipelineProcess, committed_total, pipeline_args, produce_inputs, read_all,
                        wait_running_pipeline)

PARTITIONS = 3
PER_PARTITION = 6_700
TID = "chaos-pipeline"
GROUP = "chaos"          # coordinated by the same broker as TID: the broker stopped moves both


def test_chaos_transactional_pipeline_exactly_once(tmp_path: Path, record_property: Callable[[str, Any], None]) -> None:
    started = time.monotonic()
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        sb.create_topic("in", partitions=PARTITIONS, replication_factor=3, min_insync_replicas=2)
        sb.create_topic("out", partitions=PARTITIONS, replication_factor=3, min_insync_replicas=2)
        inputs = produce_inputs(sb, "in", PARTITIONS, PER_PARTITION)
        total = PARTITIONS * PER_PARTITION
        pause_file = tmp_path / "pause"
        args = pipeline_args("confluent-kafka", sb, "in", "out", GROUP, TID, batch=500,
                             pause_file=pause_file)
        faults: Counter[str] = Counter()
        restarts_after_error = 0
        pipeline = PipelineProcess(args)
        wait_running_pipeline(pipeline)

        def progress() -> int:
            return committed_total(sb, GROUP)

        def supervise_until(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
            """Wait for `condition`, restarting the pipeline when it gave up on an error (exit 2)."""
            nonlocal pipeline, restarts_after_error
            deadline = time.monotonic() + timeout
            while not condition():
                code = pipeline.proc.poll()
                if code is not None:
                    assert code == 2, f"pipeline exited {code}: {pipeline.lines[-5:]}"
                    restarts_after_error += 1
                    pipeline = PipelineProcess(args)
                assert time.monotonic() < deadline, f"timed out waiting for {what} (progress {progress()}/{total})"
                time.sleep(0.05)

        def restart_pipeline() -> None:
            nonlocal pipeline
            pipeline = PipelineProcess(args)
            wait_running_pipeline(pipeline)

        try:
            # 1. Lost acks: each request is applied, then its connection cut before the answer.
            supervise_until(lambda: progress() >= total * 0.10, "10%")
            for api, count in [("Produce", 3), ("EndTxn", 1), ("AddPartitionsToTxn", 1), ("AddOffsetsToTxn", 1),
                               ("TxnOffsetCommit", 1), ("Fetch", 1)]:
                sb.lose_acks(count, api=api)
                faults["lost acks"] += count
            # 2. Dropped requests: discarded unapplied, connection cut.
            supervise_until(lambda: progress() >= total * 0.25, "25%")
            for api, count in [("Produce", 2), ("EndTxn", 1), ("TxnOffsetCommit", 1), ("Fetch", 2),
                               ("AddPartitionsToTxn", 1)]:
                sb.drop_requests(count, api=api)
                faults["dropped requests"] += count
            # 3. The pipeline SIGKILLed between its sends and its commit, restarted (same transactional.id).
            supervise_until(lambda: progress() >= total * 0.40, "40%")
            pause_file.touch()
            supervise_until(lambda: pipeline.saw("paused"), "the pipeline to hold a written transaction")
            pipeline.kill()
            faults["pipeline SIGKILLed mid-transaction"] += 1
            pause_file.unlink()
            restart_pipeline()
            # 4. The transaction coordinator's broker stopped, the pipeline carries on, the broker returns.
            supervise_until(lambda: progress() >= total * 0.55, "55%")
            coordinator = sb.cluster.coordinator_for(TID).broker_id
            assert sb.cluster.coordinator_for(GROUP).broker_id == coordinator
            sb.stop_broker(coordinator)
            faults[f"broker {coordinator} stopped and restarted (transaction and group coordinator)"] += 1
            at_stop = progress()
            supervise_until(lambda: progress() >= at_stop + 2_000, "progress with a broker down")
            sb.start_broker(coordinator)
            # 5. SIGKILL wherever it stands, restart; more lost acks and drops on the way to the end.
            supervise_until(lambda: progress() >= total * 0.75, "75%")
            pipeline.kill()
            faults["pipeline SIGKILLed anywhere"] += 1
            restart_pipeline()
            sb.lose_acks(2, api="Produce")
            sb.drop_requests(1, api="EndTxn")
            faults["lost acks"] += 2
            faults["dropped requests"] += 1
            supervise_until(lambda: progress() == total, "every input committed", timeout=240)
            assert pipeline.stop() == 0, pipeline.lines[-5:]
        finally:
            if pipeline.running():
                pipeline.kill()

        committed = read_all("confluent-kafka", sb.bootstrap_servers, "out", PARTITIONS, "read_committed")
        uncommitted = read_all("confluent-kafka", sb.bootstrap_servers, "out", PARTITIONS, "read_uncommitted")
        result = ExactlyOnce.check(inputs, committed)
        struck = [e for e in sb.events if e.kind == "fault" and "correlation_id" in e.details]
        outcomes = Counter(e.details["state"] for e in sb.events
                           if e.kind == "txn_complete" and e.details.get("transactional_id") == TID)
        aborted_seen = sum(map(len, uncommitted.values())) - result.messages_out
        figures = {
            "messages in": result.messages_in,
            "messages out (read_committed)": result.messages_out,
            "duplicates": result.duplicates,
            "lost": result.lost,
            "partitions out of order": result.mismatched_partitions,
            "aborted records seen by read_uncommitted": aborted_seen,
            "transactions committed": outcomes["CompleteCommit"],
            "transactions aborted": outcomes["CompleteAbort"],
            "faults injected": dict(faults),
            "request faults that struck": len(struck),
            "pipeline restarts after an error": restarts_after_error,
            "seconds": round(time.monotonic() - started, 1),
        }
        text = "chaos: " + ", ".join(f"{k}: {v}" for k, v in figures.items())
        print(text)
        record_property("figures", text)

        assert result == ExactlyOnce(messages_in=total, messages_out=total, duplicates=0, lost=0,
                                     mismatched_partitions=0), figures
        assert aborted_seen > 0, figures          # the faults really bit: aborted records are in the log
        assert outcomes["CompleteAbort"] >= 1, figures
        assert len(struck) == faults["lost acks"] + faults["dropped requests"], figures
        # The transaction's life is in the events (for the TUI): begun, partitions added, fenced by
        # the restarted instance, markers written, moved to a new coordinator and back.
        kinds = {e.kind for e in sb.events if e.details.get("transactional_id") == TID}
        assert {"txn_init_producer_id", "txn_begin", "txn_partitions_added", "txn_offsets_added", "txn_prepare",
                "txn_markers_written", "txn_complete", "txn_fenced"} <= kinds, kinds
        assert len({e.broker for e in sb.events if e.kind == "txn_markers_written"
                    and e.details.get("transactional_id") == TID}) >= 2      # the coordinator moved
