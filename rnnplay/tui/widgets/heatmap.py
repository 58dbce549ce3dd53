"""HiddenHeatmap: hidden units x time steps of the current sample, drawn with the line API.

Each row is one hidden unit of the last recurrent layer, each column one
sampled token, and each cell's colour is the unit's activation (a tanh value
in [-1, 1]) on a diverging blue-white-red scale. The tokens label the time
axis in a header row. One unit is selected (its label is highlighted and its
value at the cursor column is written in the info line); selecting another
posts `HiddenHeatmap.UnitSelected`, so the sample view can colour text by it.

Activations are quantised to colour levels once, when they arrive (a
:class:`~rnnplay.tui.widgets.step_ring.StepRing`), and rows are cut from that
level matrix at render time, so a frame costs a run of equal colours per
visible row whatever the hidden size or sample length; the pieces of the
lines are drawn by :mod:`rnnplay.tui.widgets.heatmap_render` (the widget's
frames) and :mod:`rnnplay.tui.widgets.heatmap_lines` (their pieces).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.heatmap_render import HeatmapRendering
from rnnplay.tui.widgets.step_ring import StepRing
from rnnplay.tui.widgets.theme_styles import ThemeStyles


class HiddenHeatmap(HeatmapRendering, ThemeStyles, Widget, can_focus=True):
    """Hidden units (rows) x time steps (columns) of the current sample.

    Feed it with `set_data(tokens, states)` for a whole sample or
    `append(token, hidden)` token by token while sampling. Only the last
    `max_steps` steps are kept.
    """

    DEFAULT_CSS = """
    HiddenHeatmap {
        width: 1fr; height: 1fr; min-width: 24; min-height: 5; padding: 0 0;
        border: round $primary-muted; border-title-color: $text;
        &:focus { border: round $border; border-title-color: $text; }
        & > .hidden-heatmap--hint { color: $text-muted; text-style: italic; }
        & > .hidden-heatmap--gutter { color: $text-muted; }
        & > .hidden-heatmap--selected { color: $text; background: $accent 60%; text-style: bold; }
        & > .hidden-heatmap--header { color: $text-muted; }
        & > .hidden-heatmap--cursor { color: $text; background: $accent 60%; text-style: bold; }
        & > .hidden-heatmap--info { color: $text; }
        & > .hidden-heatmap--dim { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "hidden-heatmap--hint",
        "hidden-heatmap--gutter",
        "hidden-heatmap--selected",
        "hidden-heatmap--header",
        "hidden-heatmap--cursor",
        "hidden-heatmap--info",
        "hidden-heatmap--dim",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move_selection(-1)", "Unit up", show=False),
        Binding("down", "move_selection(1)", "Unit down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("left", "move_cursor(-1)", "Step back", show=False),
        Binding("right", "move_cursor(1)", "Step on", show=False),
        Binding("end", "follow_latest", "Latest", show=False),
        Binding("v", "toggle_sort", "Sort by variance"),
    ]

    BORDER_TITLE = "Hidden state"

    class UnitSelected(Message):
        """The selected hidden unit changed (by key, click or method)."""

        def __init__(self, heatmap: HiddenHeatmap, unit: int) -> None:
            super().__init__()
            self.heatmap = heatmap
            self.unit = unit

        @property
        def control(self) -> HiddenHeatmap:
            return self.heatmap

    def __init__(
        self,
        *,
        max_steps: int = 512,
        hint: str = "no sample yet: press g to sample",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.max_steps = max_steps
        self.hint = hint
        self._ring = StepRing(max_steps)
        self._version = 0  # bumps on every data change, keys caches
        self._selected = 0
        self._sort = False
        self._cursor: int | None = None  # kept-column index, None = follow the latest
        self._col_first = 0  # first visible column when the cursor is pinned
        self._page_top = 0  # display position of the first visible unit row
        self._order_cache: tuple[tuple[int, bool], np.ndarray, np.ndarray] | None = None
        self._row_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(256)
        self._visibility_pending = False

    # ------------------------------------------------------------------ data

    @property
    def units(self) -> int:
        """Number of hidden units (0 before any data)."""
        return self._ring.units

    @property
    def steps(self) -> int:
        """Number of time steps kept (at most max_steps)."""
        return len(self._ring)

    @property
    def tokens(self) -> list[str]:
        """Tokens of the kept time steps, oldest first."""
        return list(self._ring.tokens)

    @property
    def states(self) -> np.ndarray:
        """Kept activations, shape (steps, units), oldest first (a view: do not modify)."""
        return self._ring.values

    def set_data(self, tokens: Sequence[str], states: np.ndarray) -> None:
        """Show a whole sample: `tokens[t]` labels `states[t]`, states of shape (T, H)."""
        states = np.asarray(states, dtype=np.float32)
        if states.ndim != 2:
            raise ValueError(f"states must have shape (T, H), got {states.shape}")
        if len(tokens) != states.shape[0]:
            raise ValueError(f"{len(tokens)} tokens for {states.shape[0]} time steps")
        self._ring.set(tokens, states)
        self._after_data_change(reset_view=True)

    def append(self, token: str, hidden: np.ndarray) -> None:
        """Add one time step. A hidden size different from the current one starts afresh."""
        self._after_data_change(reset_view=self._push(token, hidden))

    def _push(self, token: str, hidden: np.ndarray) -> bool:
        """Store one time step without redrawing; True when it started afresh."""
        fresh, dropped = self._ring.push(token, hidden)
        if dropped and self._cursor is not None:
            self._cursor = max(0, self._cursor - 1)
            self._col_first = max(0, self._col_first - 1)
        return fresh

    def append_steps(self, steps: Iterable[Any]) -> None:
        """Add sampler steps (``.text``, ``.hidden``), redrawn once (a step that
        starts afresh is settled on its own first)."""
        pending = False
        for step in steps:
            if self._push(step.text, step.hidden):
                self._after_data_change(reset_view=True)
                pending = False
            else:
                pending = True
        if pending:
            self._after_data_change(reset_view=False)

    def clear(self) -> None:
        """Forget all data (the selected unit is kept)."""
        self._ring.clear()
        self._after_data_change(reset_view=True)

    def _after_data_change(self, *, reset_view: bool) -> None:
        self._version += 1
        self._row_cache.clear()
        if reset_view:
            self._cursor = None
            self._col_first = 0
        if self.units:
            clamped = min(self._selected, self.units - 1)
            if clamped != self._selected:
                self._selected = clamped
                self.post_message(self.UnitSelected(self, clamped))
        # Sorted rows may re-order with every step: re-check at the next frame,
        # not per appended step.
        self._visibility_pending = True
        self.refresh()

    # ------------------------------------------------------------- ordering

    @property
    def sort_by_variance(self) -> bool:
        """Whether rows are ordered by each unit's variance over the kept steps (largest first)."""
        return self._sort

    @sort_by_variance.setter
    def sort_by_variance(self, value: bool) -> None:
        if bool(value) != self._sort:
            self._sort = bool(value)
            self._row_cache.clear()
            if self._sort and self.units:
                # Sorted: show the top (the highest-variance units) and select the first.
                self._page_top = 0
                self.select_unit(int(self._order()[0][0]))
            else:
                self._keep_selection_visible(center=True)
            self.refresh()

    def display_order(self) -> np.ndarray:
        """Unit ids in the order rows are drawn, top to bottom."""
        return self._order()[0]

    def _order(self) -> tuple[np.ndarray, np.ndarray]:
        """(order, rank): unit id per display position and display position per unit id."""
        key = (self._version, self._sort)
        if self._order_cache is not None and self._order_cache[0] == key:
            return self._order_cache[1], self._order_cache[2]
        units = self.units
        if self._sort and self.steps > 0:
            variance = self.states.astype(np.float64).var(axis=0)
            order = np.argsort(-variance, kind="stable")
        else:
            order = np.arange(units)
        rank = np.empty(units, dtype=np.int64)
        rank[order] = np.arange(units)
        self._order_cache = (key, order, rank)
        return order, rank

    # ------------------------------------------------------------ selection

    @property
    def selected_unit(self) -> int:
        """The id of the selected hidden unit."""
        return self._selected

    def select_unit(self, unit: int) -> None:
        """Select hidden unit `unit` (clamped to the existing units) and bring it into view."""
        if self.units:
            unit = min(max(int(unit), 0), self.units - 1)
        else:
            unit = max(int(unit), 0)
        changed = unit != self._selected
        self._selected = unit
        self._keep_selection_visible()
        self.refresh()
        if changed:
            self.post_message(self.UnitSelected(self, unit))

    def move_selection(self, delta: int) -> None:
        """Select the unit `delta` rows below (negative: above) in display order."""
        if not self.units:
            return
        order, rank = self._order()
        position = min(max(int(rank[self._selected]) + int(delta), 0), self.units - 1)
        self.select_unit(int(order[position]))

    def page(self, delta: int) -> None:
        """Scroll by `delta` pages of rows, moving the selection by the same amount."""
        if not self.units:
            return
        rows = self._unit_rows()
        order, rank = self._order()
        max_top = max(self.units - rows, 0)
        self._page_top = min(max(self.page_top + delta * rows, 0), max_top)
        position = min(max(int(rank[self._selected]) + delta * rows, 0), self.units - 1)
        self.select_unit(int(order[position]))

    @property
    def page_top(self) -> int:
        """Display position of the first unit row shown."""
        if self._visibility_pending:
            self._keep_selection_visible()
        return self._page_top

    def visible_units(self) -> list[int]:
        """Unit ids of the rows currently shown, top to bottom."""
        if self._visibility_pending:
            self._keep_selection_visible()
        order, _ = self._order()
        return [int(u) for u in order[self._page_top : self._page_top + self._unit_rows()]]

    def _unit_rows(self) -> int:
        """How many unit rows fit: the content height less the header and info lines."""
        height = self.size.height
        return max(height - 2, 1) if height else 1

    def _keep_selection_visible(self, *, center: bool = False) -> None:
        self._visibility_pending = False
        if not self.units:
            self._page_top = 0
            return
        rows = self._unit_rows()
        _, rank = self._order()
        position = int(rank[self._selected])
        if center and not (self._page_top <= position < self._page_top + rows):
            self._page_top = position - rows // 2
        if position < self._page_top:
            self._page_top = position
        elif position >= self._page_top + rows:
            self._page_top = position - rows + 1
        self._page_top = min(max(self._page_top, 0), max(self.units - rows, 0))

    # --------------------------------------------------------------- cursor

    @property
    def cursor(self) -> int | None:
        """Kept-column index of the cursor, or None when it follows the latest step."""
        return self._cursor

    def cursor_step(self) -> int | None:
        """Column the cursor is on now (the latest when following), None without data."""
        if not self.steps:
            return None
        return self.steps - 1 if self._cursor is None else min(self._cursor, self.steps - 1)

    def value_at_cursor(self) -> float | None:
        """Activation of the selected unit at the cursor column (None without data)."""
        column = self.cursor_step()
        if column is None or self._selected >= self.units:
            return None
        return float(self._ring.values[column, self._selected])

    def move_cursor(self, delta: int) -> None:
        """Move the column cursor; reaching the latest column resumes following it."""
        column = self.cursor_step()
        if column is None:
            return
        if self._cursor is None:
            self._col_first = max(self.steps - self._data_columns(), 0)
        column = min(max(column + int(delta), 0), self.steps - 1)
        self._cursor = None if column == self.steps - 1 else column
        self._row_cache.clear()
        self.refresh()

    def follow_latest(self) -> None:
        """Put the cursor back on the newest column and keep it there as data streams."""
        self._cursor = None
        self._row_cache.clear()
        self.refresh()

    # -------------------------------------------------------------- actions
    # The keys' actions are the public methods themselves.
    action_move_selection = move_selection
    action_page = page
    action_move_cursor = move_cursor
    action_follow_latest = follow_latest

    def action_toggle_sort(self) -> None:
        self.sort_by_variance = not self.sort_by_variance

    def on_click(self, event: events.Click) -> None:
        """Clicking a unit row selects that unit."""
        offset = event.get_content_offset(self)
        if offset is None or not self.units:
            return
        row = offset.y - 1
        if 0 <= row < self._unit_rows():
            position = self._page_top + row
            if position < self.units:
                self.select_unit(int(self._order()[0][position]))

    def on_resize(self, event: events.Resize) -> None:
        self._row_cache.clear()
        self._keep_selection_visible()

    def styles_changed(self) -> None:
        self._row_cache.clear()
