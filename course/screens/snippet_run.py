"""A page's code block run against a fresh sandbox, in a modal: the picture of its requests, what
its client printed, and one line of status (or why it cannot run).

The block reaches this screen as data (engine.jvm.snippets.SnippetBlock); the run happens in a
thread worker through engine.jvm.snippets.run_block (the runner with a default scenario), and
its events are drained onto the picture on the UI thread.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Log

from course.widgets.run_picture import PictureModel, RunPicture
from engine.jvm.snippets import SnippetBlock, SnippetError, request_lines, run_block


class SnippetRunScreen(ModalScreen[None]):
    """Runs one block on mount; Escape closes it (and stops a run still going)."""

    DEFAULT_CSS = """
    SnippetRunScreen { align: center middle; }
    SnippetRunScreen > Vertical { width: 90%; height: 90%; border: round $accent; background: $surface; }
    SnippetRunScreen #snippet-status { height: auto; padding: 0 1; }
    SnippetRunScreen RunPicture { height: 1fr; }
    SnippetRunScreen #snippet-output { height: 10; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, block: SnippetBlock) -> None:
        super().__init__()
        self.block = block
        self.model = PictureModel.for_brokers(3)
        self._events: collections.deque[Any] = collections.deque()
        self._cancel = threading.Event()
        self.status = ""
        self.summary: list[str] = []  # the requests the sandbox saw, once the run is over

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"block {self.block.number} ({self.block.language}) — starting…", id="snippet-status")
            yield RunPicture()
            yield Log(id="snippet-output")

    def on_mount(self) -> None:
        self.query_one(RunPicture).show(self.model)
        self.set_interval(0.1, self._drain)
        self._run()

    def _set_status(self, text: str) -> None:
        self.status = text
        self.query_one("#snippet-status", Label).update(text)

    @work(thread=True, exclusive=True, group="snippet-run")
    def _run(self) -> None:
        try:
            result = run_block(self.block, listener=self._events.append, cancel=self._cancel)
        except SnippetError as exc:
            self.app.call_from_thread(self._finished, None, str(exc))
            return
        except Exception as exc:  # the sandbox could not start, ...
            self.app.call_from_thread(self._finished, None, f"the run failed: {exc}")
            return
        self.app.call_from_thread(self._finished, result, "")

    def _drain(self) -> None:
        if not self.is_attached:
            return
        lines = []
        while self._events:
            event = self._events.popleft()
            if event.kind == "output":
                lines.append(event.text)
            elif event.kind == "started":
                self._set_status(f"block {self.block.number} ({self.block.language}) running against the sandbox…")
            self.model.add(event)
        if lines:
            self.query_one("#snippet-output", Log).write_lines(lines)
        self.query_one(RunPicture).refresh_picture()

    def _finished(self, result: Any, error: str) -> None:
        if not self.is_attached:
            return
        self._drain()
        if result is None:
            self._set_status(f"cannot run: {error.splitlines()[0] if error else 'unknown reason'}")
            return
        self.summary = request_lines(result.events)
        self.model.finish(result.outcome, result.exit_code)
        self.query_one(RunPicture).refresh_picture()
        state = "killed at the timeout" if result.timed_out else f"exit code {result.exit_code}"
        self._set_status(f"block {self.block.number} ({self.block.language}): {state}, {result.duration:.1f} s — "
                         + ", ".join(dict.fromkeys(s.split(": ", 1)[1] for s in self.summary)))

    def action_close(self) -> None:
        self._cancel.set()
        self.dismiss(None)
