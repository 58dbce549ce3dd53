"""What the playground shows of its training session: the training thread's messages
turned into the panels' data, and the ticks that draw what arrived in between.

Progress and samples are buffered as they arrive and drawn together on the app's
panel tick (a fast model posts far more often than a terminal should
redraw); evaluations, learning-rate changes and stops are shown at once. A mixin
of :class:`~rnnplay.tui.app.RnnPlayApp`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnplay.tui.guards import from_session, unless_unmounted
from rnnplay.tui.messages import (
    CheckpointFailed,
    CheckpointSaved,
    Evaluated,
    GradFlowMeasured,
    LearningRateChanged,
    TrainingProgress,
    TrainingStopped,
)
from rnnplay.tui.status_info import stop_notice
from rnnplay.tui.widgets.controls import Controls
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.gradient_flow import GradientFlow
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.sample_view import SampleView

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp


class TrainingView:
    """The panels' side of training: clearing, pending data, the session's messages."""

    def clear_panels(self: RnnPlayApp) -> None:
        self._pending_points = []
        self.best_val = self.grad_flow = None
        self.samples.forget()
        self.query_one(LossChart).reset_data()
        self.query_one(GradientFlow).reset()
        self.query_one(SampleView).clear()
        self.query_one(HiddenHeatmap).clear()
        self.query_one(NextTokenDistribution).clear()

    def _show_pending(self: RnnPlayApp) -> None:
        """The panel tick: everything that arrived since the last one, in one frame."""
        self._show_pending_progress()
        self._show_pending_samples()

    @unless_unmounted
    def _show_pending_progress(self: RnnPlayApp) -> None:
        """New loss points to the chart, figures to the status."""
        chart = self.query_one(LossChart)
        if self._pending_points:
            points, self._pending_points = self._pending_points, []
            chart.add_train(points)
        else:
            chart.redraw_if_due()
        if self._status_dirty:
            self.refresh_status()

    @unless_unmounted
    def _show_pending_samples(self: RnnPlayApp) -> None:
        """New tokens to the sample view, heatmap and distribution; a new
        sample replaces the old one only now that it has its first tokens."""
        pending = self.samples.take()
        if pending is None:
            return
        view, heatmap = self.query_one(SampleView), self.query_one(HiddenHeatmap)
        if pending.fresh_prime is not None:
            view.clear(prime=pending.fresh_prime)
            heatmap.clear()
        view.extend(pending.steps)
        heatmap.append_steps(pending.steps)
        tokens = self.session.trainer.dataset.vocab.tokens
        self.query_one(NextTokenDistribution).show(pending.steps[-1], tokens)

    # -- training ------------------------------------------------------------------
    @from_session
    def on_training_progress(self: RnnPlayApp, message: TrainingProgress) -> None:
        self._pending_points.extend(message.points)
        self._status_dirty = True

    @from_session
    def on_evaluated(self: RnnPlayApp, message: Evaluated) -> None:
        self._show_pending()
        self.note_eval(message.event.loss)
        self.query_one(LossChart).add_eval(message.event.tokens, message.event.loss)
        self.refresh_status()

    @from_session
    def on_learning_rate_changed(self: RnnPlayApp, message: LearningRateChanged) -> None:
        event = message.event
        self.query_one(Controls).show_live(self.live_settings())
        self.notify(f"learning rate {event.old_lr:.3g} -> {event.new_lr:.3g} ({event.reason})")
        self.refresh_status()

    @from_session
    def on_training_stopped(self: RnnPlayApp, message: TrainingStopped) -> None:
        self.loop_stopped()
        self._show_pending()
        self.query_one(LossChart).flush()
        self.refresh_status()
        notice = stop_notice(message, self.session.last_step, one_step=self.single_step)
        if notice is not None:
            text, severity = notice
            self.notify(text, severity=severity, timeout=8 if severity == "error" else 4)

    @from_session
    def on_grad_flow_measured(self: RnnPlayApp, message: GradFlowMeasured) -> None:
        self.note_grad_flow(message.norms)
        self.query_one(GradientFlow).update(message.norms)

    # -- saving ------------------------------------------------------------------------
    def on_checkpoint_saved(self: RnnPlayApp, message: CheckpointSaved) -> None:
        self.last_checkpoint = message.path
        self.notify(f"saved {message.path}", title="checkpoint", timeout=6)
        self.refresh_status()

    def on_checkpoint_failed(self: RnnPlayApp, message: CheckpointFailed) -> None:
        self.notify(message.error, title="save failed", severity="error", timeout=8)
