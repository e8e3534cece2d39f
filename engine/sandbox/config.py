"""Cluster settings, named after the Kafka broker configs they stand for."""

from __future__ import annotations

from dataclasses import dataclass


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
