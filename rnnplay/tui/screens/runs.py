"""The Runs screen: every run folder under ``runs_dir``, newest first, with their curves.

The table is the one ``rnnplay runs`` prints (``runs_cli.run_rows``: runs
made by the CLI, the playground and races alike). Space marks a run; the
chart overlays the validation (and smoothed training) curves of the marked
runs, or of the row under the cursor when none is marked, read from each
run's ``metrics.jsonl``. ``o`` continues the run under the cursor in the
playground (the open path of the main view, confine rules included), ``g``
opens it and samples, ``d`` deletes it after asking (never a run a process
writes: :mod:`rnnplay.core.runs.removal`); escape goes back. Below 120
columns the table keeps name, model, level, steps, best and last validation
loss and status, so it fits 80 columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable

from rnnplay.core.runs.listing import run_rows
from rnnplay.core.train.units import convert, format_loss, unit_label
from rnnplay.tui.keys import RUNS_KEYS, screen_bindings
from rnnplay.tui.screens.closing import ClosesOnce
from rnnplay.tui.widgets.footer import FittingFooter
from rnnplay.tui.widgets.overlay_chart import PALETTE, OverlayChart, Series

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp

MAX_POINTS = 400
"""Training points kept per curve (thinned evenly)."""

WIDE_TABLE = 120
"""From this width the table adds corpus, training time and creation time."""


def read_curves(metrics: Path) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """(train, validation) (tokens, loss in nats) of a run's metrics.jsonl; lines cut
    short by a kill and unreadable files give what could be read."""
    train: list[tuple[int, float]] = []
    evals: list[tuple[int, float]] = []
    try:
        lines = metrics.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return train, evals
    for line in lines:
        try:
            record = json.loads(line)
            point = (int(record["tokens"]), float(record["loss"]))
        except (ValueError, KeyError, TypeError):
            continue
        (evals if record.get("kind") == "eval" else train).append(point)
    return train[:: max(len(train) // MAX_POINTS, 1)], evals


class RunsScreen(ClosesOnce, Screen[None]):
    """The run folders under the app's runs_dir."""

    BINDINGS: ClassVar[list[BindingType]] = screen_bindings(RUNS_KEYS)
    OWN_KEYS: ClassVar[bool] = True
    """The main view's keys wait while this screen is shown (keys.works_over)."""
    DEFAULT_CSS = """
    RunsScreen { layout: vertical; }
    RunsScreen #runs-table { height: auto; max-height: 45%; min-height: 3; }
    RunsScreen #runs-chart { height: 1fr; min-height: 8; border: round $border; }
    """

    def __init__(
        self,
        rows: list[dict[str, Any]] | None = None,
        curves: dict[str, tuple[list, list]] | None = None,
    ) -> None:
        """``rows``: the table (as ``run_rows`` gives it), read from runs_dir if None;
        ``curves``: (train, validation) points by run path, read when first shown."""
        super().__init__()
        self._given = rows
        self.rows: list[dict[str, Any]] = []
        self.marked: set[int] = set()
        self._curves: dict[str, tuple[list, list]] = dict(curves or {})

    @property
    def rnnplay(self) -> RnnPlayApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield OverlayChart(id="runs-chart", hint="no curve: this run has no metrics yet")
        yield FittingFooter()  # whole keys only, most important first

    def on_mount(self) -> None:
        self.rows = self._given if self._given is not None else self._read_rows()
        self.fill()
        self.query_one(DataTable).focus()  # arrows move the cursor at once

    def _read_rows(self) -> list[dict[str, Any]]:
        try:
            return run_rows([self.rnnplay.place.runs_dir])
        except OSError:
            return []

    def fill(self) -> None:
        unit = self.rnnplay.unit
        table = self.query_one(DataTable)
        table.clear(columns=True)
        wide = self.app.size.width >= WIDE_TABLE
        short = unit_label(unit, short=True)
        columns = [" ", "name", "model", "level", "steps", f"best ({short})", "last", "status"]
        if wide:
            columns[3:3] = ["corpus"]
            columns[-1:-1] = ["time", "created"]
        table.add_columns(*columns)
        for index, row in enumerate(self.rows):
            seconds = row.get("training_s")
            cells = [
                "\u25cf" if index in self.marked else " ",
                row["name"],
                row.get("model") or "-",
                row.get("level") or "-",
                f"{row.get('steps', 0):,}",
                format_loss(row.get("best_val_loss"), unit),
                format_loss(row.get("last_val_loss"), unit),
                row.get("status", "-"),
            ]
            if wide:
                cells[3:3] = [row.get("corpus") or "-"]
                cells[-1:-1] = [
                    "-" if seconds is None else f"{seconds:.0f} s",
                    (row.get("created") or "-")[:16].replace("T", " "),
                ]
            table.add_row(*cells)
        title = f"Runs in {self.rnnplay.place.runs_dir}: space marks, o continues, d deletes"
        table.border_title = title
        if not self.rows:
            self.notify(f"no runs found in {self.rnnplay.place.runs_dir}", timeout=4)
        self.show_curves()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        if not self.marked:
            self.show_curves()

    def cursor_index(self) -> int | None:
        row = self.query_one(DataTable).cursor_row
        return row if 0 <= row < len(self.rows) else None

    def shown(self) -> list[int]:
        """The runs whose curves are drawn: the marked ones, else the cursor's."""
        if self.marked:
            return sorted(self.marked)
        index = self.cursor_index()
        return [] if index is None else [index]

    def curves(self, index: int) -> tuple[list, list]:
        path = self.rows[index]["path"]
        if path not in self._curves:
            self._curves[path] = read_curves(Path(path) / "metrics.jsonl")
        return self._curves[path]

    def show_curves(self) -> None:
        unit = self.rnnplay.unit
        series = []
        for n, index in enumerate(self.shown()):
            colour = PALETTE[n % len(PALETTE)]
            name = self.rows[index]["name"]
            train, evals = self.curves(index)
            series.append(Series(name, colour, [(x, convert(v, unit)) for x, v in train]))
            marks = [(x, convert(v, unit)) for x, v in evals]
            series.append(Series(name, colour, marks, marked=True, in_legend=not train))
        chart = self.query_one(OverlayChart)
        chart.border_title = f"Loss ({unit_label(unit)}) vs tokens seen"
        chart.set_series(series)

    # -- keys -------------------------------------------------------------------------
    def action_mark(self) -> None:
        index = self.cursor_index()
        if index is None:
            return
        if index in self.marked:
            self.marked.discard(index)
        elif len(self.marked) < len(PALETTE):
            self.marked.add(index)
        else:
            self.notify(f"at most {len(PALETTE)} runs at once", severity="warning")
        self.query_one(DataTable).update_cell_at(
            (index, 0), "\u25cf" if index in self.marked else " "
        )
        self.show_curves()

    def action_cycle_unit(self) -> None:
        self.rnnplay.action_cycle_unit()
        cursor = self.query_one(DataTable).cursor_row
        self.fill()
        self.query_one(DataTable).move_cursor(row=cursor)

    def _checkpoint(self) -> Path | None:
        index = self.cursor_index()
        if index is None:
            return None
        folder = Path(self.rows[index]["path"])
        for name in ("last.npz", "checkpoint.npz"):
            if (folder / name).is_file():
                return folder / name
        self.notify("this run has no checkpoint to open", severity="warning")
        return None

    def action_open_run(self) -> None:
        self._open(sample=False)

    def action_sample_run(self) -> None:
        self._open(sample=True)

    def _open(self, *, sample: bool) -> None:
        path = self._checkpoint()
        if path is None:
            return
        self.dismiss()
        self.rnnplay.open_path(str(path), sample=sample)

    def action_delete_run(self) -> None:
        """d: delete the run under the cursor, after asking (never a running run)."""
        from rnnplay.core.runs.removal import human_size, removable, remove_run
        from rnnplay.errors import RnnplayError, one_line
        from rnnplay.tui.screens.confirm import ConfirmScreen

        index = self.cursor_index()
        if index is None:
            return
        path = Path(self.rows[index]["path"])
        try:
            size = removable(path).size
        except RnnplayError as error:
            self.notify(one_line(error), severity="error")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                freed = remove_run(path)
            except RnnplayError as error:
                self.notify(one_line(error), title="not deleted", severity="error", timeout=6)
                return
            self.notify(f"deleted {path.name} ({human_size(freed)} freed)", timeout=4)
            self._curves.pop(str(path), None)
            self.marked.clear()
            self.rows = self._read_rows()
            self.fill()

        question = f"Delete {self.rows[index]['name']} ({human_size(size)})? It cannot be undone."
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_leave(self) -> None:
        self.dismiss()
