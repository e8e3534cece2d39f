"""The lesson reader: a lesson's blocks as Markdown, code tabs, diagrams and visible shortcodes.

A long lesson is hundreds of Markdown block widgets: mounting them all before the first paint
left the reader blank for seconds. The reader composes only about a screenful (FIRST_CHARS of
Markdown, cut at a heading or a paragraph outside code fences), paints it, then mounts the rest
in small batches between frames, and posts `LessonView.Complete` once everything is there (links
to anchors further down need the whole lesson).
"""

from __future__ import annotations

import re
from typing import Iterable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Markdown, Static

from course.widgets.code_group import CodeGroupTabs
from course.widgets.diagram import DiagramView
from course.widgets.gc_hold import hold, release
from course.widgets.mounting import is_leaving, mount_into
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


FIRST_CHARS = 1200  # about a screenful of text: what is composed before the first paint
CHUNK_CHARS = 1200  # the Markdown handed to one widget (cut at a heading or paragraph)
BATCH_CHARS = 6000  # mounted together after the first paint (each mount costs a whole layout pass)
FENCE = re.compile(r"^\s*(```|~~~)")


def split_markdown(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """`text` cut into pieces of about `size` characters, only where a new heading or paragraph
    starts outside a code fence (and not inside a list item's continuation), so each piece renders
    as it would have inside the whole."""
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    fenced = False
    previous = ""
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        starts_block = (not fenced and previous.strip() == "" and line.strip() != ""
                        and not line.startswith((" ", "\t", "-", "*", "+", ">", "|")) and not line[:1].isdigit())
        if starts_block and (line.startswith("#") and length >= size // 3 or length >= size) and current:
            pieces.append("\n".join(current).strip("\n"))
            current, length = [], 0
        current.append(line)
        length += len(line) + 1
        previous = line
    if current:
        pieces.append("\n".join(current).strip("\n"))
    return [piece for piece in pieces if piece.strip()]


def reader_parts(blocks: Iterable[Block]) -> list[str | Block]:
    """The lesson's parts as the reader mounts them: Markdown runs cut into pieces, other blocks as they are."""
    parts: list[str | Block] = []
    for part in markdown_runs(blocks):
        parts.extend(split_markdown(part) if isinstance(part, str) else [part])
    return parts


def first_screenful(parts: list[str | Block]) -> list[str | Block]:
    """Take from `parts` what is composed before the first paint: the first piece, then Markdown
    pieces while they fit in FIRST_CHARS (each widget mounted before the paint delays it). A code group or diagram met after the first piece waits for the batches
    that follow the paint (a code group is a tab per language, each a highlighted Markdown fence:
    building them before the first paint made the text wait for code below the fold)."""
    first: list[str | Block] = []
    shown = 0
    while parts and (not first or (isinstance(parts[0], str) and shown + len(parts[0]) <= FIRST_CHARS)):
        part = parts.pop(0)
        shown += len(part) if isinstance(part, str) else FIRST_CHARS
        first.append(part)
    return first


class ShortcodeNote(Static):
    """A shortcode the content engine did not understand, left visible."""

    def __init__(self, shortcode: Shortcode) -> None:
        super().__init__(shortcode.text, markup=False, classes="shortcode")
        self.border_title = f"unsupported shortcode: {shortcode.name}"


class LessonView(VerticalScroll):
    """Everything a lesson says, top to bottom. Links post Markdown.LinkClicked upward."""

    class Complete(Message):
        """Every part of the lesson is mounted (bubbles to the screen)."""

        def __init__(self, view: "LessonView") -> None:
            super().__init__()
            self.view = view

    def __init__(self, lesson: Lesson, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="lesson-view")
        self.lesson = lesson
        self.complete = False  # set (and Complete posted) once the last part is mounted
        self._later: list[str | Block] = []  # the parts mounted after the first paint
        self._collections: object = None  # the hold on garbage collections until the first paint

    def compose(self) -> ComposeResult:
        # Garbage collections wait until the first screenful is painted (course.widgets.gc_hold).
        self._collections = hold()
        lesson = self.lesson
        yield Static(lesson.title, classes="lesson-title", markup=False)
        if lesson.description:
            yield Static(lesson.description, classes="lesson-description", markup=False)
        errors = [problem for problem in lesson.problems if problem.severity == "error"]
        if errors:
            yield ProblemsPanel(errors, title="This lesson did not load cleanly")
        parts = reader_parts(lesson.blocks)
        for part in first_screenful(parts):
            yield self.block_widget(part)
        self._later = parts

    def watch_has_focus(self, _has_focus: bool) -> None:
        """Restyle the reader alone when it gains or loses the keyboard: Textual's default restyles
        every descendant (a long lesson's thousands of nodes: a second or more on a loaded machine,
        at each switch between the Lesson and Examples tabs), and nothing inside depends on it."""
        self.app.stylesheet.update_nodes([self], animate=True)

    def on_mount(self) -> None:
        # After the first paint: the learner reads the first screenful while the rest mounts.
        if not self.call_after_refresh(release, self._collections):
            release(self._collections)
        self.call_after_refresh(self._start_mounting_rest)

    def _start_mounting_rest(self) -> None:
        # (the coroutine is made here, not in on_mount: a view closed before its first paint
        # would leave one that was never awaited)
        self.run_worker(self._mount_rest(), group="lesson-rest", exclusive=True)

    async def _mount_rest(self) -> None:
        while self._later:
            batch: list[Widget] = []
            size = 0
            while self._later and (not batch or size < BATCH_CHARS):
                part = self._later.pop(0)
                size += len(part) if isinstance(part, str) else FIRST_CHARS
                batch.append(self.block_widget(part))
            if not await mount_into(self, *batch):
                return  # the lesson is being closed
        if not is_leaving(self):
            self.complete = True
            self.post_message(self.Complete(self))

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
