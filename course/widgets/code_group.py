"""One code example in several languages: a tab per language, Python first."""

from __future__ import annotations

from textual.widgets import Markdown, TabbedContent, TabPane

from engine.model import CodeGroup, CodeSample


def ordered_samples(group: CodeGroup) -> list[CodeSample]:
    """The samples with Python (if any) first, the others in the order written."""
    return sorted(group.samples, key=lambda s: s.language.lower() not in ("python", "py", "python3"))


def tab_label(sample: CodeSample) -> str:
    return sample.label or sample.language.capitalize() or "Code"


def fence(sample: CodeSample) -> str:
    """The sample as a fenced block, with a fence longer than any backtick run inside it."""
    ticks = "`" * max(3, max((len(run) + 1 for run in sample.code.split("\n") if set(run) == {"`"}), default=3))
    return f"{ticks}{sample.language}\n{sample.code.rstrip()}\n{ticks}\n"


class CodeGroupTabs(TabbedContent):
    """Tabs over one example's languages."""

    def __init__(self, group: CodeGroup) -> None:
        super().__init__(classes="code-group")
        self.group = group
        for sample in ordered_samples(group):
            self.compose_add_child(TabPane(tab_label(sample), Markdown(fence(sample))))
