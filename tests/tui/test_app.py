"""Pilot tests of the playground: keys drive the real Trainer and Sampler.

Every test uses a tiny seeded model and ends with no training thread
running (checked by the ``no_training_left`` fixture).
"""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from textual.widgets import Tab, Tabs

from rnnplay.core.sampling.sampler import Sampler
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.tui import keys
from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.messages import SampleTokens
from rnnplay.tui.sampling import SampleSettings, run_sample
from rnnplay.tui.screens import ConfirmScreen, HelpScreen, OpenCheckpointScreen, TooSmallScreen
from rnnplay.tui.screens.help import help_plain_text
from rnnplay.tui.widgets.controls import Controls
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.sample_view import SampleView
from tests.tui.app_helpers import (
    make_app,
    press_live,
    record_notifications,
    stop_training,
    tiny_config,
    wait_for,
    wait_thread_gone,
)

SIZE = (120, 40)


@pytest.fixture
def apps():
    """Apps a test created; after it, none may still have a training loop running."""
    created: list[RnnPlayApp] = []
    yield created
    for app in created:
        assert app.session.wait_idle(5.0), "a test left a training thread running"


def new_app(apps, tmp_path, **kwargs) -> RnnPlayApp:
    app = make_app(tmp_path, **kwargs)
    apps.append(app)
    return app


async def test_opens_paused_on_the_default_corpus_with_a_hint(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.training
        assert app.session.trainer.step_count == 0
        status = app.query_one("#status")
        lines = [status.render_line(y).text for y in range(8)]
        assert any("paused" in line and "space" in line for line in lines)
        assert any("sonnets" in line for line in lines)


async def test_space_starts_and_pauses_training(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        assert app.training
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 5)
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: not app.training, timeout=2.0)
        steps = app.session.trainer.step_count
        await pilot.pause(0.3)
        assert app.session.trainer.step_count == steps, "training went on after pausing"
        chart_x, _ = app.query_one(LossChart).train_points
        assert len(chart_x) > 0 and chart_x[-1] <= app.session.trainer.tokens_seen
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: app.session.trainer.step_count > steps)
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: not app.training, timeout=2.0)


async def test_n_advances_exactly_one_step(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        trainer = app.session.trainer
        assert trainer.step_count == 0
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.training)
        assert trainer.step_count == 1
        assert trainer.tokens_seen == 4 * 8
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.training)
        await pilot.pause()
        assert trainer.step_count == 2
        status = app.query_one("#status")
        assert status.info.step == 2


async def test_temperature_keys_change_the_sampler_temperature(apps, tmp_path):
    app = new_app(apps, tmp_path, temperature=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert app.sample_settings.temperature == pytest.approx(1.1)
        await pilot.press("minus", "minus", "minus")
        assert app.sample_settings.temperature == pytest.approx(0.8)
        controls = app.query_one(Controls)
        assert controls.query_one("#temperature").value == "0.8"
        await pilot.press(*["minus"] * 9)  # 0.8 -> 0.1, then held at the minimum
        assert app.sample_settings.temperature == pytest.approx(0.1)


def test_a_running_sample_follows_temperature_changes():
    """The sampling thread copies the live settings onto its Sampler before each token."""
    trainer_app = make_app()
    trainer = trainer_app.session.trainer
    snapshot = trainer_app.session.snapshot_model()
    vocab = trainer.dataset.vocab
    settings = SampleSettings(temperature=1.0)
    posted: list = []
    ticks = iter(range(10_000))

    def post(message) -> None:
        posted.append(message)
        if isinstance(message, SampleTokens):
            settings.temperature = 0.25  # the user pressed "-" after the first token

    run_sample(
        run_id=1,
        model=snapshot,
        vocab=vocab,
        prime="Shall ",
        settings=settings,
        seed=7,
        post=post,
        cancelled=lambda: False,
        stop=threading.Event(),
        length=3,
        pace_s=0.0,
        clock=lambda: float(next(ticks)),
    )
    steps = [step for m in posted if isinstance(m, SampleTokens) for step in m.steps]
    assert len(steps) == 3
    reference = Sampler(snapshot, vocab, temperature=1.0, seed=7)
    reference.start("Shall ")
    first = reference.step()
    reference.temperature = 0.25
    second = reference.step()
    assert steps[0].token_id == first.token_id
    np.testing.assert_allclose(steps[0].top_probs, first.top_probs)
    np.testing.assert_allclose(steps[1].top_probs, second.top_probs)
    assert steps[1].top_probs[0] > first.top_probs[0], "a lower temperature sharpens"


async def test_lr_keys_double_and_halve_the_trainer_lr(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        trainer = app.session.trainer
        lr0 = trainer.lr
        await pilot.press("right_square_bracket")
        assert trainer.lr == pytest.approx(2 * lr0)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert trainer.lr == pytest.approx(lr0 / 2)
        # While training runs the change lands between two steps.
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: trainer.step_count >= 3)
        await press_live(pilot, "right_square_bracket")
        await wait_for(pilot, lambda: trainer.lr == pytest.approx(lr0))
        await stop_training(pilot, app)
        assert trainer.lr == pytest.approx(lr0)
        assert app.query_one("#status").info.lr == pytest.approx(lr0)


async def test_up_down_select_the_heatmap_unit(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        heatmap = app.query_one(HiddenHeatmap)
        await pilot.press("g")
        await wait_for(pilot, lambda: heatmap.steps == 24)
        assert heatmap.units == 32
        assert heatmap.selected_unit == 0
        await pilot.press("down", "down", "down")
        assert heatmap.selected_unit == 3
        await pilot.press("up")
        assert heatmap.selected_unit == 2


async def test_g_samples_token_by_token_from_the_prime(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#prime").value = "Shall I"
        await pilot.press("g")
        view = app.query_one(SampleView)
        await wait_for(pilot, lambda: view.token_count == 24)
        assert view.prime == "Shall I"
        assert len(view.generated_text) == 24


async def test_a_prime_with_unknown_characters_is_reported(apps, tmp_path):
    """Said beside the field, and g samples anyway (from a line start here)."""
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#prime").value = "\u00a7\u00a7"
        await pilot.pause()
        assert "unknown" in app.query_one("#prime-note").text
        await pilot.press("g")
        await wait_for(pilot, lambda: app.query_one("#sample").token_count > 0)


async def test_s_writes_a_checkpoint_that_loads(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("n")
            await wait_for(pilot, lambda: not app.training)
        await pilot.press("s")
        await wait_for(pilot, lambda: getattr(app, "last_checkpoint", None) is not None)
        path = app.last_checkpoint
        assert any(path in msg for msg, _ in notes), "the path is shown"
        checkpoint = load_checkpoint(path)
        assert checkpoint.meta["step"] == 3
        live_params = app.session.trainer.model.params
        for saved, live in zip(checkpoint.model.params, live_params, strict=True):
            np.testing.assert_array_equal(saved, live)


async def test_s_while_training_saves_between_steps(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 3)
        await press_live(pilot, "s")
        await wait_for(pilot, lambda: getattr(app, "last_checkpoint", None) is not None)
        await stop_training(pilot, app)
        checkpoint = load_checkpoint(app.last_checkpoint)
        assert checkpoint.meta["step"] >= 3


async def test_r_resets_only_after_confirming(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        fresh = [p.copy() for p in app.session.trainer.model.params]
        for _ in range(2):
            await pilot.press("n")
            await wait_for(pilot, lambda: not app.training)
        before = app.session
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.session is before and app.session.trainer.step_count == 2
        await pilot.press("r")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.session is not before)
        trainer = app.session.trainer
        assert trainer.step_count == 0 and trainer.tokens_seen == 0
        for new, old in zip(trainer.model.params, fresh, strict=True):
            np.testing.assert_array_equal(new, old)  # same seed: the same fresh weights
        assert len(app.query_one(LossChart).train_points[0]) == 0


async def test_r_while_training_stops_the_thread_then_resets(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 3)
        old = app.session
        await press_live(pilot, "r", "y")
        await wait_for(pilot, lambda: app.session is not old)
        assert not old.running
        assert not app.training and app.session.trainer.step_count == 0


async def test_q_exits_promptly_while_training(apps, tmp_path):
    baseline = threading.active_count()
    app = new_app(apps, tmp_path, config=tiny_config(hidden=64, batch=16, bptt=32))
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 3)
        started = time.monotonic()
        await press_live(pilot, "q")
        await wait_for(pilot, lambda: not app.is_running, timeout=2.0)
    took = time.monotonic() - started
    assert took < 1.0, f"quitting took {took:.2f} s"
    await wait_thread_gone(app, timeout=1.0)
    # Threads the app used (the executor's) are all gone once it is shut down.
    await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), 2.0)
    assert threading.active_count() <= baseline


async def test_a_bad_checkpoint_path_shows_an_error_and_keeps_the_session(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a checkpoint")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.training)
        session = app.session
        for bad in (str(tmp_path / "missing.npz"), str(garbage)):
            notes.clear()
            await pilot.press("o")
            assert isinstance(app.screen, OpenCheckpointScreen)
            app.screen.query_one("#path").value = bad
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(sev == "error" for _, sev in notes))
            assert app.is_running
            assert app.session is session and session.trainer.step_count == 1
        await pilot.press("n")
        await wait_for(pilot, lambda: session.trainer.step_count == 2 and not app.training)


async def test_o_opens_a_saved_checkpoint(apps, tmp_path):
    app = new_app(apps, tmp_path, config=tiny_config(eval_every=2))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            await pilot.press("n")
            await wait_for(pilot, lambda: not app.training)
        await pilot.press("s")
        await wait_for(pilot, lambda: getattr(app, "last_checkpoint", None) is not None)
        saved = app.last_checkpoint
        await pilot.press("r", "y")
        await wait_for(pilot, lambda: app.session.trainer.step_count == 0)
        await pilot.press("o")
        app.screen.query_one("#path").value = saved
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.trainer.step_count == 2)
        await pilot.pause()
        status = app.query_one("#status").info
        assert status.step == 2
        # The validation run at step 2 comes back with the checkpoint's history.
        eval_x, eval_y = app.query_one(LossChart).eval_points
        assert len(eval_x) == 1 and eval_x[0] == app.session.trainer.tokens_seen
        assert status.val_ppl == pytest.approx(float(np.exp(eval_y[0])), rel=1e-6)


async def test_nan_loss_is_reported_and_training_stops(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        app.session.trainer.model.params[0][:] = np.nan  # poisoned embedding
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: any(sev == "error" for _, sev in notes))
        await wait_for(pilot, lambda: not app.training)
        assert app.is_running
        assert any("learning rate" in msg for msg, _ in notes)
        assert app.session.trainer.step_count == 0


async def test_structural_change_asks_then_rebuilds(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        controls = app.query_one(Controls)
        controls.query_one("#hidden").value = "24"
        await pilot.pause()
        assert not controls.query_one("#apply").disabled
        controls.query_one("#apply").press()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.session.config.hidden == 24)
        assert app.session.trainer.model.config.hidden == 24
        assert controls.query_one("#apply").disabled


async def test_live_lr_field_applies_without_reset(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.training)
        session = app.session
        field = app.query_one("#lr")
        field.focus()
        field.value = "0.01"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session is session and session.trainer.step_count == 1
        assert session.trainer.lr == pytest.approx(0.01)


async def test_help_screen_opens_and_closes(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = help_plain_text(tabs=False)
        for panel in ("Status", "Loss", "Sample", "Hidden state", "Next token", "Gradient flow"):
            assert panel in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_help_lists_u_m_b_and_the_compare_and_runs_screens_keys():
    lines = help_plain_text(tabs=False).splitlines()
    for key, words in (("u", "nats, bits"), ("m", "race"), ("b", "run folders")):
        assert any(line.startswith(f"{key}  ") and words in line for line in lines), key
    compare = next(line for line in lines if line.startswith("in m  Compare view:"))
    runs = next(line for line in lines if line.startswith("in b  Runs screen:"))
    for shown in ("space races", "n one round", "u loss unit", "esc back", "q quit"):
        assert shown in compare
    for shown in ("space marks", "o continues", "g samples", "esc back"):
        assert shown in runs


async def test_help_fits_80x24_and_scrolls_with_the_keys_people_try(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        scroll = app.screen.query_one("#help-scroll")
        assert scroll.has_focus, "the arrows scroll at once, without a Tab first"
        assert scroll.region.height <= 24 and scroll.region.width <= 80
        assert scroll.max_scroll_y > 0
        await pilot.press("down")
        assert scroll.scroll_y == 1
        await pilot.press("pagedown")
        assert scroll.scroll_y > 1
        await pilot.press("end")
        assert scroll.scroll_y == scroll.max_scroll_y
        assert "close" in str(scroll.border_subtitle), "the closing line is always in sight"
        # Narrow: the tab keys are listed; wide: they are not.
        assert "1 - 4" in help_plain_text(tabs=True)
        assert "1 - 4" not in help_plain_text(tabs=False)


async def test_a_tab_activation_that_arrives_late_does_not_pull_the_view_back(apps, tmp_path):
    """A tab key pressed before the bar's own activation was handled (the first key
    at start-up): the late activation is stale. Following it made the two tabs pull
    the view back and forth for ever (found by a snapshot taking 40 s, not 1 s)."""
    app = new_app(apps, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tabs = app.query_one("#tabs", Tabs)
        handled: list[str] = []
        original = app.on_tabs_tab_activated

        def count(event: Tabs.TabActivated) -> None:
            handled.append(event.tab.id)
            original(event)

        app.on_tabs_tab_activated = count  # type: ignore[method-assign]
        await pilot.press("4")
        tabs.post_message(Tabs.TabActivated(tabs, tabs.query_one("#tab-train", Tab)))
        for _ in range(10):
            await pilot.pause()
        assert tabs.active == "tab-controls"
        assert app.query_one("#main").has_class("tab-controls")
        assert not app.query_one("#main").has_class("tab-train")
        assert len(handled) <= 3, f"the tabs kept activating each other: {handled}"


async def test_small_terminals_get_tabs_and_tiny_ones_a_message(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.query_one("#main")
        assert main.has_class("narrow")
        assert app.query_one("#tabs").display
        assert app.query_one("#loss").display and app.query_one("#loss").region.height > 5
        assert app.query_one("#heatmap").region.height == 0
        await pilot.press("3")
        await pilot.pause()
        assert app.query_one("#heatmap").region.height > 5
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert not isinstance(app.screen, TooSmallScreen)
        assert main.has_class("wide")
        for panel in ("#status", "#loss", "#gradflow", "#controls", "#sample", "#heatmap"):
            assert app.query_one(panel).region.height > 3, panel


async def test_training_streams_samples_and_gradient_flow(apps, tmp_path):
    app = new_app(apps, tmp_path, auto_sample=True)
    app.session.grad_flow_interval = 0.2
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        view = app.query_one(SampleView)
        flow = app.query_one("#gradflow")
        await wait_for(pilot, lambda: view.token_count > 0 and flow.probes > 0)
        await stop_training(pilot, app)


def test_the_sampling_snapshot_holds_weights_of_its_own():
    session = make_app().session
    model = session.trainer.model
    snapshot = session.snapshot_model()
    for mine, theirs in zip(snapshot.params, model.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    model.params[0][:] = 0.0  # training moves on; the snapshot does not
    assert not np.array_equal(snapshot.params[0], model.params[0])


async def test_every_key_is_in_the_command_palette(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for title in (
            "Start / pause training",
            "One training step",
            "New sample",
            "Temperature up",
            "Temperature down",
            "Learning rate x2",
            "Learning rate /2",
            "Previous hidden unit",
            "Next hidden unit",
            "Save checkpoint",
            "Open checkpoint",
            "Reset training",
            "Help",
        ):
            assert title in titles
        # Running one from the palette's list does what the key does.
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        command = commands["Temperature up"]
        before = app.sample_settings.temperature
        command.callback()
        await pilot.pause()
        assert app.sample_settings.temperature == pytest.approx(before + 0.1)
        # One table: every key of the table is bound, and in the palette where it applies.
        bound = {binding.action for binding in app.BINDINGS}
        assert bound == {action.action for action in keys.ACTIONS}
        assert "Train tab" not in titles, "no tab keys where there are no tabs"
        assert "Keys" not in titles, "Textual's Keys panel squeezed the loss chart"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        narrow = {command.title for command in app.get_system_commands(app.screen)}
        assert "Train tab" in narrow


async def test_c_colours_the_sample_by_the_selected_unit_and_v_sorts(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        heatmap = app.query_one(HiddenHeatmap)
        view = app.query_one(SampleView)
        await pilot.press("g")
        await wait_for(pilot, lambda: heatmap.steps == 24)
        await pilot.press("down", "down", "c")
        assert view.mode == "unit" and view.unit == 2
        await pilot.press("down")
        assert view.unit == 3, "the colouring follows the selected unit"
        await pilot.press("c")
        assert view.mode == "probability"
        assert not heatmap.sort_by_variance
        await pilot.press("v")
        assert heatmap.sort_by_variance
        variances = heatmap.states.var(axis=0)
        assert heatmap.display_order()[0] == int(np.argmax(variances))


async def test_a_corpus_that_fails_keeps_the_session(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.training)
        session = app.session
        empty = tmp_path / "empty.txt"
        empty.write_text("")
        controls = app.query_one(Controls)
        controls.query_one("#corpus").value = str(empty)
        await pilot.pause()
        controls.query_one("#apply").press()
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: any(sev == "error" for _, sev in notes))
        assert any("empty" in msg for msg, sev in notes if sev == "error")
        assert app.session is session and session.trainer.step_count == 1
        assert app.is_running
