"""Rich styles of a panel's component classes, looked up once per theme for every panel.

The panels draw with the line API and repaint up to ten times a second
while training competes for the CPU. Textual's ``rich_style`` walks every
ancestor, so asking for it per drawn line is costly; each panel instead
keeps its styles in a small dictionary that is emptied when the theme or
the CSS changes. This mixin is that dictionary, written once.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style


class ThemeStyles:
    """Mixin for a Widget: ``themed()`` is the base style, ``themed(name)`` the base plus
    component ``name``, ``themed(name, alone=True)`` the component's style by itself."""

    PARTIAL_COMPONENT_STYLES: ClassVar[bool] = False
    """Pass ``partial=True`` to ``get_component_rich_style`` (the component's own
    declarations only, not combined with the widget's)."""

    _theme_styles: dict[tuple[str, bool], Style] | None = None

    def themed(self, name: str = "", *, alone: bool = False) -> Style:
        styles = self._theme_styles
        if styles is None:
            styles = self._theme_styles = {}
        key = (name, alone)
        found = styles.get(key)
        if found is None:
            base: Style = self.rich_style  # type: ignore[attr-defined]
            if not name:
                found = base
            else:
                own: Style = self.get_component_rich_style(  # type: ignore[attr-defined]
                    name, partial=self.PARTIAL_COMPONENT_STYLES
                )
                found = own if alone else base + own
            styles[key] = found
        return found

    def notify_style_update(self) -> None:
        super().notify_style_update()  # type: ignore[misc]
        self._theme_styles = None
        self.styles_changed()

    def styles_changed(self) -> None:
        """Hook: drop whatever was drawn with the old styles (caches of strips)."""
