"""The `?` help screen: every key that works where the learner is, read from the bindings themselves.

`collect_keys` walks the app, the screen underneath and that screen's widgets (the focused one and
its parents first, then the course's own widgets anywhere on the screen, e.g. the run panel's Run,
Stop and Reset), so a key added to a binding list shows up here without a hand-kept table.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.actions import parse
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown


@dataclass(frozen=True)
class KeyGroup:
    """The keys one part of the app answers to (a heading and `(keys, what they do)` rows)."""

    title: str
    rows: tuple[tuple[str, str], ...]


MOUSE = "The mouse works too: click options, tabs, buttons and links."
# Textual's own terse descriptions, said in full for the course's bindings of its actions.
EXPLAIN = {"command_palette": "command palette: jump to a lesson, run an example, take a quiz, switch theme",
           "quit": "quit (your progress is saved as you go)"}


def _describe(node: DOMNode) -> str:
    name = type(node).__name__
    title = {"CourseApp": "Everywhere"}.get(name)
    return title or " ".join(_split_camel(name.removesuffix("Screen"))) or name


def _split_camel(name: str) -> list[str]:
    words, word = [], ""
    for ch in name:
        if ch.isupper() and word and not word[-1].isupper():
            words.append(word)
            word = ""
        word += ch
    if word:
        words.append(word)
    return words


def _rows(app: App, node: DOMNode, seen: set[str]) -> tuple[tuple[str, str], ...]:
    """`(keys, description)` for each of the node's actions; a key a nearer node took is left out."""
    by_action: dict[tuple[str, str], list[str]] = {}
    for key, binding in node._bindings:  # noqa: SLF001 - a node's own bindings (Textual has no public list)
        what = EXPLAIN.get(binding.action) or binding.description or binding.tooltip
        if binding.system or not what or key in seen:
            continue  # a nearer widget's binding for the same key wins, as it does when pressed
        if node is app and not _available(app, binding.action):
            continue  # listed under "Everywhere", so left out where it does nothing (`x` on a quiz)
        shown = binding.key_display if binding.key_display and "," not in binding.key else app.get_key_display(binding)
        by_action.setdefault((binding.action, what), []).append(shown)
    seen.update(key for key, binding in node._bindings)  # noqa: SLF001
    return tuple((" / ".join(dict.fromkeys(keys)), what) for (_, what), keys in by_action.items())


def _available(node: DOMNode, action: str) -> bool:
    """False when the node's `check_action` says the action does nothing now (the footer hides it
    too). Only the app's keys are left out for it: a screen's or a widget's keys are listed even
    when idle (Stop before a run), so the learner meets them before they are needed."""
    namespace, name, parameters = parse(action)
    return bool(namespace) or node.check_action(name, parameters) is not False


def collect_keys(app: App, screen: Screen) -> list[KeyGroup]:
    """The key groups for `screen`: focused widget and its parents, the screen, the course's widgets, the app."""
    nodes: list[DOMNode] = []
    focused = screen.focused
    if focused is not None:
        nodes.extend(n for n in focused.ancestors_with_self if n is not screen and n is not app)
    nodes.append(screen)
    for widget in screen.walk_children():  # the course's own widgets, focused or not (Run, Stop, Reset)
        if type(widget).__module__.startswith("course.") and widget not in nodes:
            nodes.append(widget)
    nodes.append(app)
    groups: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for node in nodes:
        rows = _rows(app, node, seen)
        if rows:
            groups.setdefault(_describe(node), []).extend(rows)
    groups.setdefault("Everywhere", []).append(("ctrl+q", "quit"))
    return [KeyGroup(title, tuple(rows)) for title, rows in groups.items()]


def help_markdown(groups: list[KeyGroup]) -> str:
    lines = ["# Keys", ""]
    for group in groups:
        lines += [f"**{group.title}**", "", "| Key | Does |", "|---|---|"]
        lines += [f"| `{keys}` | {what.replace('|', '/')} |" for keys, what in group.rows]
        lines.append("")
    lines.append(MOUSE)
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists the keys handed to it (`collect_keys` of the screen it was opened over)."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, groups: list[KeyGroup] | None = None) -> None:
        super().__init__()
        self.groups = list(groups or [])

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(help_markdown(self.groups))

    def on_mount(self) -> None:
        self.query_one("#help-dialog").focus()

    def action_close(self) -> None:
        self.dismiss()
