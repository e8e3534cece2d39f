"""A lesson: the reader, and for lessons with runnable examples an "Examples" tab.

`examples_area` returns what the Examples tab (id `run`) holds: the run panel (editor, Run,
live picture, tally), course/widgets/run_panel.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Markdown, TabbedContent, TabPane

from course.screens.links import LinkPicker, lesson_links
from course.widgets.lesson_view import LessonView
from course.widgets.messages import MarkDone, OpenLesson, TakeQuiz
from course.widgets.run_panel import RunPanel
from engine.model import Lesson

if TYPE_CHECKING:
    from course.app import CourseApp

LESSON_LINK = "lesson:"


def parse_lesson_link(href: str) -> tuple[str, str | None] | None:
    """`lesson:<id>` or `lesson:<id>#anchor` -> (id, anchor); anything else -> None."""
    if not href.startswith(LESSON_LINK):
        return None
    target = href[len(LESSON_LINK):].strip().strip("/")
    lesson_id, _, anchor = target.partition("#")
    return lesson_id, anchor or None


class LessonScreen(Screen):
    app: "CourseApp"

    BINDINGS = [
        Binding("escape", "outline", "Outline"),
        Binding("left_square_bracket,p", "previous", "Prev"),
        Binding("right_square_bracket,n", "next", "Next"),
        Binding("t", "quiz", "Quiz"),
        Binding("e", "examples", "Examples"),
        Binding("d", "done", "Done"),
        Binding("l", "links", "Links"),
    ]

    def __init__(self, lesson: Lesson, anchor: str | None = None) -> None:
        super().__init__(classes="lesson-screen")
        self.lesson = lesson
        self.anchor = anchor
        self.sub_title = lesson.title  # before mounting: the Header reads it when it mounts

    def compose(self) -> ComposeResult:
        yield Header()
        yield Container(*self.body_widgets(), id="lesson-body")
        yield Footer()

    def body_widgets(self) -> list[Widget]:
        """The reader, or for a lesson with examples the reader and the Examples tab."""
        reader = LessonView(self.lesson, id="reader")
        if not self.lesson.examples:
            return [reader]
        tabs = TabbedContent(id="lesson-tabs")
        tabs.compose_add_child(TabPane("Lesson", reader, id="read"))
        tabs.compose_add_child(TabPane("Examples", self.examples_area(), id="run"))
        return [tabs]

    def examples_area(self) -> Widget:
        """What the Examples tab holds: the run panel's place."""
        return RunPanel(self.lesson, id="examples")

    def on_mount(self) -> None:
        self._arrive()

    async def show_lesson(self, lesson: Lesson, anchor: str | None = None) -> None:
        """Show another lesson in this screen (links, next, previous, the palette)."""
        body = self.query_one("#lesson-body")
        # Stop the old lesson's work first: removal takes a widget's children before the widget,
        # and a worker still running in between would find its widgets gone.
        leaving = set(body.walk_children())
        for worker in list(self.app.workers):
            if worker.node in leaving:
                worker.cancel()
        await body.remove_children()
        self.lesson, self.anchor = lesson, anchor
        self.sub_title = lesson.title
        await body.mount_all(self.body_widgets())
        self._arrive()

    def _arrive(self) -> None:
        self.query_one("#reader").focus()
        self.refresh_bindings()
        if self.anchor:
            self.call_after_refresh(self.goto_anchor, self.anchor)

    def goto_anchor(self, anchor: str) -> None:
        for markdown in self.query_one("#reader").query(Markdown):
            if markdown.goto_anchor(anchor):
                return

    @on(Markdown.LinkClicked)
    def on_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow_link(event.href)

    def follow_link(self, href: str | None) -> None:
        if not href:
            return
        target = parse_lesson_link(href)
        if target is not None:
            self.post_message(OpenLesson(*target))
        elif href.startswith("#"):
            self.goto_anchor(href[1:])
        elif href.startswith(("http://", "https://", "mailto:")):
            self.app.open_url(href)
        else:
            self.notify(f"This link leads outside the course: {href}", severity="warning")

    def _neighbour(self, step: int) -> Lesson | None:
        if self.app.course is None:
            return None
        lessons = list(self.app.course.lessons())
        ids = [lesson.id for lesson in lessons]
        if self.lesson.id not in ids:
            return None
        i = ids.index(self.lesson.id) + step
        return lessons[i] if 0 <= i < len(lessons) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quiz":
            return self.lesson.quiz is not None
        if action == "examples":
            return bool(self.lesson.examples)
        if action == "links":
            return bool(lesson_links(self.lesson))
        if action == "previous":
            return self._neighbour(-1) is not None or None
        if action == "next":
            return self._neighbour(1) is not None or None
        return True

    def action_outline(self) -> None:
        self.app.pop_screen()

    def action_previous(self) -> None:
        if (lesson := self._neighbour(-1)) is not None:
            self.post_message(OpenLesson(lesson.id))

    def action_next(self) -> None:
        if (lesson := self._neighbour(1)) is not None:
            self.post_message(OpenLesson(lesson.id))

    def action_quiz(self) -> None:
        if self.lesson.quiz is not None:
            self.post_message(TakeQuiz(self.lesson.quiz.id))

    def run_example(self, name: str) -> None:
        """Show the Examples tab and run example `name` as soon as it has loaded."""
        if not self.lesson.examples:
            return

        def show_and_run() -> None:  # after the refresh: a lesson just opened or swapped in is laid out
            self.query_one(TabbedContent).active = "run"
            self.query_one(RunPanel).request_run(name)

        self.call_after_refresh(show_and_run)

    def action_examples(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "read" if tabs.active == "run" else "run"

    def action_links(self) -> None:
        links = lesson_links(self.lesson)
        if links:
            self.app.push_screen(LinkPicker(links), self.follow_link)

    def action_done(self) -> None:
        self.post_message(MarkDone(self.lesson.id))
