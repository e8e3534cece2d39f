"""The lesson's links in a list, for the keyboard: `l` in a lesson, then enter on one."""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from course.widgets.lesson_view import markdown_runs
from engine.model import Lesson


def lesson_links(lesson: Lesson) -> list[tuple[str, str]]:
    """(text, href) of every link in the lesson's text, in reading order, without repeats."""
    parser = MarkdownIt("commonmark")
    found: list[tuple[str, str]] = []
    for part in markdown_runs(lesson.blocks):
        if not isinstance(part, str):
            continue
        for token in parser.parse(part):
            children = token.children or []
            for i, child in enumerate(children):
                if child.type != "link_open":
                    continue
                href = str(child.attrs.get("href", ""))
                text = []
                for inner in children[i + 1:]:
                    if inner.type == "link_close":
                        break
                    text.append(inner.content)
                entry = ("".join(text).strip() or href, href)
                if href and entry not in found:
                    found.append(entry)
    return found


class LinkPicker(ModalScreen[str | None]):
    """Dismisses with the chosen href, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, links: list[tuple[str, str]]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(id="links-dialog"):
            yield Static("Links in this lesson", classes="dialog-title")
            yield OptionList(*[Option(f"{text}  →  {href}", id=str(i)) for i, (text, href) in enumerate(self.links)])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[event.option_index][1])
