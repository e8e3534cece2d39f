"""What happened to the messages of a run, counted from the example's own reports and the log.

Counted as Kafka's system tests and Jepsen's checker count: every message carries a unique id
(its value); *lost* = acknowledged to the producer but absent from what a read_committed
reader sees; *duplicates* = extra copies of an id in the log. Nothing here is taken from the
scenario's expectation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable

# The report lines an example prints (docs/formats.md): one fact per line.
_LINE = re.compile(
    r"^(?P<verb>sent|acked|failed|processed)\s+(?P<id>\S+)(?:\s+(?P<rest>.*?))?\s*$"
)


@dataclass(frozen=True)
class ReportLine:
    verb: str  # sent | acked | failed | processed
    id: str
    partition: int | None = None
    offset: int | None = None
    error: str | None = None


def parse_report_line(line: str) -> ReportLine | None:
    """A report line, or None for ordinary output (which is shown, not counted)."""
    m = _LINE.match(line)
    if not m:
        return None
    verb, mid, rest = m.group("verb"), m.group("id"), m.group("rest") or ""
    if verb == "acked":
        parts = rest.split()
        if len(parts) >= 2 and parts[0].lstrip("-").isdigit() and parts[1].lstrip("-").isdigit():
            return ReportLine(verb, mid, int(parts[0]), int(parts[1]))
        return ReportLine(verb, mid)
    if verb == "failed":
        return ReportLine(verb, mid, error=rest or None)
    return ReportLine(verb, mid)


@dataclass
class ClientReport:
    """Everything the example said about its messages, in order."""

    sent: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    processed: list[str] = field(default_factory=list)

    def add(self, line: ReportLine) -> None:
        if line.verb == "sent":
            self.sent.append(line.id)
        elif line.verb == "acked":
            self.acked.append(line.id)
        elif line.verb == "failed":
            self.failed[line.id] = line.error or "failed"
        else:
            self.processed.append(line.id)


Log = dict[tuple[str, int], list[str]]  # (topic, partition) -> values, in offset order


@dataclass
class Outcome:
    sent: int
    acknowledged: int
    failed: int
    in_log: int  # distinct ids a read_committed reader sees
    lost: int  # acknowledged, yet not in the log
    duplicates: int  # ids read more than once: extra `processed` lines when the example
    #                  consumes, else extra copies in the log
    log_duplicates: int  # extra copies in the log, whatever the consumer did
    reordered: int  # ids that landed in their partition after an id sent later
    processed: int  # distinct ids processed
    unprocessed: int  # ids in the log that no consumer processed (0 when nothing consumed)
    lost_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    error_counts: dict[str, int] = field(default_factory=dict)

    def get(self, metric: str) -> int:
        return int(getattr(self, metric))

    def to_json(self) -> dict:
        return asdict(self)


def compute_outcome(report: ClientReport, log: Log | Iterable[str]) -> Outcome:
    """Compare what the client was told with what a read_committed reader finds in the log."""
    partitions: Log = log if isinstance(log, dict) else {("", 0): list(log)}
    in_log = Counter(v for values in partitions.values() for v in values)
    acked = set(report.acked)
    lost = sorted((i for i in acked if i not in in_log), key=natural_key)
    processed = Counter(report.processed)
    consuming = bool(processed)
    copies = processed if consuming else in_log
    return Outcome(
        sent=len(set(report.sent)),
        acknowledged=len(acked),
        failed=len(set(report.failed) - acked),
        in_log=len(in_log),
        lost=len(lost),
        duplicates=sum(n - 1 for n in copies.values()),
        log_duplicates=sum(n - 1 for n in in_log.values()),
        reordered=_reordered(report.sent, partitions),
        processed=len(processed),
        unprocessed=sum(1 for i in in_log if i not in processed) if consuming else 0,
        lost_ids=lost,
        duplicate_ids=sorted((i for i, n in copies.items() if n > 1), key=natural_key),
        error_counts=dict(Counter(report.failed.values())),
    )


def natural_key(message_id: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ids as people count: `order-2` before `order-10` (digit runs compare
    as numbers, the rest as text; numbers sort before text at the same place)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", message_id) if part)


def _reordered(sent: list[str], partitions: Log) -> int:
    """Per partition, count first copies that follow a message the producer sent after them."""
    order: dict[str, int] = {}
    for i, mid in enumerate(sent):
        order.setdefault(mid, i)
    count = 0
    for values in partitions.values():
        seen: set[str] = set()
        latest = -1
        for mid in values:
            if mid in seen or mid not in order:
                continue
            seen.add(mid)
            if order[mid] < latest:
                count += 1
            latest = max(latest, order[mid])
    return count
