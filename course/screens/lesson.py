"""A lesson: the reader, and for lessons with runnable examples an "Examples" tab.

`examples_area` returns what the Examples tab (id `run`) holds: the run panel (editor, Run,
live picture, tally), course/widgets/run_panel.py.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Input, Markdown, TabbedContent, TabPane, TextArea
from textual.widgets.markdown import MarkdownBlock

from course.screens.links import LinkPicker, lesson_links
from course.widgets.code_group import CodeGroupTabs, ordered_samples, tab_label
from course.widgets.footer import KeyFooter
from course.widgets.lesson_view import LessonView
from course.widgets.messages import MarkDone, OpenLesson, TakeQuiz
from course.widgets.mounting import mount_into
from course.widgets.run_panel import RunPanel
from engine.model import Lesson

LESSON_LINK = "lesson:"


def browser_available() -> bool:
    """Whether a browser can open here: macOS and Windows have one; elsewhere only a display
    (X11, Wayland) or a $BROWSER the learner named. Over SSH there usually is neither."""
    if sys.platform in ("darwin", "win32"):
        return True
    return any(os.environ.get(name) for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"))


def parse_lesson_link(href: str) -> tuple[str, str | None] | None:
    """`lesson:<id>` or `lesson:<id>#anchor` -> (id, anchor); anything else -> None."""
    if not href.startswith(LESSON_LINK):
        return None
    target = href[len(LESSON_LINK):].strip().strip("/")
    lesson_id, _, anchor = target.partition("#")
    return lesson_id, anchor or None


class LessonScreen(Screen):
    """One lesson at a time; the app hands it the course's lessons in reading order (for next and
    previous) and where examples run (`bootstrap_servers`, None for the sandbox), and hears from it
    through messages (`OpenLesson`, `TakeQuiz`, `MarkDone`).
    """

    BINDINGS = [
        Binding("escape", "outline", "Outline"),
        # Priority: looked up as the key arrives, not once it has bubbled up from the focused widget,
        # which a lesson swap may remove first (a quick `]` `e` would lose the `e`). Their actions
        # step aside (SkipAction) while the keyboard is in a text field.
        Binding("left_square_bracket,p", "previous", "Prev", priority=True),
        Binding("right_square_bracket,n", "next", "Next", priority=True),
        Binding("t", "quiz", "Quiz"),
        Binding("e", "examples", "Examples", priority=True),
        Binding("d", "done", "Done"),
        Binding("l", "links", "Links"),
        Binding("y", "copy_code", "Copy code", show=False),
        Binding("slash,ctrl+f", "search", "Search", show=False),
    ]

    DEFAULT_CSS = """
    #lesson-search { dock: bottom; margin-bottom: 1; display: none; }
    #lesson-search.-open { display: block; }
    .lesson-view MarkdownBlock.-search-match { background: $warning 15%; }
    .lesson-view MarkdownBlock.-search-current { background: $warning 45%; }
    """

    def __init__(self, lesson: Lesson, anchor: str | None = None, tab: str | None = None, *,
                 lessons: Sequence[Lesson] = (), bootstrap_servers: str | None = None) -> None:
        super().__init__(classes="lesson-screen")
        self.lesson = lesson
        self.lessons = tuple(lessons)  # the course's lessons in reading order
        self.bootstrap_servers = bootstrap_servers
        self.anchor = anchor
        self.tab = tab  # the tab to open on ("read" or "run"), for a lesson with examples
        self.shown: str | None = None  # the id of the lesson whose widgets are mounted, None while swapping
        # Where next/previous last pointed: keys pressed while a lesson still mounts step on from
        # there (the app opens the lessons asked for one after the other), so none is dropped.
        self.heading_to: str | None = None
        self.tab_ahead: str | None = None  # the tab `e` asked for meanwhile, for the lesson heading_to names
        self.sub_title = lesson.title  # before mounting: the Header reads it when it mounts
        self._links: tuple[Lesson, list[tuple[str, str]]] | None = None  # (lesson, its links), see links()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Container(*self.body_widgets(self.lesson, self.tab), id="lesson-body")
        yield Input(placeholder="search this lesson: enter for the next match, escape to close", id="lesson-search")
        yield KeyFooter()  # (rebuilt only when its keys change: focus moves often here)

    def body_widgets(self, lesson: Lesson, tab: str | None = None) -> list[Widget]:
        """The reader, or for a lesson with examples the reader and the Examples tab (`tab` open first)."""
        reader = LessonView(lesson, id="reader")
        if not lesson.examples:
            return [reader]
        # The first tab is chosen here rather than set after mounting: the tabs activate their
        # first tab as they mount, in a message that would arrive after (and undo) such a change.
        tabs = TabbedContent(id="lesson-tabs", initial=tab if tab in ("read", "run") else "read")
        tabs.compose_add_child(TabPane("Lesson", reader, id="read"))
        tabs.compose_add_child(TabPane("Examples", self.examples_area(lesson), id="run"))
        return [tabs]

    def examples_area(self, lesson: Lesson) -> Widget:
        """What the Examples tab holds: the run panel's place."""
        return RunPanel(lesson, bootstrap_servers=self.bootstrap_servers, id="examples")

    def on_mount(self) -> None:
        self._arrive()  # compose has mounted the body (and its children) before Mount is sent

    async def show_lesson(self, lesson: Lesson, anchor: str | None = None, tab: str | None = None) -> None:
        """Show another lesson in this screen (links, next, previous, the palette).

        `self.lesson` changes only once the new lesson's widgets are mounted, so whoever reads it
        (the footer's bindings, the app, tests) sees the lesson that is on screen.
        """
        body = self.query_one("#lesson-body")
        # An Examples panel being built off-screen finishes first: widgets removed while they are
        # still mounting (a Select setting its value) would find their own parts gone.
        for panel in body.query(RunPanel):
            await panel.settle()
        # Stop the old lesson's work first: removal takes a widget's children before the widget,
        # and a worker still running in between would find its widgets gone.
        leaving = set(body.walk_children())
        for worker in list(self.app.workers):
            if worker.node in leaving:
                worker.cancel()
        self.shown = None
        self.tab = tab  # asked for; `e` pressed while the lesson mounts changes it (action_examples)
        await body.remove_children()
        if not await mount_into(body, *self.body_widgets(lesson, self.tab)):
            return  # this screen is being closed (popped, or the app is quitting): nothing to show
        self.lesson, self.anchor = lesson, anchor
        if self.heading_to == lesson.id:
            self.heading_to = None  # arrived: the next step starts from the lesson on screen
            self.tab, self.tab_ahead = self.tab_ahead or self.tab, None
        self.sub_title = lesson.title
        self._arrive()

    def _arrive(self) -> None:
        """Keyboard on the reader, footer for this lesson; the rest once the reader is complete."""
        if self.tab != "run" or not self.lesson.examples:  # (focus in the reader would switch to its tab)
            for reader in self.query("#reader"):
                # Focused now, not after the queue (Widget.focus): a key read meanwhile (`e`) would
                # move the keyboard first, and the late focus would then take its tab back.
                self.set_focus(reader)
        self.refresh_bindings()
        for reader in self.query("#reader").results(LessonView):
            if reader.complete:
                self._complete()

    def on_lesson_view_complete(self, message: LessonView.Complete) -> None:
        """The reader mounted the last part of a long lesson (it paints the first screenful first)."""
        message.stop()
        if message.view.lesson is self.lesson and message.view in self.query("#reader").results(LessonView):
            self._complete()

    def _complete(self) -> None:
        """The whole lesson is mounted: `shown` says so, the anchor can be reached, and the Examples
        tab is built off-screen meanwhile (switching to it then only lays it out)."""
        if self.shown == self.lesson.id:
            return
        self.shown = self.lesson.id
        self._show_tab(self.tab)  # the tab asked for while the lesson mounted
        if self.anchor:
            # The Markdown has its headings (mounting waited for them); scrolling to one needs
            # their positions, known after the next layout.
            self.call_after_refresh(self.goto_anchor, self.anchor)
        for panel in self.query(RunPanel):
            panel.prepare()

    def goto_anchor(self, anchor: str) -> None:
        for markdown in self.query("#reader Markdown").results(Markdown):
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
            self.open_outside(href)
        else:
            self.notify(f"This link leads outside the course: {href}", severity="warning")

    def open_outside(self, url: str) -> None:
        """A link out of the course: the browser where there is one; else (over SSH, in a bare
        console) the URL in a notification and on the clipboard (OSC 52 reaches the learner's terminal)."""
        if browser_available():
            try:
                self.app.open_url(url)
                return
            except Exception:  # webbrowser found nothing to run after all
                pass
        self.app.copy_to_clipboard(url)
        self.notify(f"No browser here: the link is copied to the clipboard.\n{url}", title="Link", timeout=12)

    def _neighbour(self, step: int) -> Lesson | None:
        lessons = self.lessons
        ids = [lesson.id for lesson in lessons]
        here = self.heading_to if self.heading_to in ids else self.lesson.id
        if here not in ids:
            return None
        i = ids.index(here) + step
        return lessons[i] if 0 <= i < len(lessons) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quiz":
            return self.lesson.quiz is not None
        if action == "examples":
            return bool(self.lesson.examples)
        if action == "links":
            return bool(self.links())
        if action == "previous":
            return self._neighbour(-1) is not None or None
        if action == "next":
            return self._neighbour(1) is not None or None
        return True

    def action_outline(self) -> None:
        search = self.query_one("#lesson-search", Input)
        if search.has_class("-open"):  # escape closes the search first
            self.close_search()
            return
        self.app.pop_screen()

    # ------------------------------------------------------------ searching the lesson text

    def action_search(self) -> None:
        """Open the search line (`/`, ctrl+f): matching blocks are tinted, the current one stronger."""
        for tabs in self.query("#lesson-tabs").results(TabbedContent):
            tabs.active = "read"
        search = self.query_one("#lesson-search", Input)
        search.add_class("-open")
        search.focus()
        self._matches: list[MarkdownBlock] = []
        self._match = -1

    def close_search(self) -> None:
        search = self.query_one("#lesson-search", Input)
        search.remove_class("-open")
        self._mark([], -1)
        for reader in self.query("#reader"):
            reader.focus()

    def search_matches(self, query: str) -> list[MarkdownBlock]:
        """The reader's innermost Markdown blocks whose text holds `query` (case-insensitive), top to bottom."""
        query = query.strip().lower()
        if not query:
            return []
        found = []
        for block in self.query("#reader MarkdownBlock").results(MarkdownBlock):
            if block.query_children(MarkdownBlock):
                continue  # a list or quote: its items are matched one by one
            if not all(node.display for node in block.ancestors_with_self if isinstance(node, Widget)):
                continue  # in a code group's tab that is not open
            text = block._content.plain or block.source or ""  # noqa: SLF001 (the block's shown text)
            if query in text.lower():
                found.append(block)
        return found

    def _mark(self, matches: list[MarkdownBlock], current: int) -> None:
        for block in getattr(self, "_matches", []):
            block.remove_class("-search-match", "-search-current")
        self._matches, self._match = matches, current
        for i, block in enumerate(matches):
            block.add_class("-search-current" if i == current else "-search-match")
        if 0 <= current < len(matches):
            matches[current].scroll_visible(animate=False, top=True)
        search = self.query_one("#lesson-search", Input)
        search.border_title = (f"{current + 1} of {len(matches)}" if matches else "no match") if search.value.strip() \
            else None

    @on(Input.Changed, "#lesson-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        matches = self.search_matches(event.value)
        self._mark(matches, 0 if matches else -1)

    @on(Input.Submitted, "#lesson-search")
    def _search_next(self, event: Input.Submitted) -> None:
        """Enter: the next match (round to the first after the last)."""
        event.stop()
        if self._matches:
            self._mark(self._matches, (self._match + 1) % len(self._matches))

    def _typing(self) -> bool:
        """The keyboard is in a text field (the search line, the example's editor): letters are text."""
        focused = self.focused
        return isinstance(focused, Input) or (isinstance(focused, TextArea) and not focused.read_only)

    def action_previous(self) -> None:
        if self._typing():
            raise SkipAction()
        if (lesson := self._neighbour(-1)) is not None:
            self.heading_to = lesson.id
            self.post_message(OpenLesson(lesson.id))

    def action_next(self) -> None:
        if self._typing():
            raise SkipAction()
        if (lesson := self._neighbour(1)) is not None:
            self.heading_to = lesson.id
            self.post_message(OpenLesson(lesson.id))

    def action_quiz(self) -> None:
        if self.lesson.quiz is not None:
            self.post_message(TakeQuiz(self.lesson.quiz.id))

    def run_example(self, name: str) -> None:
        """Show the Examples tab and run example `name` as soon as it has loaded."""
        if not self.lesson.examples:
            return

        # The app calls this once the lesson is mounted (show_lesson and push_screen are awaited,
        # with the Examples tab open first when the lesson was opened to run): the tabs and the
        # panel are there, unless the screen is already closing.
        for tabs in self.query("#lesson-tabs").results(TabbedContent):
            tabs.active = "run"  # the panel builds itself when shown, then runs what was requested
        for panel in self.query(RunPanel):
            # The keyboard goes with the tab: focus left in the reader (the palette gives it back
            # when it closes) would bring the Lesson tab to the front again.
            panel.take_keyboard()
            panel.request_run(name)

    def action_examples(self) -> None:
        """`e`: the Examples tab, or back to the Lesson. Pressed while a lesson is on its way (next,
        previous) or still mounting, it is remembered (`tab_ahead`, `tab`) and shown once the lesson
        is complete; meanwhile the settling tabs keep to it (_tab_activated)."""
        if self._typing():
            raise SkipAction()
        if self.heading_to is not None:  # next/previous pressed: `e` is for the lesson on its way
            self.tab_ahead = "read" if self.tab_ahead == "run" else "run"
            return
        tabs = next(iter(self.query("#lesson-tabs").results(TabbedContent)), None)
        settling = self.shown != self.lesson.id
        current = self.tab if (settling or tabs is None) and self.tab else (tabs.active if tabs else "read")
        self.tab = "read" if current == "run" else "run"
        if not settling:
            self._show_tab(self.tab)

    def _show_tab(self, tab: str | None) -> None:
        """Bring `tab` ("read" or "run") to the front, with the keyboard in it: focus left in the
        other tab would bring that one back."""
        if tab not in ("read", "run"):
            return
        for tabs in self.query("#lesson-tabs").results(TabbedContent):
            if tabs.active != tab:
                tabs.active = tab
            inside = self.focused is not None and tabs.get_pane(tab) in self.focused.ancestors_with_self
            if not inside:
                for widget in self.query("#examples" if tab == "run" else "#reader"):
                    self.set_focus(widget)

    @on(TabbedContent.TabActivated, "#lesson-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """While the lesson mounts, the tab asked for stays in front: the tabs activate their first
        tab as they mount, after a key that may already have asked for the other one."""
        if self.shown != self.lesson.id and self.tab in ("read", "run") and event.pane.id != self.tab:
            self.call_later(self._show_tab, self.tab)

    def action_copy_code(self) -> None:
        """Copy the code sample on screen (the first code group in view, its open tab) to the clipboard."""
        groups = list(self.query("#reader CodeGroupTabs").results(CodeGroupTabs))
        if not groups:
            self.notify("This lesson has no code samples to copy.", severity="warning", timeout=3)
            return
        readers = list(self.query("#reader"))
        view = readers[0].region if readers else None
        in_view = [g for g in groups if view is not None and g.display and view.overlaps(g.region)]
        focused = self.focused
        group = next((g for g in groups if focused is not None and g in focused.ancestors_with_self),
                     (in_view or groups)[0])
        samples = ordered_samples(group.group)
        panes = list(group.query(TabPane))
        active = group.active_pane
        index = panes.index(active) if active in panes else 0
        sample = samples[min(index, len(samples) - 1)]
        self.app.copy_to_clipboard(sample.code)
        self.notify(f"Copied the {tab_label(sample)} sample ({len(sample.code.splitlines())} lines).", timeout=3)

    def links(self) -> list[tuple[str, str]]:
        """The lesson's links, parsed once per lesson: the footer asks (check_action) at every
        change of focus or bindings, and parsing a whole lesson's Markdown took a good part of a
        second each time, on the switch to the Examples tab among others."""
        if self._links is None or self._links[0] is not self.lesson:
            self._links = (self.lesson, lesson_links(self.lesson))
        return self._links[1]

    def action_links(self) -> None:
        links = self.links()
        if links:
            self.app.push_screen(LinkPicker(links), self.follow_link)

    def action_done(self) -> None:
        self.post_message(MarkDone(self.lesson.id))
