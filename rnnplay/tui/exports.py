"""Handouts from the playground: the sample shown as text, the loss curves as CSV.

Teachers asked for both. ``w`` writes the sample panel's text (prime and
generated text) to ``sample-stepN.txt``, ``e`` the loss chart's curves to
``curves-stepN.csv`` (``kind,tokens,loss_nats``: the smoothed training curve
as drawn, then every validation point), each into the run folder (or
``runs_dir/exports`` before the session has one; a served session stays
under its runs folder). A mixin of :class:`~rnnplay.tui.app.RnnPlayApp`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from rnnplay.errors import RnnplayError, one_line
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.sample_view import SampleView

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp


def curves_csv(chart: LossChart) -> str:
    """The chart's curves as CSV text: a header, training rows, validation rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "tokens", "loss_nats"])
    train_x, train_y = chart.train_points
    for x, y in zip(train_x, train_y, strict=True):
        writer.writerow(["train_smoothed", int(x), f"{y:.6f}"])
    eval_x, eval_y = chart.eval_points
    for x, y in zip(eval_x, eval_y, strict=True):
        writer.writerow(["validation", int(x), f"{y:.6f}"])
    return out.getvalue()


class ExportActions:
    """w and e, for the app."""

    def action_save_sample(self: RnnPlayApp) -> None:
        """w: write the sample shown to a text file and say where."""
        view = self.query_one(SampleView)
        text = view.prime + view.generated_text
        if not text.strip():
            self.notify("no sample to save yet: press g to sample", severity="warning")
            return
        self._export(f"sample-step{self.session.trainer.step_count}.txt", text, "sample")

    def action_export_curves(self: RnnPlayApp) -> None:
        """e: write the loss curves to a CSV file and say where."""
        chart = self.query_one(LossChart)
        if not len(chart.train_points[0]) and not len(chart.eval_points[0]):
            self.notify("no curves yet: train first (space)", severity="warning")
            return
        name = f"curves-step{self.session.trainer.step_count}.csv"
        self._export(name, curves_csv(chart), "curves")

    def _export(self: RnnPlayApp, name: str, text: str, what: str) -> None:
        try:
            path = Path(self.place.screenshot_folder()) / name
            path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except (OSError, RnnplayError) as error:
            self.notify(one_line(error), title=f"{what} not saved", severity="error")
            return
        self.notify(f"saved {path}", title=what, timeout=6)
