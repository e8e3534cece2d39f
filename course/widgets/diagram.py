"""A mermaid diagram shown as a text picture (see course.widgets.mermaid)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.widgets import Static

from course.widgets.mermaid import render_mermaid
from engine.model import Diagram


class DiagramView(HorizontalScroll):
    """The picture, scrolling sideways when it is wider than the reader."""

    def __init__(self, diagram: Diagram) -> None:
        super().__init__(classes="diagram")
        self.diagram = diagram

    def compose(self) -> ComposeResult:
        if self.diagram.kind == "mermaid":
            picture = render_mermaid(self.diagram.source)
        else:
            picture = f"({self.diagram.kind} diagram, shown as source)\n{self.diagram.source}"
        yield Static(picture, markup=False, classes="diagram-picture")
