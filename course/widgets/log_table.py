"""The partition log a run left behind, one record a row: duplicates and aborted records marked.

Filled from `RunResult.log` (engine.runs.runner.LogEntry): `copy > 1` is an extra copy of a value
("duplicate #2"), `committed False` a record a read_committed reader skips ("aborted").

A long partition (over LONG records; lesson 8 measures with thousands) is not listed whole: a
DataTable measures every cell of every row, and tens of thousands of rows kept the app's UI
thread busy for many seconds after the run. Every duplicate and aborted record is listed (they are the point of
the table), plus the first and last KEEP ok records; each stretch of ok records left out becomes
one row that says how many.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from engine.runs.runner import LogEntry

COLUMNS = ("topic", "partition", "offset", "value", "status")
LONG = 1000  # records: a partition with more is not listed whole
KEEP = 100  # ok records listed at each end of a long partition
SKIPPED = "not listed"  # the status of a row that stands for a stretch of ok records left out


def status_of(entry: LogEntry) -> str:
    if not entry.committed:
        return "aborted"
    if entry.copy > 1:
        return f"duplicate #{entry.copy}"
    return "ok"


class LogTable(DataTable):
    """Every record of every partition of the run's topics."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, zebra_stripes=True, cursor_type="row")
        self.statuses: list[str] = []

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show_log(self, log: dict[tuple[str, int], list[LogEntry]]) -> None:
        self.clear()
        self.statuses = []
        variables = self.app.theme_variables
        tones = {"aborted": Style(color=variables.get("text-error") or "red", strike=True),
                 "duplicate": Style(color=variables.get("text-warning") or "yellow", bold=True),
                 "ok": Style()}
        for (topic, partition), entries in sorted(log.items()):
            first, last = (KEEP, len(entries) - KEEP) if len(entries) > LONG else (0, 0)
            skipped: list[LogEntry] = []
            for i, entry in enumerate(entries):
                status = status_of(entry)
                if status == "ok" and first <= i < last:
                    skipped.append(entry)
                    continue
                if skipped:
                    self._skipped_row(topic, partition, skipped)
                    skipped = []
                style = tones["aborted" if status == "aborted" else "duplicate" if status.startswith("dup") else "ok"]
                value_style = style if status != "ok" else Style()
                status_style = Style(color=style.color, bold=True) if status != "ok" else Style(dim=True)
                self.add_row(topic, partition, entry.offset, Text(entry.value, style=value_style),
                             Text(status, style=status_style))
                self.statuses.append(status)

    def _skipped_row(self, topic: str, partition: int, skipped: list[LogEntry]) -> None:
        """One row for a stretch of ok records left out of a long partition."""
        first, last = skipped[0].offset, skipped[-1].offset
        self.add_row(topic, partition, f"{first}-{last}", Text(f"… {len(skipped)} records, all ok", style="dim italic"),
                     Text(SKIPPED, style=Style(dim=True)))
        self.statuses.append(SKIPPED)
