"""What changes live: learning rate, schedule, dropout, sampling settings, the heatmap's unit.

Also the way from a sample to the Inspect view (``i``, or a click on a token).

None of these stops training or replaces the session: the learning rate,
the schedule and dropout change between two steps, the sampling settings
apply to the running sample (the sample length to the next one), and the
rest only change what the panels show. A mixin of
:class:`~rnnplay.tui.app.RnnPlayApp`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from rnnplay.core.sampling.prime import readable_prime
from rnnplay.tui.bounds import lr_in_bounds, next_temperature, setting_notice
from rnnplay.tui.guards import from_session, unless_unmounted
from rnnplay.tui.messages import (
    SampleFinished,
    SampleStarted,
    SampleTokens,
    SettingApplied,
    WeightsSnapshot,
)
from rnnplay.tui.screens.inspect import InspectScreen
from rnnplay.tui.widgets.controls import Controls
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.prime_note import PrimeNote
from rnnplay.tui.widgets.sample_view import SampleView

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp


class LiveActions:
    """Live settings and sampling, for the app."""

    # -- live settings ------------------------------------------------------------------
    def action_scale_lr(self: RnnPlayApp, factor: float) -> None:
        """] / [: double or halve the learning rate, live (bounded, warned when high)."""
        self.set_lr(self.session.lr * factor)

    def set_lr(self: RnnPlayApp, lr: float) -> None:
        lr, warning = lr_in_bounds(lr, self.session.config.optimizer)
        self.session.set_lr(lr)
        self.query_one(Controls).show_live(self.live_settings())
        self.refresh_status()
        if warning:
            self.notify(f"learning rate {lr:.3g}: {warning}", severity="warning", timeout=4)
        else:
            self.notify(f"learning rate {lr:.3g}", timeout=1.5)

    def action_temperature(self: RnnPlayApp, direction: int) -> None:
        """+ / -: sampling temperature up or down by 0.1, live."""
        self.set_temperature(next_temperature(self.sample_settings.temperature, direction))

    def set_temperature(self: RnnPlayApp, value: float) -> None:
        self.sample_settings.temperature = value
        self.query_one(Controls).show_live(self.live_settings())
        self.notify(f"temperature {value:.2f}", timeout=1.5)

    def on_controls_live_changed(self: RnnPlayApp, message: Controls.LiveChanged) -> None:
        if message.setting == "lr":
            self.set_lr(float(message.value))
        elif message.setting == "temperature":
            self.set_temperature(float(message.value))
        elif message.setting == "top_k":
            self.sample_settings.top_k = message.value
            self.notify(f"top-k {message.value or 'off'}", timeout=1.5)
        elif message.setting == "sample_length":
            self.samples.tokens = message.value
            length = message.value or "auto (fills the panel)"
            self.notify(f"sample length {length}: from the next sample", timeout=2)
        else:
            self.set_training_setting(message.setting, message.value)

    def set_training_setting(self: RnnPlayApp, name: str, value: object) -> None:
        """Dropout or the schedule, from the next step (recorded in the run folder)."""

        def done(error: str | None) -> None:  # either thread: a message (thread-safe)
            self.post_message(SettingApplied(error))

        session = self.session
        session.set_setting(name, value, recorder=self.place.recorder, done=done)
        self.query_one(Controls).show_live(self.live_settings())
        self.refresh_status()
        self.notify(setting_notice(name, value, session.trainer), timeout=4)

    @unless_unmounted
    def on_setting_applied(self: RnnPlayApp, message: SettingApplied) -> None:
        """Show what the session has now (a new schedule may have moved the rate)."""
        self.query_one(Controls).show_live(self.live_settings())
        self.refresh_status()
        if message.error is not None:
            self.notify(message.error, title="settings", severity="error", timeout=6)

    def on_controls_invalid_value(self: RnnPlayApp, message: Controls.InvalidValue) -> None:
        self.notify(message.reason, severity="error", timeout=4)

    # -- sampling ----------------------------------------------------------------------
    def action_new_sample(self: RnnPlayApp) -> None:
        """g: start a fresh sample from the prime with the current weights."""
        self.samples.request(self.session)

    def on_input_submitted(self: RnnPlayApp, event: Input.Submitted) -> None:
        if event.input.id == "prime":
            event.stop()
            self.screen.set_focus(None)
            self.action_new_sample()

    def on_input_changed(self: RnnPlayApp, event: Input.Changed) -> None:
        if event.input.id == "prime":
            self.readable_prime()

    def readable_prime(self: RnnPlayApp) -> str:
        """The prime as far as the model can read it; the note beside the field says
        what was left out (a prime is never refused: samples go on from the rest)."""
        vocab = self.session.trainer.dataset.vocab
        prime = readable_prime(vocab, self.query_one("#prime", Input).value)
        self.query_one(PrimeNote).show(prime)
        return prime.text

    @from_session
    def on_weights_snapshot(self: RnnPlayApp, message: WeightsSnapshot) -> None:
        self.samples.start(self.session, message.model, self.readable_prime())

    def on_sample_started(self: RnnPlayApp, message: SampleStarted) -> None:
        self.samples.started(message)

    def on_sample_tokens(self: RnnPlayApp, message: SampleTokens) -> None:
        self.samples.tokens_arrived(message)

    @unless_unmounted
    def on_sample_finished(self: RnnPlayApp, message: SampleFinished) -> None:
        self._show_pending_samples()
        error = self.samples.finished(
            message, lambda: self.session.running, lambda: self.samples.request(self.session)
        )
        if error is not None:
            self.notify(error, title="sample", severity="error", timeout=6)

    @unless_unmounted
    def on_hidden_heatmap_unit_selected(
        self: RnnPlayApp, message: HiddenHeatmap.UnitSelected
    ) -> None:
        view = self.query_one(SampleView)
        if view.mode == "unit":
            view.unit = message.unit

    def action_select_unit(self: RnnPlayApp, delta: int) -> None:
        """Up / down: select the hidden unit (the heatmap highlights it)."""
        self.query_one(HiddenHeatmap).move_selection(delta)

    def action_toggle_colour(self: RnnPlayApp) -> None:
        """c: colour the sample by token probability or by the selected unit."""
        view = self.query_one(SampleView)
        view.unit = self.query_one(HiddenHeatmap).selected_unit
        mode = view.toggle_mode()
        what = "probability" if mode == "probability" else f"hidden unit {view.unit}"
        self.notify(f"sample coloured by {what}", timeout=1.5)

    def action_inspect(self: RnnPlayApp, token: int | None = None) -> None:
        """i: the Inspect view, explaining the sample's ``token``-th generated token
        (default: its newest), or on validation text when there is no sample yet."""
        if self.screen is self.screen_stack[0]:
            has_sample = self.query_one(SampleView).token_count > 0
            self.push_screen(InspectScreen("sample" if has_sample else "validation", token))

    def on_sample_view_token_picked(self: RnnPlayApp, message: SampleView.TokenPicked) -> None:
        """A click on a sampled token opens the inspector where it was predicted."""
        self.action_inspect(message.index)

    def action_toggle_sort(self: RnnPlayApp) -> None:
        """v: order the heatmap's units by their variance over the sample, or by index."""
        heatmap = self.query_one(HiddenHeatmap)
        heatmap.sort_by_variance = not heatmap.sort_by_variance
