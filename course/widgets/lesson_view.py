"""The lesson reader: a lesson's blocks as Markdown, code tabs, diagrams and visible shortcodes."""

from __future__ import annotations

from typing import Iterable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown, Static

from course.widgets.code_group import CodeGroupTabs
from course.widgets.diagram import DiagramView
from course.widgets.problems import ProblemsPanel
from engine.model import Block, CodeGroup, Diagram, Heading, Lesson
from engine.model import Markdown as MarkdownBlock
from engine.model import Shortcode


def markdown_runs(blocks: Iterable[Block]) -> Iterable[str | Block]:
    """Consecutive Markdown and Heading blocks joined into one Markdown source; others as they are."""
    run: list[str] = []
    for block in blocks:
        if isinstance(block, MarkdownBlock):
            run.append(block.text)
        elif isinstance(block, Heading):
            run.append(f"{'#' * max(1, min(block.level, 6))} {block.text}")
        else:
            if run:
                yield "\n\n".join(run)
                run = []
            yield block
    if run:
        yield "\n\n".join(run)


class ShortcodeNote(Static):
    """A shortcode the content engine did not understand, left visible."""

    def __init__(self, shortcode: Shortcode) -> None:
        super().__init__(shortcode.text, markup=False, classes="shortcode")
        self.border_title = f"unsupported shortcode: {shortcode.name}"


class LessonView(VerticalScroll):
    """Everything a lesson says, top to bottom. Links post Markdown.LinkClicked upward."""

    def __init__(self, lesson: Lesson, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="lesson-view")
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        lesson = self.lesson
        yield Static(lesson.title, classes="lesson-title", markup=False)
        if lesson.description:
            yield Static(lesson.description, classes="lesson-description", markup=False)
        errors = [problem for problem in lesson.problems if problem.severity == "error"]
        if errors:
            yield ProblemsPanel(errors, title="This lesson did not load cleanly")
        for part in markdown_runs(lesson.blocks):
            yield self.block_widget(part)

    def block_widget(self, part: str | Block) -> Widget:
        if isinstance(part, str):
            return Markdown(part, open_links=False)
        if isinstance(part, CodeGroup):
            return CodeGroupTabs(part)
        if isinstance(part, Diagram):
            return DiagramView(part)
        if isinstance(part, Shortcode):
            return ShortcodeNote(part)
        return Static(f"(a {type(part).__name__} block the reader cannot show)", classes="shortcode")
