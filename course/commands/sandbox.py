"""`course sandbox [--brokers N] [--port P] [--host ADDRESS] [--num-partitions N]
[--topic NAME[:PARTITIONS]]...`: run the mini cluster in the foreground. The first line is
`bootstrap.servers=...`; events follow, one a line; Ctrl-C or SIGTERM stops it cleanly.

The brokers listen on 127.0.0.1 unless `--host` names another address. The sandbox has no
authentication and no encryption, so listening anywhere else prints a warning first.

It can run for hours: each partition keeps at most --retention-bytes (log.retention.bytes; a
topic's own retention.bytes wins), old segments are deleted as Kafka deletes them, and only the
newest --max-events events are kept in memory (every one is still printed).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from course.foreground import create_topics, print_events, stop_on_signals, wait_until_stopped
from engine.sandbox import LOOPBACK, Sandbox

DEFAULT_RETENTION_BYTES = 32 << 20     # per partition: with 3 replicas sharing it, ~100 MB a partition at most
DEFAULT_SEGMENT_BYTES = 4 << 20
DEFAULT_MAX_EVENTS = 10_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sandbox", help="run the sandbox Kafka cluster in the foreground",
                       description="Start a mini Kafka cluster on 127.0.0.1 (or --host) that any Kafka client "
                                   "can use. Prints bootstrap.servers=... first, then what the cluster does.")
    p.add_argument("--brokers", type=int, default=3, metavar="N", help="number of brokers (default 3)")
    p.add_argument("--port", type=int, metavar="P",
                   help="first broker's port; broker i listens on P+i-1 (default: free ports)")
    p.add_argument("--host", default=LOOPBACK, metavar="ADDRESS",
                   help="the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface). The "
                        "sandbox has no authentication: anyone who can reach the address can use it")
    p.add_argument("--topic", action="append", default=[], metavar="NAME[:PARTITIONS]",
                   help="create a topic at start (replication factor min(3, brokers)); repeatable")
    p.add_argument("--num-partitions", type=int, default=1, metavar="N",
                   help="num.partitions: partitions of an auto-created topic, and of --topic NAME "
                        "without :PARTITIONS (default 1)")
    p.add_argument("--min-insync-replicas", type=int, default=1, metavar="M",
                   help="min.insync.replicas for the --topic topics and auto-created ones (default 1)")
    p.add_argument("--events", choices=["all", "cluster", "none"], default="all",
                   help="which events to log: all, cluster (no request/response lines) or none")
    p.add_argument("--retention-bytes", type=int, default=DEFAULT_RETENTION_BYTES, metavar="B",
                   help="log.retention.bytes: the most a partition keeps before its oldest segments are "
                        f"deleted; -1 for no limit (default {DEFAULT_RETENTION_BYTES})")
    p.add_argument("--retention-ms", type=int, default=604_800_000, metavar="MS",
                   help="log.retention.ms: segments older than this are deleted; -1 for no limit (default 7 days)")
    p.add_argument("--segment-bytes", type=int, default=DEFAULT_SEGMENT_BYTES, metavar="B",
                   help=f"log.segment.bytes: the size of a log segment (default {DEFAULT_SEGMENT_BYTES})")
    p.add_argument("--max-events", type=int, default=DEFAULT_MAX_EVENTS, metavar="N",
                   help=f"events kept in memory (all are printed; default {DEFAULT_MAX_EVENTS})")
    p.set_defaults(func=main)


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def exposure_warning(host: str) -> str | None:
    """The warning printed before listening on a non-loopback address, or None."""
    if is_loopback(host):
        return None
    where = "every interface of this machine" if host in ("", "0.0.0.0", "::") else host
    return (f"course sandbox: warning: listening on {where}; the sandbox has no authentication or "
            "encryption, so anyone who can reach it can read and write its topics (use the default, "
            "127.0.0.1, unless other machines must connect)")


def parse_topic(text: str, default_partitions: int = 1) -> tuple[str, int]:
    name, _, count = text.partition(":")
    if not name:
        raise ValueError(f"--topic {text!r}: the name is empty")
    try:
        partitions = int(count) if count else default_partitions
    except ValueError:
        raise ValueError(f"--topic {text!r}: PARTITIONS must be a number") from None
    if partitions < 1:
        raise ValueError(f"--topic {text!r}: PARTITIONS must be at least 1")
    return name, partitions


def main(args: argparse.Namespace) -> int:
    if args.num_partitions < 1:
        print("course sandbox: --num-partitions must be at least 1", file=sys.stderr)
        return 2
    try:
        topics = [parse_topic(t, args.num_partitions) for t in args.topic]
    except ValueError as exc:
        print(f"course sandbox: {exc}", file=sys.stderr)
        return 2
    if args.brokers < 1:
        print("course sandbox: --brokers must be at least 1", file=sys.stderr)
        return 2
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    for flag, value, minimum in (("--retention-bytes", args.retention_bytes, -1),
                                 ("--retention-ms", args.retention_ms, -1),
                                 ("--segment-bytes", args.segment_bytes, 14), ("--max-events", args.max_events, 1)):
        if value < minimum:
            print(f"course sandbox: {flag} must be at least {minimum}", file=sys.stderr)
            return 2
    stop = stop_on_signals()
    try:
        sb = Sandbox(brokers=args.brokers, base_port=args.port, host=args.host, max_events=args.max_events,
                     min_insync_replicas=args.min_insync_replicas, num_partitions=args.num_partitions,
                     log_retention_bytes=args.retention_bytes, log_retention_ms=args.retention_ms,
                     log_segment_bytes=args.segment_bytes).start()
    except OSError as exc:
        print(f"course sandbox: cannot listen: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"bootstrap.servers={sb.bootstrap_servers}", flush=True)
        print_events(sb, args.events, backlog=sb.events)
        create_topics("course sandbox", sb, topics, args.min_insync_replicas)
        wait_until_stopped(stop)
    finally:
        sb.close()
    print("sandbox stopped", flush=True)
    return 0
