"""Mounting widgets and knowing that they are there before querying them.

Textual mounts a widget in its own task: `mount()` returns an `AwaitMount`, and once it has been
awaited the widget has composed and mounted its children (and theirs). Two things can still leave
the new widgets missing afterwards, and a query right after the mount then raises `NoMatches`:

- the mount was not awaited (the code went on while the widgets were still composing);
- the parent began to leave the DOM meanwhile (its screen popped, the app quitting): Textual then
  skips the mount and the awaitable returns at once, with nothing mounted.

So code that swaps or adds widgets awaits `mount_into`, and goes on only when it says the widgets
are in place; otherwise the screen is going away and there is nothing left to do.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widget import Widget


def is_leaving(node: DOMNode) -> bool:
    """True once `node` is being removed from the DOM, or the app is exiting.

    `is_attached` is False when the app exits; the private flags are the ones Textual (8.2, pinned in
    pyproject.toml) sets on every node of a subtree as soon as `remove()` is called on it, and the ones
    `Widget.mount` itself checks before skipping a mount.
    """
    return (not node.is_attached) or bool(node._pruning or node._closing or node._closed)  # noqa: SLF001


async def mount_into(parent: Widget, *widgets: Widget, before: int | str | Widget | None = None) -> bool:
    """Mount `widgets` under `parent` and wait for them (and their children) to be mounted.

    Returns True when they are in place and can be queried; False when the parent is leaving the DOM
    (the mount was skipped or undone), in which case the caller should stop.
    """
    if is_leaving(parent):
        return False
    await parent.mount_all(widgets, before=before)
    return not is_leaving(parent) and all(widget.is_mounted and not is_leaving(widget) for widget in widgets)
