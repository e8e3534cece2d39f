"""Tabs whose underline follows their width even when a Resize goes missing.

Textual's tabs place the underline under the open tab when they are resized. On a busy machine the
run panel's results column has been laid out at its final width without a Resize reaching the
widgets inside (seen in snapshot runs with both cores busy): the underline then stayed at its
unlaid-out place, a sliver at the left. These tabs also check at each paint, which always happens.
"""

from __future__ import annotations

from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import TabbedContent, Tabs


class ViewTabs(TabbedContent):
    """A TabbedContent that re-places its underline whenever it is painted at a new size."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._placed_at = Size(0, 0)  # the size the underline was last placed for

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.size != self._placed_at and self.size.width:
            self._placed_at = self.size
            self.call_after_refresh(self._place_underline)
        return super().render_lines(crop)

    def _place_underline(self) -> None:
        for tabs in self.query(Tabs):
            tabs._highlight_active(animate=False)  # noqa: SLF001 (what Tabs does on Resize)
