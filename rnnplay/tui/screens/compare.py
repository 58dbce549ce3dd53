"""The Compare view: race 2-4 contenders on the current settings, side by side, live.

Pick the contenders (rnn, lstm, gru with the playground's settings by
default; any cell also at a second hidden size, so a fourth contender can be
a bigger or smaller LSTM: :func:`other_hidden`), then
space trains them in rotation in one thread worker
(:class:`~rnnplay.tui.race_worker.RaceWorker`), n runs one round (every
contender one step), u switches the loss unit, escape goes back (the race
ends, its run folders are closed), q quits (promptly: the worker stops
after its round). The loss chart overlays every contender's training and
validation curve with the reference lines, the gradient-flow chart their
latest probes, the table their figures, and each contender has a sample line.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from rnnplay.core.data.stats import reference_lines
from rnnplay.core.race.contenders import MAX_CONTENDERS, MIN_CONTENDERS
from rnnplay.core.race.events import RaceResult
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.units import convert, format_loss, unit_label
from rnnplay.errors import RnnplayError, one_line
from rnnplay.tui.keys import COMPARE_KEYS, screen_bindings
from rnnplay.tui.race_worker import RaceProgress, RaceWorker
from rnnplay.tui.screens.closing import ClosesOnce
from rnnplay.tui.widgets.footer import FittingFooter
from rnnplay.tui.widgets.overlay_chart import PALETTE, OverlayChart, Series
from rnnplay.tui.widgets.pick_list import PickList

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp

CELLS = ("rnn", "lstm", "gru")
DEFAULT_PICK = CELLS
COLUMNS = ("contender", "params", "steps", "tok/s", "best val", "grad@50")


class CompareScreen(ClosesOnce, Screen[None]):
    """Race contenders made from the playground's current settings."""

    BINDINGS: ClassVar[list[BindingType]] = screen_bindings(COMPARE_KEYS)
    OWN_KEYS: ClassVar[bool] = True
    """The main view's keys wait while this screen is shown (keys.works_over)."""
    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    CompareScreen #pick { height: auto; max-height: 8; border: round $border; }
    CompareScreen #table { height: auto; max-height: 7; }
    CompareScreen #charts { height: 1fr; min-height: 8; }
    CompareScreen #loss-overlay { width: 2fr; border: round $border; }
    CompareScreen #flow-overlay { width: 1fr; border: round $border; }
    CompareScreen #samples { height: auto; max-height: 8; }
    CompareScreen .race-sample { width: 1fr; height: 4; border: round $border; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.session: RaceWorker | None = None
        self.names: list[str] = []
        self.train: list[list[tuple[int, float]]] = []
        self.evals: list[list[tuple[int, float]]] = []
        self.flows: dict[int, tuple[float, ...]] = {}
        self.results: list[RaceResult] = []
        self.references: list[tuple[str, float]] = []
        self._dirty = False

    @property
    def rnnplay(self) -> RnnPlayApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        options = pick_options(self.rnnplay.session.config.hidden, self._lesson_race())
        picker = PickList(*options, id="pick")
        picker.border_title = (
            f"Contenders ({MIN_CONTENDERS}-{MAX_CONTENDERS}): up/down choose, enter ticks, "
            "space races"
        )
        yield picker
        yield DataTable(id="table", show_cursor=False, zebra_stripes=True)
        with Horizontal(id="charts"):
            yield OverlayChart(id="loss-overlay", hint="space: race, n: one round")
            yield OverlayChart(id="flow-overlay", log_y=True, hint="after a probe")
        yield Horizontal(id="samples")
        yield FittingFooter()  # whole keys only, most important first

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.display = False
        self.query_one("#loss-overlay").border_title = self._loss_title()
        self.query_one("#flow-overlay").border_title = "Gradient flow"
        self.set_interval(0.25, self._redraw_if_dirty)
        self.query_one(PickList).focus()  # up/down and enter work at once, no mouse

    def _loss_title(self) -> str:
        return f"Loss ({unit_label(self.rnnplay.unit)}) vs tokens seen"

    # -- starting ---------------------------------------------------------------------
    def picked(self) -> list[str]:
        """The picked contenders' values, in the picker's order ("lstm", "lstm@64")."""
        selected = set(self.query_one(PickList).selected)
        options = pick_options(self.rnnplay.session.config.hidden, self._lesson_race())
        return [value for _, value, _ in options if value in selected]

    def _lesson_race(self) -> tuple[str, ...]:
        """The open lesson's contenders (picked at start), or () for the default pick."""
        lesson = getattr(self.rnnplay, "lesson", None)
        return lesson.race if lesson is not None else ()

    def start(self, cells: list[str] | None = None) -> bool:
        """Open the race's run folders (the front door) for ``cells`` (picker values,
        default: the picked ones); False with a notice when that fails."""
        app = self.rnnplay
        cells = cells or self.picked()
        if not MIN_CONTENDERS <= len(cells) <= MAX_CONTENDERS:
            app.notify(f"pick {MIN_CONTENDERS} to {MAX_CONTENDERS} contenders", severity="warning")
            return False
        base = app.session.config
        configs = [contender_config(base, value) for value in cells]
        try:
            self.session = RaceWorker(configs, runs_dir=app.place.runs_dir, post=self.post_message)
        except (RnnplayError, OSError, ValueError) as error:
            app.notify(one_line(error), title="race", severity="error")
            return False
        dataset = self.session.race.contenders[0].trainer.dataset
        self.show_contenders(self.session.names, reference_lines(dataset))
        app.references.show(dataset, self._set_references, chart="compare")
        self.results = self.session.results()
        self._dirty = True
        return True

    def show_contenders(self, names: list[str], references) -> None:
        """Swap the picker for the table and one sample box per contender."""
        self.names = list(names)
        self.train = [[] for _ in self.names]
        self.evals = [[] for _ in self.names]
        self.references = [(line.label, line.nats) for line in references]
        self.query_one(PickList).display = False
        self.query_one(DataTable).display = True
        samples = self.query_one("#samples")
        for index, name in enumerate(self.names):
            box = Static("", classes="race-sample", id=f"sample-{index}")
            box.border_title = f"[{PALETTE[index]}]{name}[/]"
            samples.mount(box)

    def _set_references(self, lines: list[tuple[str, float]]) -> None:
        """The reference lines (uniform, unigram; the n-grams once fitted)."""
        self.references = list(lines)
        self._dirty = True

    def show_samples(self, samples: dict[int, str]) -> None:
        for index, text in samples.items():
            self.query_one(f"#sample-{index}", Static).update(_printable(text))

    # -- keys -------------------------------------------------------------------------
    def action_tick(self) -> None:
        """enter: tick or untick the contender under the cursor (before the race)."""
        picker = self.query_one(PickList)
        if picker.display:
            picker.focus()
            picker.toggle_highlighted()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """enter ticks (and is listed) only while the contenders can be picked."""
        if action == "tick":
            return self.session is None
        return True

    def action_toggle_race(self) -> None:
        if self.session is not None and self.session.running:
            self.session.request_stop()
            return
        self._run(None)

    def action_step_round(self) -> None:
        if self.session is None or not self.session.running:
            self._run(1)

    def _run(self, rounds: int | None) -> None:
        if self.session is None and not self.start():
            return
        session = self.session
        assert session is not None
        if session.closed:
            return
        session.begin()
        self.run_worker(
            partial(_race_body, session, rounds),
            name="race",
            group="race",
            thread=True,
            exit_on_error=False,
        )

    def action_cycle_unit(self) -> None:
        self.rnnplay.action_cycle_unit()
        self.query_one("#loss-overlay").border_title = self._loss_title()
        self._dirty = True

    async def stop_race(self, timeout: float = 5.0) -> None:
        """Stop the worker (after its current round) and close the run folders."""
        session = self.session
        if session is None:
            return
        session.request_stop()
        await asyncio.to_thread(session.wait_idle, timeout)
        if not session.running:
            session.close()

    @work(exclusive=True, group="leave")
    async def action_leave(self) -> None:
        await self.stop_race()
        self.dismiss()

    @work(exclusive=True, group="leave")
    async def action_quit_all(self) -> None:
        await self.stop_race()
        await self.rnnplay.action_quit()

    async def on_unmount(self) -> None:
        """However the view goes (escape, q, the app ending), the race ends and
        every run folder is closed with its status."""
        await self.stop_race()

    # -- progress ---------------------------------------------------------------------
    def on_race_progress(self, message: RaceProgress) -> None:
        if message.source is not self.session:
            return
        for index, points in enumerate(message.train):
            self.train[index].extend(points)
        for index, points in enumerate(message.evals):
            self.evals[index].extend(points)
        self.flows.update(message.flows)
        self.results = message.results
        self.show_samples(message.samples)
        if message.error:
            self.notify(message.error, title="race stopped", severity="error")
        elif message.stopped is not None and message.stopped.reason != "cancelled":
            self.notify(message.stopped.message, title="race")
        self._dirty = True

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self._dirty = False
            self.redraw()

    def redraw(self) -> None:
        """Charts and table from what arrived (on the progress tick)."""
        unit = self.rnnplay.unit
        series = []
        for index, name in enumerate(self.names):
            colour = PALETTE[index % len(PALETTE)]
            train = _smoothed(self.train[index])
            series.append(Series(name, colour, [(x, convert(v, unit)) for x, v in train]))
            evals = [(x, convert(v, unit)) for x, v in self.evals[index]]
            series.append(Series(name, colour, evals, marked=True, in_legend=False))
        refs = [(label, convert(nats, unit)) for label, nats in self.references]
        self.query_one("#loss-overlay", OverlayChart).set_series(series, refs)
        flows = []
        for index, flow in sorted(self.flows.items()):
            top = flow[0] if flow and flow[0] > 0 else 1.0
            points = [(float(d), v / top) for d, v in enumerate(flow)]
            flows.append(Series(self.names[index], PALETTE[index % len(PALETTE)], points))
        self.query_one("#flow-overlay", OverlayChart).set_series(flows)
        self._fill_table(unit)

    def _fill_table(self, unit: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in self.results:
            reach = "-" if row.grad_reach is None else f"{row.grad_reach:.2g}"
            table.add_row(
                row.name,
                f"{row.params:,}",
                f"{row.steps:,}",
                f"{row.tokens_per_s:,.0f}",
                format_loss(row.best_val_loss, unit),
                reach,
            )
        table.columns[list(table.columns)[4]].label = f"best val ({unit_label(unit, short=True)})"


def other_hidden(hidden: int) -> int:
    """The picker's second hidden size: double a small model's, halve a big one's
    (so the extra contender stays cheap enough to race beside the others)."""
    return hidden * 2 if hidden <= 128 else hidden // 2


def pick_options(hidden: int, race: tuple[str, ...] = ()) -> list[tuple[str, str, bool]]:
    """The picker's (label, value, picked) rows: every cell at the playground's hidden
    size (picked), then every cell at :func:`other_hidden` ("lstm@64", not picked).
    A lesson's ``race`` picks its contenders instead (one at another size is added)."""
    other = other_hidden(hidden)
    picks = set(race) if race else set(DEFAULT_PICK)
    rows = [(cell, cell, cell in picks) for cell in CELLS]
    rows += [(f"{cell}, hidden {other}", f"{cell}@{other}", f"{cell}@{other}" in picks)
             for cell in CELLS]  # fmt: skip
    values = {value for _, value, _ in rows}
    for extra in race:
        if extra not in values:
            cell, _, size = extra.partition("@")
            rows.append((f"{cell}, hidden {size}", extra, True))
    return rows


def contender_config(base: TrainConfig, value: str) -> TrainConfig:
    """The config a picker value names: "gru" (base's sizes) or "lstm@64" (hidden 64;
    with tied weights the embedding follows, as tying needs them equal)."""
    cell, _, hidden = value.partition("@")
    if not hidden:
        return base.replace(cell=cell)
    size = int(hidden)
    if base.tie:
        return base.replace(cell=cell, hidden=size, embed=size)
    return base.replace(cell=cell, hidden=size)


def _race_body(session: RaceWorker, rounds: int | None) -> None:
    worker = get_current_worker()
    session.run_loop(lambda: worker.is_cancelled, rounds=rounds)


def _smoothed(points: list[tuple[int, float]], beta: float = 0.9) -> list[tuple[int, float]]:
    """An exponential moving average with start-up bias correction (as the loss chart)."""
    out, avg = [], 0.0
    for count, (x, v) in enumerate(points, 1):
        avg = beta * avg + (1 - beta) * v
        out.append((x, avg / (1 - beta**count)))
    return out[:: max(len(out) // 400, 1)]


def _printable(text: str) -> str:
    return text.replace("\n", "\u21b5 ").replace("[", "\\[")
