"""The partition log a run left behind, one record a row: duplicates and aborted records marked.

Filled from `RunResult.log` (engine.runs.runner.LogEntry): `copy > 1` is an extra copy of a value
("duplicate #2"), `committed False` a record a read_committed reader skips ("aborted").
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from engine.runs.runner import LogEntry

COLUMNS = ("topic", "partition", "offset", "value", "status")


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
            for entry in entries:
                status = status_of(entry)
                style = tones["aborted" if status == "aborted" else "duplicate" if status.startswith("dup") else "ok"]
                value_style = style if status != "ok" else Style()
                status_style = Style(color=style.color, bold=True) if status != "ok" else Style(dim=True)
                self.add_row(topic, partition, entry.offset, Text(entry.value, style=value_style),
                             Text(status, style=status_style))
                self.statuses.append(status)
