"""A topic's log settings (Kafka's LogConfig): the topic configs that bound a partition log.

Kafka resolves each topic config from the topic's own override, else the broker default (the
same name with a `log.` prefix: `log.retention.bytes` for `retention.bytes`). The sandbox models
the three that bound a log's size and age:
- `segment.bytes`: the log is split into segments of about this size; a new one is rolled when
  the next batch would not fit;
- `retention.bytes`: per partition, the oldest segments are deleted while the log minus that
  segment is still at least this big (-1: no size limit);
- `retention.ms`: a segment whose newest record timestamp is older than this is deleted (-1: none).
Retention never deletes the active (newest) segment nor anything at or above the high watermark.

Names and value types are checked where topic configs are stored (`server.topic_configs`); here
only the ranges Kafka's LogConfig enforces for these three.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SEGMENT_BYTES = "segment.bytes"
RETENTION_BYTES = "retention.bytes"
RETENTION_MS = "retention.ms"

# Kafka's smallest segment.bytes for a topic (LogConfig: at least one legacy record's overhead).
MIN_SEGMENT_BYTES = 14


class InvalidConfig(ValueError):
    """A topic config value out of the range Kafka allows (INVALID_CONFIG); the message says which and why."""


@dataclass(frozen=True, slots=True)
class LogConfig:
    """The settings one partition log runs with: the broker defaults with the topic's overrides applied."""

    segment_bytes: int = 1 << 30          # segment.bytes (log.segment.bytes: 1 GiB)
    retention_bytes: int = -1             # retention.bytes (log.retention.bytes: no limit)
    retention_ms: int = 604_800_000       # retention.ms (log.retention.ms: 7 days)

    def with_overrides(self, configs: dict[str, str]) -> "LogConfig":
        """These defaults with a topic's overrides applied (config name -> value as a string;
        names this class does not model are ignored). Raises InvalidConfig for a value out of range."""
        changes: dict[str, int] = {}
        for name, value in configs.items():
            if name == SEGMENT_BYTES:
                changes["segment_bytes"] = _integer(name, value, minimum=MIN_SEGMENT_BYTES)
            elif name == RETENTION_BYTES:
                changes["retention_bytes"] = _integer(name, value, minimum=-1)
            elif name == RETENTION_MS:
                changes["retention_ms"] = _integer(name, value, minimum=-1)
        return replace(self, **changes)


def _integer(name: str, value: str | None, minimum: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidConfig(f"Invalid value {value} for configuration {name}: not a number") from None
    if number < minimum:
        raise InvalidConfig(f"Invalid value {value} for configuration {name}: must be at least {minimum}")
    return number
