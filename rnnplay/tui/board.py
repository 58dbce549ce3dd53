"""The class board: every session of a class on one screen, for the teacher.

``rnnplay board RUNS_DIR`` runs it in a terminal; ``rnnplay serve`` serves
it to the teacher's browser at a secret address it prints at start
(:mod:`rnnplay.serve.classroom`). Every two seconds it reads the runs
directory (:class:`rnnplay.core.runs.board.BoardReader`): the training
curves of every session overlaid, one colour per session and named by its
run folder, and a table with each session's steps, latest and best
validation loss, the lesson card it is on and its latest sample line. It
only reads files: it can change nothing in any session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from rnnplay.core.runs.board import BoardReader, BoardRow
from rnnplay.core.train.units import DEFAULT_UNIT, convert, format_loss, next_unit, unit_label
from rnnplay.tui.guards import unless_unmounted
from rnnplay.tui.widgets.overlay_chart import PALETTE, OverlayChart, Series

REFRESH_S = 2.0
"""How often the board reads the runs again (the issue asks for within 5 s)."""

COLOURS = (
    *PALETTE,
    "rgb(240,230,90)", "rgb(90,220,220)", "rgb(255,110,110)", "rgb(170,140,255)",
)  # fmt: skip
"""One colour per session, round again after eight."""

COLUMNS = ("", "session", "status", "steps", "loss", "best val", "card", "sample")
NARROW_COLUMNS = ("", "session", "steps", "best val", "card", "sample")
WIDE = 120
"""From this width on the table has every column and the card's text."""


class Reader(Protocol):
    def read(self) -> list[BoardRow]: ...


class BoardApp(App[int]):
    """The board over ``runs_dir`` (or any ``reader``); ``clock`` names the time shown."""

    TITLE = "rnnplay board"
    CSS = """
    Screen { layout: vertical; }
    #board-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    #board-chart { height: 3fr; min-height: 6; border: round $border-blurred;
                   border-title-color: $text-muted; border-subtitle-color: $text; }
    #board-table { height: 2fr; min-height: 4; scrollbar-size-horizontal: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "cycle_unit", "Unit"),
        Binding("r", "refresh_now", "Refresh"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        runs_dir: str | Path,
        *,
        reader: Reader | None = None,
        clock: Callable[[], str] | None = None,
        refresh_s: float = REFRESH_S,
    ) -> None:
        super().__init__()
        self.runs_dir = Path(runs_dir)
        self.reader = reader or BoardReader([self.runs_dir])
        self.clock = clock or (lambda: time.strftime("%H:%M:%S"))
        self.refresh_s = refresh_s
        self.unit = DEFAULT_UNIT
        self.rows: list[BoardRow] = []
        self._columns: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="board-title")
        yield OverlayChart(id="board-chart", hint="no session has trained yet")
        yield DataTable(id="board-table", show_cursor=False, zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh_now()
        self.set_interval(self.refresh_s, self.action_refresh_now)

    @unless_unmounted  # the refresh tick may fire while the app is closing
    def action_refresh_now(self) -> None:
        """Read the runs again and redraw everything."""
        self.rows = self.reader.read()
        self._draw()

    def action_cycle_unit(self) -> None:
        self.unit = next_unit(self.unit)
        self._draw()

    def _draw(self) -> None:
        rows = sorted(self.rows, key=lambda row: row.name)
        live = sum(row.status in ("running", "paused") for row in rows)
        self.query_one("#board-title", Static).update(
            f"Class board · {self.runs_dir} · {len(rows)} sessions ({live} live) · "
            f"updated {self.clock()}"
        )
        chart = self.query_one(OverlayChart)
        chart.border_title = f"Training loss ({unit_label(self.unit)}) vs step, one line each"
        series = []
        for n, row in enumerate(rows):
            points = [(x, convert(v, self.unit)) for x, v in row.train]
            series.append(Series(row.name, COLOURS[n % len(COLOURS)], points))
        chart.set_series(series)
        self._fill_table(rows)

    @unless_unmounted
    def on_resize(self) -> None:
        self._draw()

    def _fill_table(self, rows: list[BoardRow]) -> None:
        table = self.query_one(DataTable)
        wide = self.size.width >= WIDE
        columns = COLUMNS if wide else NARROW_COLUMNS
        if columns != self._columns:
            table.clear(columns=True)
            table.add_columns(*columns)
            self._columns = columns
        else:
            table.clear()
        sample_width = max(self.size.width - (110 if wide else 36), 12)
        for n, row in enumerate(rows):
            card = ""
            if row.card is not None:
                card = f"{row.card}/{row.cards or '?'}"
                if wide and row.card_text:
                    card += f" {row.card_text}"
            cells = {
                "": f"[{COLOURS[n % len(COLOURS)]}]\u2501\u2501[/]",
                "session": _clip(row.name, 16),
                "status": row.status,
                "steps": str(row.steps),
                "loss": format_loss(row.train_loss, self.unit),
                "best val": format_loss(row.best_val, self.unit),
                "card": _clip(card, 48),
                "sample": _clip(row.sample or "", sample_width),
            }
            table.add_row(*(cells[name] for name in columns))


def _clip(text: str, width: int) -> str:
    text = " ".join(text.replace("[", "\\[").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_board(runs_dir: str | Path) -> int:
    """Run the board in this terminal until q; returns 0."""
    return int(BoardApp(runs_dir).run() or 0)
