"""The live picture of a run: lanes (producer, each broker, consumer) and rows of arrows.

`PictureModel` turns the runner's events (engine.runs.runner.RunEvent) into rows; it is plain Python
(no Textual), fed on the UI thread. Only the meaningful events become rows (Produce, Fetch,
commits, transaction steps, lost acks, dropped requests, retries answered from the dedup
window, leader changes, ISR changes, brokers stopped and started, the runner's faults);
Metadata, ApiVersions, heartbeats and the like are skipped.

Repeats are aggregated: between two "significant" rows (a fault, a broker stopped, a leader
change...) every kind of exchange has one row that counts (`Produce x37 · 50 rec`). So the
picture reads as phases, newest at the bottom.

`RunPicture` draws the model: a header with the lane names and a scrolling body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from engine.runs.runner import RunEvent

PRODUCER = "producer"
CONSUMER = "consumer"

# Requests worth a row, and the client lane they come from.
PRODUCER_APIS = {"Produce", "InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit"}
CONSUMER_APIS = {"Fetch", "OffsetCommit", "OffsetFetch", "JoinGroup", "SyncGroup", "LeaveGroup"}
# Requests the picture shows with their own row (the rest only when their answer is an error).
SHOWN_REQUESTS = {"Produce", "Fetch", "OffsetCommit", "InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn",
                  "EndTxn", "TxnOffsetCommit", "JoinGroup"}


@dataclass
class Row:
    """One row of the picture.

    kind: "arrow" (src -> dst lane, `cut` stops it half way with an x), "mark" (a dot on a lane
    and a label), "note" (text across the picture).
    tone: "" | "accent" | "success" | "warning" | "error" | "muted" (resolved from the theme).
    """

    kind: str
    label: str
    src: str = ""
    dst: str = ""
    tone: str = ""
    cut: bool = False
    count: int = 1
    records: int = 0
    key: tuple[Any, ...] | None = None  # rows with the same key in one phase are aggregated
    extra: str = ""  # shown after the count (e.g. the last committed offsets)

    def text(self) -> str:
        parts = [self.label]
        if self.count > 1:
            parts.append(f"×{self.count}")
        if self.records:
            parts.append(f"· {self.records} rec")
        if self.extra:
            parts.append(self.extra)
        return " ".join(parts)


def broker_lane(broker: Any) -> str:
    return f"broker {broker}"


@dataclass
class PictureModel:
    """The rows of one run, built from its events."""

    lanes: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    version: int = 0  # bumped on every change (the widget redraws when it moved)
    _phase: dict[tuple[Any, ...], int] = field(default_factory=dict)  # key -> row index, this phase
    _last_produce: dict[str, int] = field(default_factory=dict)  # broker lane -> its Produce row, this phase

    @classmethod
    def for_brokers(cls, brokers: int) -> "PictureModel":
        return cls(lanes=[PRODUCER, *(broker_lane(b) for b in range(1, brokers + 1)), CONSUMER])

    # ------------------------------------------------------------ building

    def _lane(self, name: str) -> str:
        if name not in self.lanes:  # a broker the scenario did not announce: before the consumer
            self.lanes.insert(len(self.lanes) - 1 if self.lanes and self.lanes[-1] == CONSUMER else len(self.lanes), name)
        return name

    def _add(self, row: Row, significant: bool = False) -> Row:
        if row.src:
            self._lane(row.src)
        if row.dst:
            self._lane(row.dst)
        self.version += 1
        if significant:
            self._phase.clear()  # (_last_produce stays: an append may follow its request's phase)
        elif row.key is not None and row.key in self._phase:
            existing = self.rows[self._phase[row.key]]
            existing.count += row.count
            existing.records += row.records
            if row.extra:
                existing.extra = row.extra
            return existing
        self.rows.append(row)
        if row.key is not None and not significant:
            self._phase[row.key] = len(self.rows) - 1
        if significant:
            self._phase.clear()
        return row

    def note(self, text: str, tone: str = "", significant: bool = True) -> None:
        self._add(Row("note", text, tone=tone), significant=significant)

    def add(self, event: RunEvent) -> None:
        """One runner event; most become nothing."""
        if event.kind == "started":
            self.note(f"▶ {event.text}", "accent")
        elif event.kind == "fault":
            self.note(f"⚡ {event.text}", "warning")
        elif event.kind == "note":
            self.note(f"· {event.text}", "muted")
        elif event.kind == "timeout":
            self.note(f"⏱ {event.text}", "error")
        elif event.kind == "exited":
            self.note(f"■ {event.text}", "muted")
        elif event.kind == "sandbox":
            self._sandbox(event.data.get("broker"), str(event.data.get("event", "")), event.data.get("details") or {})

    def _sandbox(self, broker: Any, kind: str, d: dict[str, Any]) -> None:
        b = broker_lane(broker) if broker is not None else ""
        if kind == "request":
            api = d.get("api", "")
            if d.get("dropped") or api not in SHOWN_REQUESTS or not b:
                return  # a dropped request is drawn from its fault event
            client = PRODUCER if api in PRODUCER_APIS else CONSUMER
            label = {"OffsetCommit": "commit", "TxnOffsetCommit": "txn commit offsets",
                     "AddPartitionsToTxn": "add partitions", "AddOffsetsToTxn": "add offsets"}.get(api, api)
            self._add(Row("arrow", label, client, b, tone="" if api in ("Produce", "Fetch") else "accent",
                          key=("req", api, b)))
            if api == "Produce":
                self._last_produce[b] = self._phase.get(("req", api, b), -1)
        elif kind == "response":
            api = d.get("api", "")
            if d.get("lost") or not b:
                return  # drawn from its fault event
            errors = [e for e in d.get("errors") or [] if e and e != "NONE"]
            client = PRODUCER if api in PRODUCER_APIS else CONSUMER
            if errors:
                self._add(Row("arrow", f"{api} {', '.join(map(str, errors))[:40]}", b, client, tone="error",
                              key=("err", api, b, tuple(map(str, errors)))))
            elif api == "Produce":
                self._add(Row("arrow", "ok", b, client, tone="success", key=("ok", api, b)))
        elif kind == "append":
            if d.get("control"):
                return  # markers: shown from txn_markers_written
            records = int(d.get("last_offset", 0)) - int(d.get("base_offset", 0)) + 1
            index = self._last_produce.get(b, -1)
            if 0 <= index < len(self.rows):
                self.rows[index].records += records
                self.version += 1
        elif kind == "fault":
            fault = d.get("fault")
            if broker is None or fault not in ("lose_ack", "drop"):
                return  # armed (the runner's own fault event says it), or a broker/replication fault
            api = d.get("api", "")
            client = PRODUCER if api in PRODUCER_APIS or api == "" else CONSUMER
            if fault == "lose_ack":
                self._add(Row("arrow", f"{api} ack lost", b, client, tone="error", cut=True, key=("lost", api, b)))
            else:
                self._add(Row("arrow", f"{api} dropped", client, b, tone="error", cut=True, key=("drop", api, b)))
        elif kind == "duplicate":
            self._add(Row("arrow", f"retry: dup of offset {d.get('offset')}", PRODUCER, b, tone="warning",
                          key=("dup", b)))
        elif kind == "produce_error":
            self._add(Row("mark", f"rejected {d.get('error')}", dst=b, tone="error", key=("perr", b, d.get("error"))))
        elif kind == "replicate":
            leader = d.get("leader")
            if leader is None or not b:
                return
            self._add(Row("arrow", "replicate", broker_lane(leader), b, tone="muted", key=("repl", leader, b)))
        elif kind == "truncate":
            self._add(Row("mark", f"truncated {d.get('records_removed')} rec of {d.get('topic')}-{d.get('partition')}",
                          dst=b, tone="error"), significant=True)
        elif kind in ("isr_shrink", "isr_expand"):
            word = "shrinks" if kind == "isr_shrink" else "expands"
            self._add(Row("mark", f"ISR {word} {d.get('old_isr')}→{d.get('isr')}", dst=b or broker_lane("?"),
                          tone="warning" if kind == "isr_shrink" else "success"), significant=True)
        elif kind == "leader_change":
            old, new = d.get("old_leader"), d.get("leader")
            label = f"leader of {d.get('topic')}-{d.get('partition')}"
            if isinstance(old, int) and old > 0 and isinstance(new, int) and new > 0:
                self._add(Row("arrow", label, broker_lane(old), broker_lane(new), tone="warning"), significant=True)
            elif isinstance(new, int) and new > 0:
                self._add(Row("mark", f"{label} now", dst=broker_lane(new), tone="warning"), significant=True)
            else:
                self._add(Row("note", f"{label}: none", tone="error"), significant=True)
        elif kind == "broker_stopped":
            self._add(Row("mark", "stopped", dst=b, tone="error"), significant=True)
        elif kind == "broker_started":
            self._add(Row("mark", "started", dst=b, tone="success"), significant=True)
        elif kind == "txn_begin":
            self._add(Row("mark", "transaction begins", dst=b, tone="accent", key=("txn_begin", b)))
        elif kind == "txn_markers_written":
            commit = bool(d.get("commit"))
            parts = ", ".join(map(str, d.get("partitions") or []))
            self._add(Row("mark", f"{'COMMIT' if commit else 'ABORT'} → {parts}", dst=b,
                          tone="success" if commit else "error"), significant=True)
        elif kind in ("txn_fenced", "txn_request_fenced"):
            self._add(Row("mark", f"fenced (epoch {d.get('previous_epoch', d.get('producer_epoch', '?'))})", dst=b,
                          tone="error"), significant=True)
        elif kind == "txn_timeout_abort":
            self._add(Row("mark", "transaction timed out: aborted", dst=b, tone="error"), significant=True)
        elif kind == "offset_commit" or kind == "txn_offset_commit":
            offsets = d.get("offsets") or {}
            shown = " ".join(f"{k}={v}" for k, v in offsets.items()) if isinstance(offsets, dict) else str(offsets)
            index = self._phase.get(("req", "OffsetCommit" if kind == "offset_commit" else "TxnOffsetCommit", b))
            if index is not None:
                self.rows[index].extra = shown[:40]
                self.version += 1
        elif kind == "group_rebalance_start":
            self._add(Row("mark", f"group {d.get('group')} rebalances", dst=b, tone="warning"), significant=True)

    def finish(self, outcome: Any, exit_code: int | None = 0, expected: frozenset[str] = frozenset(),
               stopped: bool = False) -> None:
        """The run's verdict at the bottom of the picture (`outcome`: engine.runs.outcome.Outcome).

        `expected`: the metrics whose value the lesson's `expect:` states and the run met (a lesson
        about aborted transactions expects acknowledged records missing from what a read_committed
        reader sees): those are drawn as the lesson's point, not as a failure. `stopped`: the
        learner stopped the run, so its exit code (a signal) says nothing about the example.
        """
        o = outcome
        if stopped:
            self.note("■ stopped: the example was killed before it finished", "warning")
        bad = False
        if o.lost:
            ids = ", ".join(o.lost_ids[:6]) + (" …" if len(o.lost_ids) > 6 else "")
            if "lost" in expected:
                self.note(f"● lost {o.lost}, as the lesson expects: acknowledged, not in the log ({ids})", "accent")
            else:
                self.note(f"✗ lost {o.lost}: acknowledged, not in the log ({ids})", "error")
                bad = True
        if o.duplicates:
            ids = ", ".join(o.duplicate_ids[:6]) + (" …" if len(o.duplicate_ids) > 6 else "")
            if "duplicates" in expected:
                self.note(f"● duplicated {o.duplicates}, as the lesson expects ({ids})", "accent")
            else:
                self.note(f"✗ duplicated {o.duplicates} ({ids})", "warning")
                bad = True
        if bad or stopped or o.lost or o.duplicates:
            return
        if not o.sent and not o.processed:
            self.note("· nothing was sent" + (f" (exit code {exit_code}: see Output)" if exit_code else ""),
                      "error" if exit_code else "muted")
        elif o.sent and not o.acknowledged:
            self.note(f"✓ nothing lost, nothing duplicated (but none of {o.sent} acknowledged)", "warning")
        else:
            self.note("✓ nothing lost, nothing duplicated", "success")


# ---------------------------------------------------------------- drawing


def lane_centres(lanes: int, width: int) -> list[int]:
    lane_width = max(1, width // max(1, lanes))
    return [i * lane_width + lane_width // 2 for i in range(lanes)]


SHORT = {PRODUCER: "prod.", CONSUMER: "cons."}


def draw_header(lanes: list[str], width: int, style: Style) -> Text:
    chars = [" "] * width
    centres = lane_centres(len(lanes), width)
    lane_width = max(1, width // max(1, len(lanes)))
    for name, centre in zip(lanes, centres):
        label = name if len(name) < lane_width else SHORT.get(name, name.replace("broker ", "b"))
        label = label[: max(1, lane_width - 1)]
        start = max(0, min(width - len(label), centre - len(label) // 2))
        for i, ch in enumerate(label):
            if 0 <= start + i < width:
                chars[start + i] = ch
    return Text("".join(chars), style=style, end="")


def draw_row(row: Row, lanes: list[str], width: int, tones: dict[str, Style]) -> Text:
    """One row as text `width` cells wide: lane lines, then the row's arrow, mark or note."""
    centres = lane_centres(len(lanes), width)
    chars = [" "] * width
    styles: list[Style | None] = [None] * width
    line_style = tones["lane"]
    for c in centres:
        if 0 <= c < width:
            chars[c], styles[c] = "│", line_style
    tone = tones.get(row.tone or "plain", tones["plain"])

    def put(x: int, text: str, style: Style) -> None:
        for i, ch in enumerate(text):
            if 0 <= x + i < width:
                chars[x + i], styles[x + i] = ch, style

    def beside(left_end: int, right_start: int, text: str, style: Style) -> None:
        """`text` right of `right_start` or left of `left_end`: where it fits, else the roomier side, cut short."""
        right, left = width - right_start, left_end
        if len(text) <= right:
            put(right_start, text, style)
        elif len(text) <= left:
            put(left_end - len(text), text, style)
        elif right >= left:
            put(right_start, text[: max(0, right - 1)] + "…", style)
        else:
            cut = text[: max(0, left - 1)] + "…"
            put(left_end - len(cut), cut, style)

    label = row.text()
    if row.kind == "note":  # one line of it: `draw_rows` wraps a longer note onto lines of its own
        put(0, label if len(label) <= width else label[: max(0, width - 1)] + "…", tone)
    elif row.kind == "mark":
        x = centres[lanes.index(row.dst)] if row.dst in lanes else 0
        put(x, "●", tone)
        beside(x - 1, x + 2, label, tone)
    elif row.kind == "arrow" and row.src in lanes and row.dst in lanes:
        a, b = centres[lanes.index(row.src)], centres[lanes.index(row.dst)]
        right = b > a
        lo, hi = (a, b) if right else (b, a)
        if row.cut:  # the message never arrives: the line stops half way with an x
            mid = (a + b) // 2
            lo, hi = (a, mid) if right else (mid, a)
            put(lo + 1, "─" * max(0, hi - lo - 1), tone)
            put(mid, "x", tone)
        else:
            put(lo + 1, "─" * max(0, hi - lo - 1), tone)
            put(b - 1 if right else b + 1, "▶" if right else "◀", tone)
        span = hi - lo - 3
        if len(label) + 2 <= span:  # the label sits on the line
            put(lo + 2 + (span - len(label)) // 2, f" {label} "[: span + 2], tone)
        else:  # beside it
            beside(lo - 1, hi + 2, label, tone)
    # One span per run of equal style, not one per cell: rendering costs per span, and a long
    # run's picture is hundreds of rows redrawn while the run goes on.
    text = Text(end="")
    start = 0
    for x in range(1, width + 1):
        if x == width or styles[x] is not styles[start]:
            text.append("".join(chars[start:x]), styles[start])
            start = x
    return text


NOTE_INDENT = 2  # a wrapped note's next lines, indented under its first


def note_lines(text: str, width: int) -> list[str]:
    """A note (a fault, the run's verdict) cut into lines of at most `width` cells, at spaces
    where it can: the verdict is the line the learner came for, so it is never cut short."""
    if len(text) <= width or width <= NOTE_INDENT * 4:
        return [text]
    lines: list[str] = []
    rest, room = text, width
    while len(rest) > room:
        cut = rest.rfind(" ", 0, room + 1)
        if cut <= 0:
            cut = room
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
        room = width - NOTE_INDENT
    if rest:
        lines.append(rest)
    return [lines[0]] + [" " * NOTE_INDENT + line for line in lines[1:]]


def row_height(row: Row, width: int) -> int:
    return len(note_lines(row.text(), width)) if row.kind == "note" else 1


def draw_rows(rows: list[Row], lanes: list[str], width: int, tones: dict[str, Style]) -> list[Text]:
    """Every row drawn, a long note on as many lines as it needs (the others are one line each)."""
    lines: list[Text] = []
    for row in rows:
        if row.kind == "note" and len(row.text()) > width:
            tone = tones.get(row.tone or "plain", tones["plain"])
            lines.extend(Text(line, style=tone, end="") for line in note_lines(row.text(), width))
        else:
            lines.append(draw_row(row, lanes, width, tones))
    return lines


TONES = {"accent": "accent", "success": "success", "warning": "warning", "error": "error",
         "muted": "foreground-muted", "plain": "foreground", "lane": "panel-lighten-2"}


def theme_tones(variables: dict[str, str]) -> dict[str, Style]:
    """The theme's colours for each tone (the picture follows the theme)."""
    tones = {}
    for tone, var in TONES.items():
        colour = variables.get(var) or variables.get("foreground") or "default"
        try:
            tones[tone] = Style(color=colour.split(" ")[0] if colour.startswith("#") else colour,
                                bold=tone in ("error",))
        except Exception:
            tones[tone] = Style()
    if "lane" in tones:
        tones["lane"] = Style(color=tones["lane"].color, dim=True)
    return tones


class PictureHeader(Widget):
    """The lane names."""

    DEFAULT_CSS = "PictureHeader { height: 1; text-wrap: nowrap; text-overflow: clip; }"

    def __init__(self, picture: "RunPicture") -> None:
        super().__init__(classes="picture-header")
        self.picture = picture

    def render(self) -> Text:
        return draw_header(self.picture.model.lanes, self.size.width, self.rich_style)


IDLE = "Press Run (ctrl+r): the requests, faults and answers appear here."


class PictureBody(ScrollView):
    """The rows, scrolled. A Line API widget: each frame draws only the lines in view (a Produce
    row is a few styled runs; drawing all of a long run's rows at every refresh kept the UI
    thread busy, and on two cores that time came out of the brokers' and the example's, so the
    lesson's latencies came out worse in the app than on the command line). A drawn line is kept
    until its row's text, the width or the lanes change; a long note takes several lines."""

    DEFAULT_CSS = "PictureBody { height: 1fr; overflow-x: hidden; }"  # rows are cut to the width, never scrolled sideways

    def __init__(self, picture: "RunPicture") -> None:
        super().__init__(classes="picture-body picture-scroll")
        self.picture = picture
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(1024)
        self._lines: list[tuple[int, int]] = []  # each line of the picture: (row index, line of that row)

    def sync(self) -> None:
        """The model changed: its lines counted for this width, redrawn (lines in view only)."""
        width = self.scrollable_content_region.width
        rows = self.picture.model.rows
        self._lines = [(i, k) for i, row in enumerate(rows) for k in range(row_height(row, width))]
        height = len(self._lines) if rows else len(note_lines(IDLE, width))
        self.virtual_size = Size(width, max(1, height))
        self.refresh()

    def on_resize(self) -> None:
        self.sync()  # the rows are drawn as wide as the view

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # another theme: the tones change

    def render_line(self, y: int) -> Strip:
        model = self.picture.model
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = self.scroll_offset.y + y
        if not model.rows:
            idle = note_lines(IDLE, width)
            if index >= len(idle):
                return Strip.blank(width, base)
            text = Text(idle[index], style=base + Style(dim=True), end="")
            return Strip(text.render(self.app.console), text.cell_len).crop_extend(0, width, base)
        if index >= len(self._lines) or self._lines[index][0] >= len(model.rows):
            return Strip.blank(width, base)
        at, line = self._lines[index]
        row = model.rows[at]
        key = (row.kind, row.text(), row.src, row.dst, row.tone, row.cut, width, tuple(model.lanes), line)
        strip = self._strips.get(key)
        if strip is None:
            drawn = draw_rows([row], model.lanes, width, theme_tones(self.app.theme_variables))
            text = drawn[min(line, len(drawn) - 1)]
            style = base + text.style if isinstance(text.style, Style) else base
            text.style = ""
            text.stylize_before(style)  # Text.render draws the spans only, not the text's own style
            strip = Strip(text.render(self.app.console), text.cell_len).crop_extend(0, width, base)
            self._strips[key] = strip
        return strip.apply_offsets(0, index)


class RunPicture(Vertical):
    """Lanes and arrows; `show(model)` to draw another run, `refresh_picture()` after changes."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.model = PictureModel.for_brokers(3)
        self._drawn = -1

    def compose(self) -> ComposeResult:
        yield PictureHeader(self)
        yield PictureBody(self)

    def show(self, model: PictureModel) -> None:
        self.model = model
        self._drawn = -1
        self.refresh_picture()

    def refresh_picture(self) -> None:
        """Redraw if the model changed; keep the newest row in view unless the learner scrolled up."""
        if self.model.version == self._drawn or not self.is_mounted:
            return
        self._drawn = self.model.version
        body = self.query_one(PictureBody)
        at_end = body.scroll_y >= body.max_scroll_y - 1
        self.query_one(PictureHeader).refresh()
        body.sync()
        if at_end:  # at once (forced: the scrollbar appears only at the next layout), so the rows above are never drawn
            body.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
