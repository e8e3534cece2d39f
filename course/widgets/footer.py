"""The key footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (removes and mounts every key, then styles and lays them out) each
time the screen's bindings are refreshed: at every change of focus, and whenever a widget calls
`refresh_bindings()`. Most of those leave the shown keys as they were (the keyboard moving from
one widget of the reader to another, a run panel refreshing its Stop key while it stays hidden),
yet on the switch to a lesson's Examples tab the footer was rebuilt three times, a good share of
the switch's work on a loaded machine. `KeyFooter` compares what it would show with what it shows.

It also puts the help key first: a lesson's keys take more than 80 columns, and the footer cuts
what does not fit at its right end, where `? Help` (the key that lists all the others) came last.
"""

from __future__ import annotations

from typing import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # noqa: PLC2701 - the footer's key widget (not exported)

HELP_ACTIONS = ("help", "app.help")


class KeyFooter(Footer):
    """A Footer that recomposes only when the keys to show (or their state) differ from the shown ones."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.composed_keys: tuple[Hashable, ...] | None = None  # what the last compose showed
        self.recomposed = 0  # how many times the keys were rebuilt (tests read it)

    def shown_keys(self) -> tuple[Hashable, ...]:
        """Everything the footer's compose reads from the screen's active bindings, per shown key."""
        keys: list[Hashable] = []
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if binding.show or key == self.app.COMMAND_PALETTE_BINDING:
                group = (binding.group.description, binding.group.compact) if binding.group else None
                keys.append((key, binding.key, binding.action, binding.description, binding.key_display,
                             binding.tooltip, group, binding.show, enabled, tooltip))
        return (self.show_command_palette, *keys)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self.composed_keys = self.shown_keys()
            self.recomposed += 1
        yield from super().compose()

    def on_mount(self) -> None:
        self.call_after_refresh(self.help_first)

    def help_first(self) -> None:
        """Move the help key to the footer's left end, where it is never cut."""
        if not self.is_attached or not self.children:
            return
        for key in self.query_children(FooterKey):
            if key.action in HELP_ACTIONS and "-command-palette" not in key.classes:
                if key is not self.children[0]:
                    self.move_child(key, before=self.children[0])
                return

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self.is_attached and self.shown_keys() != self.composed_keys:
            await self.recompose()
            self.help_first()
