"""Cluster settings, named after the Kafka broker configs they stand for."""

from __future__ import annotations

import socket
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
# Hosts that mean "every interface": a client cannot connect to them, so they are never advertised.
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class SandboxConfig:
    """The sandbox cluster's settings; each field names the broker config it stands for."""

    message_max_bytes: int = 1_048_588           # message.max.bytes (also caps a request frame here)
    replica_lag_time_max_ms: int = 10_000        # replica.lag.time.max.ms (Kafka: 30 s)
    auto_create_topics_enable: bool = True       # auto.create.topics.enable
    num_partitions: int = 1                      # num.partitions, for auto-created topics
    default_replication_factor: int | None = None  # default.replication.factor (None: min(3, brokers))
    min_insync_replicas: int = 1                 # min.insync.replicas default for new topics
    group_initial_rebalance_delay_ms: int = 100  # group.initial.rebalance.delay.ms (Kafka: 3000)
    # broker.session.timeout.ms (KRaft; ZooKeeper's session timeout before): a crashed broker stays
    # registered, so listed in Metadata, this long (clients see its connection refused, not its
    # disappearance). Leadership still moves at once here.
    broker_session_timeout_ms: int = 9_000
    # The log: topic defaults (a topic's own retention.bytes / retention.ms / segment.bytes win).
    log_retention_bytes: int = -1                # log.retention.bytes, per partition (-1: no limit)
    log_retention_ms: int = 604_800_000          # log.retention.ms (7 days)
    log_segment_bytes: int = 1 << 30             # log.segment.bytes (1 GiB; `course sandbox` sets a smaller one)
    log_retention_check_interval_ms: int = 1_000  # log.retention.check.interval.ms (Kafka: 5 minutes)
    producer_id_expiration_ms: int = 86_400_000  # producer.id.expiration.ms (1 day)
    # The host of `listeners`: where every broker accepts connections. Loopback unless the user
    # names another address; the sandbox has no authentication, so anyone who can reach it can
    # use it.
    listen_host: str = LOOPBACK
    # The log cleaner (compacted topics): it looks for dirty logs every log.cleaner.backoff.ms
    # (Kafka: 15 s), and a tombstone stays delete.retention.ms after it is first cleaned
    # (log.cleaner.delete.retention.ms, Kafka's default: one day).
    log_cleaner_backoff_ms: int = 2_000
    log_cleaner_delete_retention_ms: int = 86_400_000

    def advertised_host(self) -> str:
        """The host of `advertised.listeners`: the listener's own host, or, for a wildcard one,
        this machine's name (as Kafka advertises the canonical host name)."""
        return socket.getfqdn() if self.listen_host in WILDCARD_HOSTS else self.listen_host
