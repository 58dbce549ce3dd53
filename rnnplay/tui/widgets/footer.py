"""The footer: as many whole keys as fit, most important first, and the palette key.

Textual's Footer lays every key out in a row and lets the last ones be cut
off by the edge: at 80 columns it ended in ``o O`` (half of "Open"). The
keys come in order of importance (:mod:`rnnplay.tui.keys`), so this footer
keeps the first ones that fit whole and leaves the rest out (the help screen
lists them all); it lays itself out again when its width changes.

Textual's Footer also stops following the keys while the app is "blurred",
and a served session starts blurred (textual's web driver says so until the
browser reports focus), which left the footer empty in the browser until the
page was clicked. The keys work either way, so this footer always lists them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEY_PADDING = 3
"""Cells around a key's text: one each side of the key, one after its description."""


def key_width(item: FooterKey) -> int:
    """Cells one footer key takes (its key, its description and their padding)."""
    from rich.cells import cell_len

    return cell_len(item.key_display) + cell_len(item.description) + KEY_PADDING


class FittingFooter(Footer):
    """A Footer that shows only the keys that fit whole (see the module docstring)."""

    _laid_out_for = -1

    def compose(self) -> ComposeResult:
        items = list(super().compose())
        width = self.size.width or self.app.size.width
        palette = [i for i in items if i.has_class("-command-palette")]
        budget = width - sum(key_width(i) for i in palette if isinstance(i, FooterKey)) - 1
        kept = []
        for item in items:
            if item in palette:
                continue
            if not isinstance(item, FooterKey):  # a key group: left to Textual
                kept.append(item)
                continue
            budget -= key_width(item)
            if budget < 0:
                break
            kept.append(item)
        self.styles.grid_size_columns = len(kept)
        self._laid_out_for = width
        yield from kept
        yield from palette

    def bindings_changed(self, screen: Screen) -> None:
        """Lay the keys out again, focused app or not (see the module docstring)."""
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
