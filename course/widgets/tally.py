"""The tally of a run: sent, acknowledged, failed live from the example's reports; in the log,
lost and duplicated from the outcome once it ends; then the lesson's expectations, met or not.

The numbers are the engine's (engine.runs.outcome): the tally only shows them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from engine.runs.outcome import Outcome
from engine.runs.scenario import Expectation

# (name, label): the cells, in order.
CELLS = [("sent", "sent"), ("acknowledged", "acked"), ("failed", "failed"), ("in_log", "in log"),
         ("lost", "lost"), ("duplicates", "duplicated")]
BAD_WHEN_ABOVE_ZERO = {"lost", "duplicates"}
# A cell must hold its longest reading, "duplicated 1000 ✓" (16) plus its padding: narrower than
# three such cells and their gutters, the cells go two to a row rather than cut their names.
CELL_WIDTH = 18


def columns_for(width: int) -> int:
    """How many cells fit side by side in `width` columns without cutting any (1 to 3)."""
    return max(1, min(3, (width + 1) // (CELL_WIDTH + 1)))


def met_metrics(checks: list[tuple[Expectation, int, bool]]) -> frozenset[str]:
    """The metrics every expectation on which was met: what the lesson says the run shows (an
    aborted transaction's records missing for a read_committed reader are its point, not a loss)."""
    named = {e.metric for e, _, _ in checks}
    return frozenset(m for m in named if all(ok for e, _, ok in checks if e.metric == m))


def unbroken(expectation: str) -> str:
    """`failed == 0 ✓` kept on one line when the checks wrap (no-break spaces): a narrow column
    must not leave `failed ==` on one line and `0 ✓` on the next."""
    return expectation.replace(" ", "\u00a0")


class TallyCell(Static):
    """One number and its name; `-bad` when a lost or duplicated count is above zero, `-expected`
    instead when the lesson says that count is what the run should show."""

    def __init__(self, name: str, label: str) -> None:
        super().__init__(classes="tally-cell", markup=False, id=f"tally-{name.replace('_', '-')}")
        self.metric = name
        self.label = label
        self.value: int | None = None
        self.show(None)

    def show(self, value: int | None, expected: bool = False, layout: bool = True) -> None:
        """`layout=False` (the live counts): the cell's size does not follow its text (a 1fr column
        of a one-row grid), so the screen is not laid out again; a lesson's screen holds hundreds
        of widgets, and a layout a few times a second took CPU from the run being counted."""
        self.value = value
        watched = self.metric in BAD_WHEN_ABOVE_ZERO
        mark = " ✓" if watched and expected and value else ""
        self.update(f"{self.label} {'–' if value is None else value}{mark}", layout=layout)
        self.set_class(watched and bool(value) and not expected, "-bad")
        self.set_class(watched and bool(value) and expected, "-expected")
        self.set_class(watched and value == 0, "-good")


class Tally(Vertical):
    """The counts of the current (or last) run: three cells a row, or two when that would cut them."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="tally-cells"):
            for name, label in CELLS:
                yield TallyCell(name, label)
        yield Static("", classes="tally-checks", markup=False)

    def on_resize(self) -> None:
        self.fit()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Checked at each paint too: on a busy machine the tally has been laid out at its final
        # width without a Resize reaching it, and kept three cells a row in too narrow a column.
        if self.size.width and self._grid_columns() != columns_for(self.content_region.width or self.size.width):
            self.call_later(self.fit)
        return super().render_lines(crop)

    def _grid_columns(self) -> int | None:
        return self.query_one(".tally-cells", Horizontal).styles.grid_size_columns

    def fit(self) -> None:
        """Three cells a row, or two (or one) when three would cut them."""
        grid = self.query_one(".tally-cells", Horizontal)
        columns = columns_for(self.content_region.width or self.size.width)
        if grid.styles.grid_size_columns != columns:
            grid.styles.grid_size_columns = columns

    def cells(self) -> dict[str, TallyCell]:
        return {cell.metric: cell for cell in self.query(TallyCell)}

    def value(self, metric: str) -> int | None:
        return self.cells()[metric].value

    def clear(self, expectations: list[Expectation] | None = None) -> None:
        """No run to show (another example was chosen): every count unknown; what the lesson expects."""
        for cell in self.cells().values():
            cell.show(None)
        checks = self.query_one(".tally-checks", Static)
        checks.set_classes("tally-checks")
        checks.update("the lesson says: " + "; ".join(unbroken(str(e)) for e in expectations) if expectations else "")

    def reset(self, expectations: list[Expectation] | None = None, live: bool = True) -> None:
        """A run starts: counts at zero (live ones) or unknown (the ones the end decides). A run
        not counted live (a measurement, drawn when it ends) shows every count unknown, not a
        0 that would read as nothing sent."""
        for name, cell in self.cells().items():
            cell.show(0 if live and name in ("sent", "acknowledged", "failed") else None)
        checks = self.query_one(".tally-checks", Static)
        checks.set_classes("tally-checks")
        if expectations:
            checks.update("the lesson says: " + "; ".join(unbroken(str(e)) for e in expectations))
        else:
            checks.update("")

    def live(self, sent: int, acknowledged: int, failed: int) -> None:
        cells = self.cells()
        cells["sent"].show(sent, layout=False)
        cells["acknowledged"].show(acknowledged, layout=False)
        cells["failed"].show(failed, layout=False)

    def final(self, outcome: Outcome, checks: list[tuple[Expectation, int, bool]],
              allowed: dict[str, str] | None = None) -> None:
        """The run's counts, and the lesson's claims met or not; `allowed`: claims met only through a
        known difference of the example's client (metric -> why), said beside the claim."""
        met = met_metrics(checks)
        for name, cell in self.cells().items():
            cell.show(int(getattr(outcome, name)), expected=name in met)
        box = self.query_one(".tally-checks", Static)
        box.set_classes("tally-checks")
        if not checks:
            box.update("")
            return
        allowed = allowed or {}

        def mark(e: Expectation, actual: int, ok: bool) -> str:
            # A claim met only through a client difference shows what the client reported.
            return f"{e} ✓" if ok and e.metric not in allowed else f"{e} {'✓' if ok else '✗'} (got {actual})"

        marks = [mark(*check) for check in checks]
        notes = [f"\n{e.metric} {actual}: {allowed[e.metric]}" for e, actual, _ in checks if e.metric in allowed]
        box.update("the lesson says: " + "; ".join(unbroken(mark) for mark in marks) + "".join(notes))
        box.add_class("-met" if all(ok for _, _, ok in checks) else "-unmet")
