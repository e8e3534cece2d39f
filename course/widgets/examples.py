"""A lesson's runnable examples, read-only: the place the run panel takes over.

LessonScreen mounts `ExampleSources` in its "Examples" tab (id `run`) for every lesson with
`lesson.examples`. The run panel (editor, Run, live picture, tally) replaces it there: see
`LessonScreen.examples_area`.
"""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TextArea

from engine.model import Example


class ExampleSource(Vertical):
    """One example's title and script, read in a worker, shown with Python highlighting."""

    def __init__(self, example: Example) -> None:
        super().__init__(classes="example")
        self.example = example

    def compose(self) -> ComposeResult:
        title = self.example.title or self.example.name
        yield Static(f"{title}  ({self.example.script.name})", classes="example-title", markup=False)
        yield TextArea.code_editor("", language="python", read_only=True, classes="example-code")

    def on_mount(self) -> None:
        self.load_script()

    @work(exclusive=True, group="load-script")
    async def load_script(self) -> None:
        editor = self.query_one(TextArea)
        try:
            text = await asyncio.to_thread(self.example.script.read_text, encoding="utf-8")
        except OSError as error:
            editor.load_text(f"# could not read {self.example.script}: {error.strerror or error}")
            return
        editor.load_text(text)


class ExampleSources(VerticalScroll):
    """Every example of a lesson, one after the other."""

    def __init__(self, examples: list[Example], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="examples")
        self.examples = examples

    def compose(self) -> ComposeResult:
        for example in self.examples:
            yield ExampleSource(example)
