"""`course kafka [--brokers N] [--topic NAME[:PARTITIONS]]...`: real Apache Kafka (the release
pinned in engine/apache_kafka/pom.xml) in the foreground, on 127.0.0.1, as `course sandbox` runs
the mini cluster. The first line is `bootstrap.servers=...`; Ctrl-C, SIGTERM or the death of the
process that started this one stops every broker it started. Needs a JDK and Maven (exit 2 without)."""

from __future__ import annotations

import argparse
import sys

from course.commands.sandbox import parse_topic
from course.foreground import create_topics, print_events, stop_on_signals, wait_until_stopped


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
    stop = stop_on_signals(watch_parent=True)  # no orphaned brokers when whoever started us dies
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
        print_events(kc, args.events)
        create_topics("course kafka", kc, topics, args.min_insync_replicas)
        if not wait_until_stopped(stop, lambda: bool(kc.pids)):
            print("course kafka: every broker has exited", file=sys.stderr)
            return 1
    finally:
        kc.close()
    print("kafka stopped", flush=True)
    return 0
