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

# The report lines an example prints (CONTRIBUTING.md): one fact per line.
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


@dataclass
class Outcome:
    sent: int
    acknowledged: int
    failed: int
    in_log: int
    lost: int
    duplicates: int
    processed: int
    processed_twice: int  # extra `processed` lines for ids already processed
    not_processed: int  # ids in the log that no consumer processed (0 when nothing consumed)
    lost_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    error_counts: dict[str, int] = field(default_factory=dict)

    def get(self, metric: str) -> int:
        return int(getattr(self, metric))

    def to_json(self) -> dict:
        return asdict(self)


def compute_outcome(report: ClientReport, log_values: Iterable[str]) -> Outcome:
    """Compare what the client was told with what a read_committed reader finds in the log."""
    in_log = Counter(log_values)
    acked = set(report.acked)
    lost = sorted(i for i in acked if i not in in_log)
    dupes = sorted(i for i, n in in_log.items() if n > 1)
    processed = Counter(report.processed)
    consumed_anything = bool(processed)
    return Outcome(
        sent=len(set(report.sent)),
        acknowledged=len(acked),
        failed=len(set(report.failed) - acked),
        in_log=len(in_log),
        lost=len(lost),
        duplicates=sum(n - 1 for n in in_log.values()),
        processed=len(processed),
        processed_twice=sum(n - 1 for n in processed.values()),
        not_processed=sum(1 for i in in_log if i not in processed) if consumed_anything else 0,
        lost_ids=lost,
        duplicate_ids=dupes,
        error_counts=dict(Counter(report.failed.values())),
    )
