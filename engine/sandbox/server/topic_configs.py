"""Topic configs as Kafka 4 defines them (TopicConfig / LogConfig): each name, its type, its
default and the broker config it falls back to. CreateTopics checks names and values here (an
unknown name or a bad value is INVALID_CONFIG) and DescribeConfigs lists every entry.

This is the whole config store: a topic keeps only its overrides (`Topic.configs`); every other
config reads as its default. The sandbox acts on `cleanup.policy`, `delete.retention.ms` (the log
cleaner), `min.insync.replicas`, and `retention.bytes`, `retention.ms`, `segment.bytes` (retention,
`log.log_config`); the other names are accepted and described, as Kafka would, but change nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from engine.sandbox.config import SandboxConfig

LONG_MAX = 9_223_372_036_854_775_807

CLEANUP_POLICY = "cleanup.policy"
DELETE_RETENTION_MS = "delete.retention.ms"
MIN_INSYNC_REPLICAS = "min.insync.replicas"
COMPACT = "compact"
DELETE = "delete"


class ConfigType(IntEnum):
    """DescribeConfigs' ConfigType (v3+): how a client should read the value."""

    UNKNOWN = 0
    BOOLEAN = 1
    STRING = 2
    INT = 3
    SHORT = 4
    LONG = 5
    DOUBLE = 6
    LIST = 7
    CLASS = 8
    PASSWORD = 9


class ConfigSource(IntEnum):
    """DescribeConfigs' ConfigSource (v1+): where a value comes from."""

    UNKNOWN = 0
    TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5


@dataclass(frozen=True)
class ConfigDef:
    """One topic config: its type, Kafka's default (as a string, None for none) and broker synonym."""

    name: str
    type: ConfigType
    default: str | None
    broker_synonym: str | None
    doc: str


T = ConfigType
TOPIC_CONFIGS: dict[str, ConfigDef] = {d.name: d for d in (
    ConfigDef(CLEANUP_POLICY, T.LIST, DELETE, "log.cleanup.policy",
              "delete: drop old segments by time or size; compact: keep the latest record per key."),
    ConfigDef("compression.type", T.STRING, "producer", "compression.type",
              "Codec the broker stores batches with (producer: as the producer sent them)."),
    ConfigDef("compression.gzip.level", T.INT, "-1", "compression.gzip.level", "gzip level."),
    ConfigDef("compression.lz4.level", T.INT, "9", "compression.lz4.level", "lz4 level."),
    ConfigDef("compression.zstd.level", T.INT, "3", "compression.zstd.level", "zstd level."),
    ConfigDef(DELETE_RETENTION_MS, T.LONG, "86400000", "log.cleaner.delete.retention.ms",
              "How long a tombstone stays in a compacted log after the cleaner first reaches it."),
    ConfigDef("file.delete.delay.ms", T.LONG, "60000", "log.segment.delete.delay.ms",
              "Wait before a deleted segment's file is removed."),
    ConfigDef("flush.messages", T.LONG, str(LONG_MAX), "log.flush.interval.messages", "fsync every N records."),
    ConfigDef("flush.ms", T.LONG, str(LONG_MAX), "log.flush.interval.ms", "fsync every N ms."),
    ConfigDef("follower.replication.throttled.replicas", T.LIST, "", None, "Throttled follower replicas."),
    ConfigDef("index.interval.bytes", T.INT, "4096", "log.index.interval.bytes", "Offset index density."),
    ConfigDef("leader.replication.throttled.replicas", T.LIST, "", None, "Throttled leader replicas."),
    ConfigDef("local.retention.bytes", T.LONG, "-2", "log.local.retention.bytes", "Tiered storage: local size."),
    ConfigDef("local.retention.ms", T.LONG, "-2", "log.local.retention.ms", "Tiered storage: local age."),
    ConfigDef("max.compaction.lag.ms", T.LONG, str(LONG_MAX), "log.cleaner.max.compaction.lag.ms",
              "Longest a record may stay uncompacted."),
    ConfigDef("max.message.bytes", T.INT, "1048588", "message.max.bytes", "Largest record batch accepted."),
    ConfigDef("message.timestamp.after.max.ms", T.LONG, "3600000", "log.message.timestamp.after.max.ms",
              "How far in the future a CreateTime timestamp may be."),
    ConfigDef("message.timestamp.before.max.ms", T.LONG, str(LONG_MAX), "log.message.timestamp.before.max.ms",
              "How far in the past a CreateTime timestamp may be."),
    ConfigDef("message.timestamp.type", T.STRING, "CreateTime", "log.message.timestamp.type",
              "CreateTime (the producer's) or LogAppendTime (the broker's)."),
    ConfigDef("min.cleanable.dirty.ratio", T.DOUBLE, "0.5", "log.cleaner.min.cleanable.ratio",
              "Share of uncleaned log that makes a compacted partition worth cleaning."),
    ConfigDef("min.compaction.lag.ms", T.LONG, "0", "log.cleaner.min.compaction.lag.ms",
              "Shortest time a record stays uncompacted."),
    ConfigDef(MIN_INSYNC_REPLICAS, T.INT, "1", "min.insync.replicas",
              "In-sync replicas an acks=all write needs."),
    ConfigDef("preallocate", T.BOOLEAN, "false", "log.preallocate", "Preallocate segment files."),
    ConfigDef("remote.log.copy.disable", T.BOOLEAN, "false", None, "Tiered storage: stop copying."),
    ConfigDef("remote.log.delete.on.disable", T.BOOLEAN, "false", None, "Tiered storage: delete on disable."),
    ConfigDef("remote.storage.enable", T.BOOLEAN, "false", None, "Tiered storage for this topic."),
    ConfigDef("retention.bytes", T.LONG, "-1", "log.retention.bytes", "Largest a partition log may grow."),
    ConfigDef("retention.ms", T.LONG, "604800000", "log.retention.ms", "Oldest a segment may be."),
    ConfigDef("segment.bytes", T.INT, "1073741824", "log.segment.bytes", "Segment size."),
    ConfigDef("segment.index.bytes", T.INT, "10485760", "log.index.size.max.bytes", "Index size."),
    ConfigDef("segment.jitter.ms", T.LONG, "0", "log.roll.jitter.ms", "Jitter on segment.ms."),
    ConfigDef("segment.ms", T.LONG, "604800000", "log.roll.ms", "Roll a segment after this long."),
    ConfigDef("unclean.leader.election.enable", T.BOOLEAN, "false", "unclean.leader.election.enable",
              "Let an out-of-sync replica lead (losing acknowledged records)."),
)}


class InvalidConfig(ValueError):
    """A topic config Kafka refuses with INVALID_CONFIG; the message names it and says why."""


def validate_topic_configs(configs: dict[str, str | None]) -> dict[str, str]:
    """The overrides to store, or InvalidConfig for an unknown name or a value of the wrong type."""
    out: dict[str, str] = {}
    for name, value in configs.items():
        definition = TOPIC_CONFIGS.get(name)
        if definition is None:
            raise InvalidConfig(f"Unknown topic config name: {name}")
        if value is None:
            raise InvalidConfig(f"Null value not supported for topic configs: {name}")
        text = value.strip()
        if definition.type in (T.INT, T.LONG, T.SHORT):
            try:
                int(text)
            except ValueError:
                raise InvalidConfig(f"Invalid value {value} for configuration {name}: Not a number of type "
                                    f"{definition.type.name}") from None
        elif definition.type is T.DOUBLE:
            try:
                float(text)
            except ValueError:
                raise InvalidConfig(f"Invalid value {value} for configuration {name}: Not a number") from None
        elif definition.type is T.BOOLEAN and text.lower() not in ("true", "false"):
            raise InvalidConfig(f"Invalid value {value} for configuration {name}: Expected value to be "
                                "either true or false")
        if name == CLEANUP_POLICY:
            policies = [p.strip() for p in text.split(",") if p.strip()]
            if not policies or any(p not in (COMPACT, DELETE) for p in policies):
                raise InvalidConfig(f"Invalid value {value} for configuration {name}: "
                                    "String must be one of: compact, delete")
        if name == MIN_INSYNC_REPLICAS and int(text) < 1:
            raise InvalidConfig(f"Invalid value {value} for configuration {name}: Value must be at least 1")
        out[name] = text
    return out


def is_compacted(configs: dict[str, str]) -> bool:
    """Whether a topic's cleanup.policy includes compact (the log cleaner keeps the latest record per key)."""
    return COMPACT in (p.strip() for p in configs.get(CLEANUP_POLICY, DELETE).split(","))


def broker_defaults(config: SandboxConfig) -> dict[str, str]:
    """Topic defaults this sandbox's broker settings change (shown as STATIC_BROKER_CONFIG)."""
    return {MIN_INSYNC_REPLICAS: str(config.min_insync_replicas),
            "max.message.bytes": str(config.message_max_bytes),
            DELETE_RETENTION_MS: str(config.log_cleaner_delete_retention_ms),
            "retention.bytes": str(config.log_retention_bytes),
            "retention.ms": str(config.log_retention_ms),
            "segment.bytes": str(config.log_segment_bytes)}


@dataclass(frozen=True)
class ResolvedConfig:
    """One topic config as a topic sees it: its value, where it comes from and its synonyms
    (the topic override, the broker setting, the default), most specific first."""

    definition: ConfigDef
    value: str | None
    source: ConfigSource
    synonyms: tuple[tuple[str, str | None, ConfigSource], ...]


def resolve_topic_configs(overrides: dict[str, str], config: SandboxConfig) -> list[ResolvedConfig]:
    """Every topic config for a topic with these overrides, as DescribeConfigs and CreateTopics
    (v5+, KIP-525) list them."""
    static = broker_defaults(config)
    out = []
    for name, definition in TOPIC_CONFIGS.items():
        synonyms: list[tuple[str, str | None, ConfigSource]] = []
        if name in overrides:
            synonyms.append((name, overrides[name], ConfigSource.TOPIC_CONFIG))
        if definition.broker_synonym:
            if name in static and static[name] != definition.default:
                synonyms.append((definition.broker_synonym, static[name], ConfigSource.STATIC_BROKER_CONFIG))
            synonyms.append((definition.broker_synonym, definition.default, ConfigSource.DEFAULT_CONFIG))
        if name in overrides:
            value, source = overrides[name], ConfigSource.TOPIC_CONFIG
        elif name in static and static[name] != definition.default:
            value, source = static[name], ConfigSource.STATIC_BROKER_CONFIG
        else:
            value, source = definition.default, ConfigSource.DEFAULT_CONFIG
        out.append(ResolvedConfig(definition, value, source, tuple(synonyms)))
    return out


def broker_configs(config: SandboxConfig, broker_id: int) -> dict[str, tuple[str, ConfigType]]:
    """The broker configs DescribeConfigs lists for a broker: the sandbox's settings by Kafka's names."""
    rf = config.default_replication_factor
    return {
        "broker.id": (str(broker_id), T.INT),
        "node.id": (str(broker_id), T.INT),
        "process.roles": ("broker,controller", T.LIST),
        "num.partitions": (str(config.num_partitions), T.INT),
        "default.replication.factor": (str(rf) if rf else "-1", T.INT),
        "min.insync.replicas": (str(config.min_insync_replicas), T.INT),
        "message.max.bytes": (str(config.message_max_bytes), T.INT),
        "auto.create.topics.enable": (str(config.auto_create_topics_enable).lower(), T.BOOLEAN),
        "replica.lag.time.max.ms": (str(config.replica_lag_time_max_ms), T.LONG),
        "group.initial.rebalance.delay.ms": (str(config.group_initial_rebalance_delay_ms), T.INT),
        "broker.session.timeout.ms": (str(config.broker_session_timeout_ms), T.INT),
        "log.cleaner.enable": ("true", T.BOOLEAN),
        "log.cleaner.backoff.ms": (str(config.log_cleaner_backoff_ms), T.LONG),
        "log.cleaner.delete.retention.ms": (str(config.log_cleaner_delete_retention_ms), T.LONG),
        "log.cleanup.policy": (DELETE, T.LIST),
        "log.retention.bytes": (str(config.log_retention_bytes), T.LONG),
        "log.retention.ms": (str(config.log_retention_ms), T.LONG),
        "log.segment.bytes": (str(config.log_segment_bytes), T.INT),
        "log.retention.check.interval.ms": (str(config.log_retention_check_interval_ms), T.LONG),
        "producer.id.expiration.ms": (str(config.producer_id_expiration_ms), T.INT),
        "delete.topic.enable": ("true", T.BOOLEAN),
    }
