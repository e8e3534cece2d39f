"""`course kafka [--brokers N] [--topic NAME[:PARTITIONS]]...`: real Apache Kafka (the release
pinned in engine/apache_kafka/pom.xml) in the foreground, on 127.0.0.1, as `course sandbox` runs
the mini cluster. The first line is `bootstrap.servers=...`; Ctrl-C, SIGTERM or the death of the
process that started this one stops every broker it started. Needs a JDK and Maven (exit 2 without)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Any

from course.commands.sandbox import REQUEST_KINDS, parse_topic


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kafka", help="run real Apache Kafka (the pinned release) in the foreground",
                       description="Start N KRaft Kafka brokers on 127.0.0.1 (the release pinned in "
                                   "engine/apache_kafka/pom.xml, resolved through Maven). Prints "
                                   "bootstrap.servers=... first, then what the proxies in front of the brokers see.")
    p.add_argument("--brokers", type=int, default=3, metavar="N", help="number of brokers (default 3)")
    p.add_argument("--topic", action="append", default=[], metavar="NAME[:PARTITIONS]",
                   help="create a topic at start (replication factor min(3, brokers)); repeatable")
    p.add_argument("--min-insync-replicas", type=int, default=1, metavar="M",
                   help="min.insync.replicas for the --topic topics (default 1)")
    p.add_argument("--events", choices=["all", "cluster", "none"], default="cluster",
                   help="which events to log: all, cluster (no request/response lines; the default) or none")
    p.add_argument("--start-timeout", type=float, default=180.0, metavar="SECONDS",
                   help="how long the brokers may take to serve Metadata (default 180)")
    p.set_defaults(func=main)


def _watch_parent(stop: threading.Event) -> None:
    """Stop when the process that started us dies (we are re-parented): no orphaned brokers."""
    parent = os.getppid()
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def main(args: argparse.Namespace) -> int:
    from engine.apache_kafka import KafkaCluster, KafkaUnavailable, MissingTool, find_tools

    try:
        topics = [parse_topic(t) for t in args.topic]
    except ValueError as exc:
        print(f"course kafka: {exc}", file=sys.stderr)
        return 2
    if args.brokers < 1:
        print("course kafka: --brokers must be at least 1", file=sys.stderr)
        return 2
    try:
        tools = find_tools()
    except MissingTool as exc:
        print(f"course kafka: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=_watch_parent, args=(stop,), daemon=True, name="parent-watchdog").start()
    kc = KafkaCluster(brokers=args.brokers, tools=tools, start_timeout=args.start_timeout)
    try:
        kc.start()
    except MissingTool as exc:
        print(f"course kafka: {exc}", file=sys.stderr)
        return 2
    except (KafkaUnavailable, RuntimeError, OSError) as exc:
        print(f"course kafka: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"bootstrap.servers={kc.bootstrap_servers}", flush=True)
        print(f"# {kc.description}, {args.brokers} broker(s), cluster id {kc.cluster_id}, files in {kc.directory}",
              flush=True)
        if args.events != "none":
            def show(event: Any) -> None:
                if args.events == "all" or event.kind not in REQUEST_KINDS:
                    print(event.describe(), flush=True)
            kc.subscribe(show)
        for name, partitions in topics:
            try:
                kc.create_topic(name, partitions=partitions, min_insync_replicas=args.min_insync_replicas)
            except ValueError as exc:
                print(f"course kafka: {exc}", file=sys.stderr)
        while not stop.wait(0.5):
            if not kc.pids:
                print("course kafka: every broker has exited", file=sys.stderr)
                return 1
    finally:
        kc.close()
    print("kafka stopped", flush=True)
    return 0
