"""One code example in several languages: a tab per language, Python first.

Every tab in Java, Kotlin, Scala, Clojure or Python, on any page (an imported book's too), has a
Run button: the block is wrapped in a harness (engine.jvm.snippets) and run against a fresh
sandbox: the tabs post RunRequested, and the app opens course.screens.snippet_run for it."""

from __future__ import annotations

from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Markdown, TabbedContent, TabPane

from engine.model import CodeGroup, CodeSample

RUNNABLE = {"java", "kotlin", "kt", "scala", "clojure", "clj", "python", "py", "python3"}


def ordered_samples(group: CodeGroup) -> list[CodeSample]:
    """The samples with Python (if any) first, the others in the order written."""
    return sorted(group.samples, key=lambda s: s.language.lower() not in ("python", "py", "python3"))


def tab_label(sample: CodeSample) -> str:
    return sample.label or sample.language.capitalize() or "Code"


def fence(sample: CodeSample) -> str:
    """The sample as a fenced block, with a fence longer than any backtick run inside it."""
    ticks = "`" * max(3, max((len(run) + 1 for run in sample.code.split("\n") if set(run) == {"`"}), default=3))
    return f"{ticks}{sample.language}\n{sample.code.rstrip()}\n{ticks}\n"


class RunSnippetButton(Button):
    """Runs its sample against the sandbox."""

    def __init__(self, sample: CodeSample) -> None:
        super().__init__(f"▶ Run this {tab_label(sample)} block", classes="run-snippet", compact=True)
        self.sample = sample


class CodeGroupTabs(TabbedContent):
    """Tabs over one example's languages."""

    class RunRequested(Message):
        """The learner asked to run one block (engine.jvm.snippets.SnippetBlock) against the sandbox."""

        def __init__(self, block: object) -> None:
            super().__init__()
            self.block = block

    def __init__(self, group: CodeGroup, page: str = "this page") -> None:
        super().__init__(classes="code-group")
        self.group = group
        self.page = page
        for sample in ordered_samples(group):
            if sample.language.lower() in RUNNABLE:
                body = Vertical(Markdown(fence(sample)), RunSnippetButton(sample), classes="code-sample")
                body.styles.height = "auto"
                self.compose_add_child(TabPane(tab_label(sample), body))
            else:
                self.compose_add_child(TabPane(tab_label(sample), Markdown(fence(sample))))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if not isinstance(event.button, RunSnippetButton):
            return
        event.stop()
        # Imported on first use: the reader opens without the JVM code.
        from engine.jvm.snippets import ALIASES, SnippetBlock

        sample = event.button.sample
        number = self.group.samples.index(sample) + 1
        block = SnippetBlock(self.page, number, ALIASES[sample.language.lower()], sample.code, sample.line)
        self.post_message(self.RunRequested(block))
