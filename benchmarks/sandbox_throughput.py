"""Throughput of the sandbox against librdkafka's own mock cluster, same client, same run.

100,000 x 100-byte messages produced (acks=all, idempotent) and then consumed with
confluent-kafka; the sandbox runs 3 brokers with replication factor 3 topics, the mock
cluster 3 brokers ('test.mock.num.brokers': 3). Each run measures both sides back to back
(alternating which goes first) and gives one sandbox/mock ratio for produce and for consume;
the median and range over --runs are printed (the target is >= 1.0). Real Apache Kafka
(`course kafka`, the pinned release, 3 brokers behind the course's proxies, same topics) is a
third column, measured after those runs, when a JDK and Maven are installed; --no-kafka leaves it out.

Each cluster's own CPU per message over the same timed spans is printed too (user and kernel
time, from Linux's /proc/<pid>/task/*/schedstat: the sandbox's whole process, the mock cluster's
rdk:mock thread): unlike the rates, it hardly depends on how busy the machine is. The load average is
printed last.

The sandbox runs as `course sandbox` in its own process and its own session, as a learner
runs it (in another terminal): in this process the client's Python loop would hold the GIL the
broker thread needs, and in this session Linux's autogroup scheduler would charge the broker's
CPU to the client's fair share on a busy machine (the mock cluster's C threads are charged
there, being in the client's process). On an idle machine the session makes no difference.

    .venv/bin/python benchmarks/sandbox_throughput.py [--messages N] [--runs 5] [--no-kafka]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import confluent_kafka as ck
import confluent_kafka.admin  # noqa: F401  (ck.admin)

from engine.sandbox.network.event_loop import loop_name, new_event_loop

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = b"x" * 100


def cpu_seconds(pid: int, thread: str | None = None) -> float | None:
    """CPU time a process (or only its threads named `thread`) has used so far, user and kernel
    (Linux's /proc/<pid>/task/*/schedstat, in nanoseconds); None where that is not available."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            if thread is None or (task / "comm").read_text().strip() == thread:
                total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


CpuClock = Callable[[], "float | None"]


def per_message(before: float | None, after: float | None, n: int) -> float | None:
    """CPU microseconds per message between two readings of a cluster's CPU clock."""
    return None if before is None or after is None or not n else (after - before) * 1e6 / n


def produce(conf: dict[str, Any], topic: str, n: int, cpu: CpuClock = lambda: None) -> tuple[float, float | None]:
    """n messages after a warm-up one: msg/s, and the cluster's CPU us/msg over the same span."""
    errors = [0]

    def report(err: Any, _msg: Any) -> None:
        if err is not None:
            errors[0] += 1

    producer = ck.Producer({**conf, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
    producer.produce(topic, b"warm-up", on_delivery=report)
    producer.flush(30)
    cpu_before = cpu()
    started = time.perf_counter()
    for _ in range(n):
        while True:
            try:
                producer.produce(topic, PAYLOAD, on_delivery=report)
                break
            except BufferError:
                producer.poll(0.005)
        producer.poll(0)
    left = producer.flush(120)
    elapsed = time.perf_counter() - started
    cpu_used = per_message(cpu_before, cpu(), n)
    if left or errors[0]:
        raise SystemExit(f"produce failed: {left} undelivered, {errors[0]} errors")
    return n / elapsed, cpu_used


class ShortRead(Exception):
    pass


def consume(conf: dict[str, Any], topic: str, n: int, name: str = "",
            cpu: CpuClock = lambda: None) -> tuple[float, float | None]:
    """From assigning to the last message: everything the partitions hold (msg/s, and the
    cluster's CPU us/msg over the same span).

    librdkafka's mock cluster trims old log segments on its own, so its partitions may start
    past offset 0: each partition is read from its low watermark, and what it holds counts.
    """
    consumer = ck.Consumer({**conf, "group.id": "bench-" + uuid.uuid4().hex[:6], "enable.auto.commit": False,
                            "auto.offset.reset": "earliest"})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    bounds = {p: consumer.get_watermark_offsets(ck.TopicPartition(topic, p), timeout=10) for p in partitions}
    expected = sum(high - low for low, high in bounds.values())
    cpu_before = cpu()
    started = time.perf_counter()
    consumer.assign([ck.TopicPartition(topic, p, low) for p, (low, _) in bounds.items()])
    got = 0
    deadline = time.time() + 120
    while got < expected and time.time() < deadline:
        got += sum(1 for m in consumer.consume(10_000, 0.5) if m.error() is None)
    elapsed = time.perf_counter() - started
    cpu_used = per_message(cpu_before, cpu(), got)
    consumer.close()
    if got != expected or expected < n // 2:
        raise ShortRead(f"{name} consume from {conf['bootstrap.servers']} got {got} of {expected} "
                        f"({n + 1} produced) in {elapsed:.0f}s")
    return got / elapsed, cpu_used


def one_run(conf: dict[str, Any], topic: str, n: int, name: str,
            cpu: CpuClock = lambda: None) -> tuple[float, float, float | None, float | None]:
    """Produce n messages to a new topic, then consume them: (produce msg/s, consume msg/s) and
    the cluster's CPU microseconds per message in each (None without a `cpu` clock)."""
    produced, produce_cpu = produce(conf, topic, n, cpu)
    try:
        consumed, consume_cpu = consume(conf, topic, n, name, cpu)
    except ShortRead as exc:      # seen once with the mock cluster; say so and read again
        print(f"  {name:16s} {topic}: {exc}; reading again", flush=True)
        consumed, consume_cpu = consume(conf, topic, n, name, cpu)
    return produced, consumed, produce_cpu, consume_cpu


@contextlib.contextmanager
def cluster_process(command_name: str, partitions: int, runs: int) -> Iterator[tuple[dict[str, Any], int]]:
    """`course sandbox` or `course kafka` (3 brokers, the runs' topics) in its own process and its
    own session; yields the client config for it and the process id, and stops it after."""
    command = [sys.executable, "-m", "course", command_name, "--brokers", "3", "--events", "none",
               "--min-insync-replicas", "2", *[f"--topic=bench-{r}:{partitions}" for r in range(1, runs + 1)]]
    cluster = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert cluster.stdout is not None
        first = cluster.stdout.readline().strip()
        if not first.startswith("bootstrap.servers="):
            raise SystemExit(f"course {command_name} did not start: {first!r}")
        bootstrap = first.split("=", 1)[1]
        time.sleep(0.5)     # let it create the topics it was given
        if command_name == "kafka":
            wait_for_topics(bootstrap, runs)
        yield {"bootstrap.servers": bootstrap}, cluster.pid
    finally:
        cluster.terminate()
        cluster.wait(60)


def wait_for_topics(bootstrap: str, runs: int) -> None:
    """Real Kafka creates topics asynchronously: until metadata lists them all with leaders."""
    admin = ck.admin.AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.time() + 60
    while time.time() < deadline:
        topics = admin.list_topics(timeout=10).topics
        if all(f"bench-{r}" in topics and all(p.leader >= 0 for p in topics[f"bench-{r}"].partitions.values())
               for r in range(1, runs + 1)):
            return
        time.sleep(0.2)


def spread(values: list[float]) -> str:
    """median [min-max] of a list of ratios."""
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5,
                        help="runs; each runs both sides back to back (order alternating) and gives one ratio")
    parser.add_argument("--no-kafka", action="store_true", help="leave out the real Kafka column")
    args = parser.parse_args()
    n, runs = args.messages, args.runs
    probe = new_event_loop()         # the loop `course sandbox` will run on (same environment)
    sandbox_loop = loop_name(probe)
    probe.close()

    # The mock cluster lives as long as the client that created it. It auto-creates topics
    # with its default partition count; the sandbox's topics get the same count.
    mock_owner = ck.Producer({"test.mock.num.brokers": 3})
    mock = {"bootstrap.servers": ",".join(f"{b.host}:{b.port}"
                                          for b in mock_owner.list_topics(timeout=10).brokers.values())}
    mock_owner.produce("bench-probe", b"probe")
    mock_owner.flush(10)
    partitions = len(mock_owner.list_topics("bench-probe", timeout=10).topics["bench-probe"].partitions)

    rows: list[tuple[float, float, float, float]] = []      # sandbox p, c, mock p, c
    cpu_rows: list[tuple[float, float, float, float]] = []  # CPU us/msg: sandbox p, c, mock p, c
    try:
        with cluster_process("sandbox", partitions, runs) as (local, pid):
            for run in range(1, runs + 1):
                # Both sides in the same minute, the order alternating, so a busy spell on this
                # shared machine hits both rather than one. The mock cluster's CPU is its own
                # thread's (rdk:mock, in this process); the sandbox's its whole process.
                sides: list[tuple[str, dict[str, Any], CpuClock]] = [
                    ("librdkafka mock", mock, lambda: cpu_seconds(os.getpid(), "rdk:mock")),
                    ("sandbox", local, lambda: cpu_seconds(pid))]
                if run % 2 == 0:
                    sides.reverse()
                got = {name: one_run(conf, f"bench-{run}", n, name, clock) for name, conf, clock in sides}
                (sp, sc, spu, scu), (mp, mc, mpu, mcu) = got["sandbox"], got["librdkafka mock"]
                rows.append((sp, sc, mp, mc))
                cpu = ""
                if None not in (spu, scu, mpu, mcu):
                    cpu_rows.append((spu, scu, mpu, mcu))  # type: ignore[arg-type]
                    cpu = f" | CPU us/msg sandbox {spu:.2f}/{scu:.2f} mock {mpu:.2f}/{mcu:.2f}"
                print(f"  run {run}: sandbox produce {sp:>9,.0f} consume {sc:>9,.0f} | mock produce {mp:>9,.0f} "
                      f"consume {mc:>9,.0f} | ratio produce {sp / mp:.2f} consume {sc / mc:.2f}{cpu}", flush=True)
    finally:
        del mock_owner

    kafka: list[tuple[float, float]] = []
    if not args.no_kafka:
        from engine.apache_kafka import MissingTool, find_tools

        try:
            find_tools(need_mvn=True)
            with cluster_process("kafka", partitions, runs) as (real, _):
                for run in range(1, runs + 1):
                    produced, consumed, _, _ = one_run(real, f"bench-{run}", n, "real Kafka")
                    kafka.append((produced, consumed))
                    print(f"  run {run}: real Kafka produce {kafka[-1][0]:>9,.0f} consume {kafka[-1][1]:>9,.0f}",
                          flush=True)
        except MissingTool as exc:
            print(f"  real Kafka left out: {exc}", flush=True)

    print(f"{n:,} x {len(PAYLOAD)} B, acks=all, idempotent, {partitions} partitions (sandbox: 3 brokers, replication "
          f"factor 3, min.insync.replicas 2, {sandbox_loop} loop), confluent-kafka {ck.__version__} "
          f"(librdkafka {ck.libversion()[0]}), {runs} runs")
    for label, index in (("sandbox", 0), ("librdkafka mock", 2)):
        p = [r[index] for r in rows]
        c = [r[index + 1] for r in rows]
        print(f"{label:16s} produce median {statistics.median(p):>10,.0f} msg/s   "
              f"consume median {statistics.median(c):>10,.0f} msg/s")
    print(f"{'ratio':16s} produce {spread([r[0] / r[2] for r in rows])}   "
          f"consume {spread([r[1] / r[3] for r in rows])}   (median [range]; target >= 1.0)")
    if cpu_rows:
        # What each cluster spends, which a busy machine changes far less than the rates.
        for label, index in (("sandbox CPU", 0), ("mock CPU", 2)):
            print(f"{label:16s} produce {spread([r[index] for r in cpu_rows])} us/msg   "
                  f"consume {spread([r[index + 1] for r in cpu_rows])} us/msg   (user + kernel)")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    if kafka:
        kp = statistics.median(p for p, _ in kafka)
        kc = statistics.median(c for _, c in kafka)
        print(f"{'real Kafka':16s} produce median {kp:>10,.0f} msg/s   consume median {kc:>10,.0f} msg/s")
        print(f"{'sandbox/Kafka':16s} produce {statistics.median(r[0] for r in rows) / kp:.2f}   "
              f"consume {statistics.median(r[1] for r in rows) / kc:.2f}   (medians, Kafka measured after)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
