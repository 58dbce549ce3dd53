"""``NO_COLOR=1``: Textual's monochrome filter, made to accept unstyled segments.

With ``NO_COLOR`` set, Textual passes every rendered line through its
``Monochrome`` filter, which reads ``style.color`` of each segment. A
segment with no style at all is legal in Rich and Textual, and the loss
chart's canvas (textual-hires-canvas) renders one for every row outside its
drawn area (``Strip.blank(cell_length=0)``, style None) before its first
resize: the filter then raised AttributeError and the app crashed at
start-up. :func:`use_tolerant_filters` swaps that filter for one that gives
unstyled segments the null style first; every other filter is kept.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.filter import Monochrome

_NULL = Style.null()


class TolerantMonochrome(Monochrome):
    """Monochrome that treats a segment without a style as unstyled, not as an error."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        styled = [
            segment if segment.style is not None else Segment(segment.text, _NULL, segment.control)
            for segment in segments
        ]
        return super().apply(styled, background)


def use_tolerant_filters(app: App) -> None:
    """Replace ``app``'s Monochrome filter (present only under NO_COLOR) by the tolerant one."""
    filters = getattr(app, "_filters", None)
    if not isinstance(filters, list):
        return
    for i, line_filter in enumerate(filters):
        if type(line_filter) is Monochrome:
            filters[i] = TolerantMonochrome()
