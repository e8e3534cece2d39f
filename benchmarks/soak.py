"""Soak: does a long-running sandbox keep a flat memory footprint?

Runs `course sandbox` (3 brokers) in a child process, creates a topic with retention.bytes set
(replication factor 3), then drives one idempotent producer at a steady rate and one consumer
group reading everything, for --minutes. Every --interval seconds it prints the sandbox's
resident memory (RSS, from /proc), what was produced and consumed, and the partition's log start
offset (retention moving it). The verdict compares the largest RSS after the warm-up with the RSS
at the end of the warm-up: growth must stay under --max-growth-mb (default 50 MB). Exit status 1
if it does not, or if the consumer falls behind for good.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--rate 10000] [--interval 60] [--warmup 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = b"s" * 100
TOPIC = "soak"


def rss_mb(pid: int) -> float:
    """The process's resident set size in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class Counters:
    """What the producer and consumer threads did, read by the reporting loop."""

    def __init__(self) -> None:
        self.produced = 0
        self.delivery_errors = 0
        self.consumed = 0
        self.consume_errors = 0
        self.stop = threading.Event()


def run_producer(bootstrap: str, rate: int, counters: Counters) -> None:
    """A steady `rate` msg/s in 10 ms ticks (acks=all, idempotent), as a service would produce."""
    def report(err: Any, _msg: Any) -> None:
        if err is not None:
            counters.delivery_errors += 1

    producer = ck.Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                            "linger.ms": 5})
    tick = 0.01
    started = time.monotonic()
    sent = 0
    while not counters.stop.is_set():
        due = int((time.monotonic() - started) * rate)
        while sent < due:
            try:
                producer.produce(TOPIC, PAYLOAD, on_delivery=report)
                sent += 1
            except BufferError:
                producer.poll(0.01)
        counters.produced = sent
        producer.poll(0)
        time.sleep(tick)
    producer.flush(30)


def run_consumer(bootstrap: str, counters: Counters) -> None:
    """One member of a consumer group, committing automatically, reading as fast as it can."""
    consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "soak-" + uuid.uuid4().hex[:6],
                            "auto.offset.reset": "earliest", "enable.auto.commit": True})
    consumer.subscribe([TOPIC])
    try:
        while not counters.stop.is_set():
            for msg in consumer.consume(10_000, 0.5):
                if msg.error() is None:
                    counters.consumed += 1
                else:
                    counters.consume_errors += 1
    finally:
        consumer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long to run (default 10)")
    parser.add_argument("--rate", type=int, default=10_000, help="messages a second (default 10000)")
    parser.add_argument("--interval", type=float, default=60, help="seconds between RSS lines (default 60)")
    parser.add_argument("--warmup", type=float, default=60, help="seconds before growth is counted (default 60)")
    parser.add_argument("--retention-bytes", type=int, default=16 << 20,
                        help="the topic's retention.bytes (default 16 MiB)")
    parser.add_argument("--segment-bytes", type=int, default=1 << 20, help="the topic's segment.bytes (default 1 MiB)")
    parser.add_argument("--max-growth-mb", type=float, default=50, help="allowed RSS growth after warm-up (default 50)")
    args = parser.parse_args()
    if args.warmup >= args.minutes * 60:
        parser.error("--warmup must be shorter than the run (--minutes)")

    command = [sys.executable, "-m", "course", "sandbox", "--brokers", "3", "--events", "cluster"]
    sandbox = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    counters = Counters()
    threads: list[threading.Thread] = []
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline().strip()
        if not first.startswith("bootstrap.servers="):
            raise SystemExit(f"course sandbox did not start: {first!r}")
        bootstrap = first.split("=", 1)[1]
        # Keep reading its event lines so the pipe never fills and stalls the sandbox.
        threading.Thread(target=lambda: [None for _ in sandbox.stdout], daemon=True).start()
        admin = AdminClient({"bootstrap.servers": bootstrap})     # kept: the future needs its handle
        admin.create_topics([NewTopic(TOPIC, 1, 3, config={
            "retention.bytes": str(args.retention_bytes), "segment.bytes": str(args.segment_bytes),
            "min.insync.replicas": "2"})])[TOPIC].result(30)
        watermarks = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "soak-watch"})
        threads = [threading.Thread(target=run_producer, args=(bootstrap, args.rate, counters), daemon=True),
                   threading.Thread(target=run_consumer, args=(bootstrap, counters), daemon=True)]
        for thread in threads:
            thread.start()

        print(f"soak: {args.rate:,} msg/s x {len(PAYLOAD)} B for {args.minutes:g} min, topic retention.bytes="
              f"{args.retention_bytes:,} segment.bytes={args.segment_bytes:,} (3 brokers, replication factor 3)",
              flush=True)
        print(f"{'seconds':>8} {'RSS MB':>8} {'produced':>11} {'consumed':>11} {'lag':>8} {'log start':>11}",
              flush=True)
        started = time.monotonic()
        end = started + args.minutes * 60
        baseline: float | None = None
        peak_after = 0.0
        samples: list[tuple[float, float]] = []
        next_at = started + min(args.interval, args.warmup)
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            now = time.monotonic() - started
            rss = rss_mb(sandbox.pid)
            low, high = watermarks.get_watermark_offsets(ck.TopicPartition(TOPIC, 0), timeout=30)
            samples.append((now, rss))
            print(f"{now:8.0f} {rss:8.1f} {counters.produced:11,} {counters.consumed:11,} "
                  f"{counters.produced - counters.consumed:8,} {low:11,}", flush=True)
            if baseline is None and now >= args.warmup - 0.5:
                baseline = rss
            elif baseline is not None:
                peak_after = max(peak_after, rss)
            if time.monotonic() >= end - 0.5:
                break
            next_at = min(next_at + args.interval, end)
            if baseline is None:
                next_at = min(next_at, started + args.warmup)
        watermarks.close()
    finally:
        counters.stop.set()
        for thread in threads:
            thread.join(60)
        sandbox.terminate()
        sandbox.wait(30)

    growth = max(0.0, peak_after - (baseline or 0.0))
    behind = counters.produced - counters.consumed
    ok = growth < args.max_growth_mb and behind < args.rate * 5 and not counters.delivery_errors
    print(f"RSS after warm-up ({args.warmup:g} s): {baseline:.1f} MB; largest after: {peak_after:.1f} MB; "
          f"growth {growth:.1f} MB (limit {args.max_growth_mb:g} MB)")
    print(f"produced {counters.produced:,} ({counters.delivery_errors} delivery errors), consumed "
          f"{counters.consumed:,} ({counters.consume_errors} errors): {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
