"""The `?` help screen: what each screen's keys do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# How to use this course

**Everywhere**

| Key | Does |
|---|---|
| `?` | this help |
| `ctrl+p` | command palette: jump to a lesson, run an example, take a quiz, switch theme |
| `q` | quit (your progress is saved as you go) |

**Outline**

| Key | Does |
|---|---|
| `↑` `↓` | move through chapters and lessons |
| `enter` or click | open the lesson (or fold a chapter) |
| `t` | take the highlighted lesson's quiz |
| `c` | continue where you left off |

**Lesson**

| Key | Does |
|---|---|
| `↑` `↓` `pgup` `pgdn` | scroll |
| `l` | the lesson's links: pick one to follow it (or click a link) |
| `tab` | move between code tabs and examples |
| `n` / `p` | next / previous lesson |
| `t` | take this lesson's quiz |
| `e` | switch between the lesson and its examples |
| `d` | mark the lesson done |
| `escape` | back to the outline |

**Quiz**

| Key | Does |
|---|---|
| `↑` `↓` `space` | choose (radio buttons: one; checkboxes: any number) |
| `shift+↑` `shift+↓` (or `K` `J`) | move the highlighted item in an ordering question |
| `h` | show the hint |
| `s` | submit your answer |
| `n` | next question |
| `r` | retry the quiz (at the end) |
| `escape` | leave the quiz |

The mouse works too: click options, tabs, buttons and links.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(HELP)

    def on_mount(self) -> None:
        self.query_one("#help-dialog").focus()

    def action_close(self) -> None:
        self.dismiss()
