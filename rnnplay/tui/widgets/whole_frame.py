"""Panels drawn as one whole frame of strips, rebuilt only when something changed.

The charts (loss, overlays, gradient flow) rasterise all their rows at once
(braille cells need neighbouring rows), so the line API's ``render_line``
hands out rows of a cached frame. The frame is keyed by the panel's
``_version`` (bumped when its data changes), its size and the theme, and
dropped when the styles change: a repaint with nothing new costs nothing.
"""

from __future__ import annotations

from typing import Any

from textual.strip import Strip

from rnnplay.tui.widgets.theme_styles import ThemeStyles


class WholeFrame(ThemeStyles):
    """Mixin for a line-API Widget that defines ``render_frame(width, height)``."""

    _version: int = 0
    _frame: tuple[Any, list[Strip]] | None = None
    frames_built: int = 0

    def render_frame(self, width: int, height: int) -> list[Strip]:
        raise NotImplementedError

    def styles_changed(self) -> None:
        self._frame = None

    def render_line(self, y: int) -> Strip:
        width, height = self.size  # type: ignore[attr-defined]
        key = (self._version, width, height, self.app.theme)  # type: ignore[attr-defined]
        if self._frame is None or self._frame[0] != key:
            self._frame = (key, self.render_frame(width, height))
            self.frames_built += 1
        lines = self._frame[1]
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width, self.themed())
