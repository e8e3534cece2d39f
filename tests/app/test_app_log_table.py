"""The run panel's partition log (course.widgets.log_table): a long partition is listed by its ends
and by every record that is not plain ok (duplicates, aborted), the rest summed up in one row."""

from __future__ import annotations

from textual.app import App, ComposeResult

from course.widgets.log_table import KEEP, LONG, SKIPPED, LogTable
from engine.runs.runner import LogEntry
from tests.app.apphelpers import run_async, wait_for


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogTable(id="log")


async def ready_table(pilot) -> LogTable:
    """The app's table, once its columns are set up."""
    table = pilot.app.query_one(LogTable)
    await wait_for(pilot, lambda: len(table.columns) == 5, "the table's columns")
    return table


def plain(count: int, start: int = 0) -> list[LogEntry]:
    return [LogEntry(o, f"m-{o}", True, 1) for o in range(start, start + count)]


@run_async
async def test_a_short_partition_is_listed_whole() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = await ready_table(pilot)
        entries = plain(LONG)
        table.show_log({("t", 0): entries})
        assert table.row_count == LONG and table.statuses == ["ok"] * LONG


@run_async
async def test_a_long_partition_keeps_its_ends_and_every_duplicate_and_aborted_record() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = await ready_table(pilot)
        entries = plain(5000)
        entries[2500] = LogEntry(2500, "m-7", True, 2)        # a duplicate in the middle
        entries[3000] = LogEntry(3000, "m-3000", False, 0)    # an aborted record
        short = plain(10)
        table.show_log({("t", 0): entries, ("t", 1): short})
        statuses = table.statuses
        assert statuses.count("duplicate #2") == 1 and statuses.count("aborted") == 1
        # first KEEP, a gap, the duplicate, a gap, the aborted one, a gap, last KEEP; then partition 1 whole
        assert statuses.count(SKIPPED) == 3
        assert statuses.count("ok") == 2 * KEEP + len(short)
        assert table.row_count == len(statuses) == 2 * KEEP + 2 + 3 + len(short)
        gaps = [table.get_row_at(i) for i, s in enumerate(statuses) if s == SKIPPED]
        assert [g[2] for g in gaps] == [f"{KEEP}-2499", "2501-2999", f"3001-{5000 - KEEP - 1}"]
        assert "2400 records" in str(gaps[0][3])
