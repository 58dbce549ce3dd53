"""Pilot tests of what a newcomer hits in the first minutes.

Open, reset and apply while a slow step runs; the one-step notice; the
saved checkpoint's name; the open dialog; an opened checkpoint's figures;
the learning-rate bounds; a failed apply; samples that do not flash away;
the screenshot's folder.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.trainer import Trainer
from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.lifecycle import FINISHING
from rnnplay.tui.screens import OpenCheckpointScreen
from rnnplay.tui.widgets.controls import Controls
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.sample_view import SampleView
from rnnplay.tui.widgets.status import StatusPanel
from tests.tui.app_helpers import (
    make_app,
    press_live,
    record_notifications,
    stop_training,
    tiny_config,
    wait_for,
)

SIZE = (120, 40)
SLOW_STEP_S = 2.3
"""Longer than the 2 s the app used to wait before giving up."""


@pytest.fixture
def apps():
    created: list[RnnPlayApp] = []
    yield created
    for app in created:
        assert app.session.wait_idle(10.0), "a test left a training thread running"


def new_app(apps, tmp_path, **kwargs) -> RnnPlayApp:
    app = make_app(tmp_path, **kwargs)
    apps.append(app)
    return app


def slow_down(trainer: Trainer, in_step: threading.Event) -> None:
    """Make every training step of ``trainer`` take SLOW_STEP_S seconds."""
    step = trainer.step

    def slow_step():
        in_step.set()
        time.sleep(SLOW_STEP_S)
        return step()

    trainer.step = slow_step  # type: ignore[method-assign]


def saved_checkpoint(tmp_path: Path) -> Path:
    """A checkpoint of the tiny model after 2 steps, validated at step 2."""
    from rnnplay.tui.training import build_trainer

    trainer = build_trainer(tiny_config(eval_every=2))
    for _ in trainer.run(max_steps=2):
        pass
    folder = tmp_path / "runs" / "run-1"
    folder.mkdir(parents=True)
    return trainer.save(folder / "last.npz")


def status_text(app: RnnPlayApp) -> str:
    panel = app.query_one(StatusPanel)
    return "\n".join(panel.render_line(y).text for y in range(panel.size.height))


async def start_slow_training(app, pilot) -> threading.Event:
    in_step = threading.Event()
    slow_down(app.session.trainer, in_step)
    await press_live(pilot, "space")
    await wait_for(pilot, in_step.is_set)
    return in_step


async def test_open_while_a_slow_step_runs_waits_and_opens(apps, tmp_path):
    checkpoint = saved_checkpoint(tmp_path)
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start_slow_training(app, pilot)
        old = app.session
        await press_live(pilot, "o")
        assert isinstance(app.screen, OpenCheckpointScreen)
        app.screen.query_one("#path").value = str(checkpoint)
        await press_live(pilot, "enter")
        await wait_for(pilot, lambda: app.busy == FINISHING, timeout=3)
        assert "finishing the current step" in status_text(app)
        await wait_for(pilot, lambda: app.session is not old, timeout=SLOW_STEP_S + 5)
        assert not old.running
        assert app.session.trainer.step_count == 2
        assert app.busy is None


async def test_reset_while_a_slow_step_runs_never_fails(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await start_slow_training(app, pilot)
        old = app.session
        await press_live(pilot, "r", "y")
        await wait_for(pilot, lambda: app.session is not old, timeout=SLOW_STEP_S + 5)
        assert app.session.trainer.step_count == 0
        assert not any(severity == "error" for _, severity in notes)


async def test_apply_while_a_slow_step_runs_and_a_failed_apply_keeps_training(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await start_slow_training(app, pilot)
        old = app.session
        controls = app.query_one(Controls)
        # A corpus that cannot be read: training goes on, the field is put back.
        empty = tmp_path / "empty.txt"
        empty.write_text("")
        controls.query_one("#corpus").value = str(empty)
        await pilot.pause()
        controls.query_one("#apply").press()
        await pilot.pause()
        await press_live(pilot, "y")
        await wait_for(pilot, lambda: any(sev == "error" for _, sev in notes), timeout=5)
        assert app.session is old and old.running, "training went on"
        assert controls.query_one("#corpus").value == "sonnets", "the field was put back"
        # A good change applies once the slow step is done.
        controls.query_one("#hidden").value = "24"
        await pilot.pause()
        controls.query_one("#apply").press()
        await pilot.pause()
        await press_live(pilot, "y")
        await wait_for(pilot, lambda: app.session is not old, timeout=2 * SLOW_STEP_S + 5)
        assert app.session.config.hidden == 24


async def test_n_says_the_loss_of_its_one_step(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: any(msg.startswith("one step") for msg, _ in notes))
        loss = app.session.last_step.loss
        assert (f"one step: loss {loss:.2f}", "information") in notes
        assert not any("step limit" in msg for msg, _ in notes)


async def test_a_save_while_training_is_named_after_the_step_it_holds(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 3)
        await press_live(pilot, "s")
        await wait_for(pilot, lambda: app.last_checkpoint is not None)
        await stop_training(pilot, app)
        path = Path(app.last_checkpoint)
        step = load_checkpoint(path).meta["step"]
        assert path.name == f"step{step:06d}.npz"
        run_folder = path.parent.parent
        assert path.parent.name == "saves" and run_folder.parent == tmp_path / "ckpt"
        assert (run_folder / "run.json").exists(), "a run folder of runs_dir, with its manifest"
        assert f"ckpt/{run_folder.name}" in status_text(app), "the run folder is shown"


async def test_the_open_dialog_lists_checkpoints_newest_first(apps, tmp_path):
    first = saved_checkpoint(tmp_path)
    second = first.parent.parent / "run-2" / "checkpoint.npz"
    second.parent.mkdir()
    second.write_bytes(first.read_bytes())
    later = time.time() + 10
    import os

    os.utime(second, (later, later))
    app = new_app(apps, tmp_path, runs_dir=tmp_path / "runs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, OpenCheckpointScreen)
        assert [c.path for c in screen.found] == [second, first]
        assert screen.found[0].step == 2 and screen.found[0].val_loss is not None
        label = screen.found[0].label(tmp_path / "runs")
        assert label.startswith("run-2/checkpoint.npz") and "step 2" in label and "val " in label
        await pilot.press("enter")  # the newest, highlighted
        await wait_for(pilot, lambda: app.session.trainer.step_count == 2)


async def test_confined_paths_refuse_a_checkpoint_outside_the_runs_folder(apps, tmp_path):
    checkpoint = saved_checkpoint(tmp_path)
    outside = tmp_path / "elsewhere.npz"
    outside.write_bytes(checkpoint.read_bytes())
    app = new_app(apps, tmp_path, runs_dir=tmp_path / "runs", confine_paths=True)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        session = app.session
        await pilot.press("o")
        assert [c.path for c in app.screen.found] == [checkpoint], "runs under runs_dir only"
        app.screen.query_one("#path").focus()
        app.screen.query_one("#path").value = str(outside)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(sev == "error" for _, sev in notes))
        assert app.session is session
        assert any("is outside" in msg for msg, _ in notes)


async def test_an_opened_checkpoint_shows_its_figures_and_starts_a_sample(apps, tmp_path):
    checkpoint = saved_checkpoint(tmp_path)
    trainer = Trainer.resume(checkpoint)
    app = RnnPlayApp(
        trainer, sample_pace_s=0.0, sample_tokens=24, auto_sample=False, start_sample=True
    )
    apps.append(app)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(SampleView)
        await wait_for(pilot, lambda: view.token_count == 24)
        info = app.query_one(StatusPanel).info
        assert info.step == 2
        assert info.val_ppl is not None and info.val_loss is not None
        assert info.val_ppl == pytest.approx(float(np.exp(info.val_loss)))
        assert info.train_loss is not None, "the checkpoint's smoothed training loss"
        assert info.train_loss == pytest.approx(trainer.train_loss)


async def test_the_learning_rate_is_bounded_and_high_values_are_warned(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["right_square_bracket"] * 12)  # adam 0.02 * 4096
        assert app.session.trainer.lr == pytest.approx(1.0), "held at adam's bound"
        assert any(sev == "warning" and "unusually high" in msg for msg, sev in notes)
        assert any(sev == "warning" and "the most adam allows" in msg for msg, sev in notes)


async def test_a_new_sample_keeps_the_old_text_until_its_first_tokens(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(SampleView)
        await pilot.press("g")
        await wait_for(pilot, lambda: view.token_count == 24)
        old_text = view.generated_text
        app.samples.auto = False
        # A new run started (SampleStarted) but no tokens arrived yet: the old text stays.
        from rnnplay.tui.messages import SampleStarted

        app.samples.run_id += 1
        app.samples.started(SampleStarted(app.samples.run_id, ""))
        app._show_pending_samples()
        assert view.generated_text == old_text and view.token_count == 24
        assert app.query_one(HiddenHeatmap).steps == 24


async def test_v_shows_the_highest_variance_units(apps, tmp_path):
    app = new_app(apps, tmp_path, config=tiny_config(hidden=128))
    async with app.run_test(size=SIZE) as pilot:
        heatmap = app.query_one(HiddenHeatmap)
        await pilot.press("g")
        await wait_for(pilot, lambda: heatmap.steps == 24)
        heatmap.select_unit(100)
        await pilot.press("v")
        await pilot.pause()
        variances = heatmap.states.var(axis=0)
        assert heatmap.page_top == 0
        assert heatmap.visible_units()[0] == int(np.argmax(variances))


async def test_the_screenshot_goes_into_the_run_folder_and_says_where(apps, tmp_path):
    app = new_app(apps, tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.training)
        app.action_screenshot()
        folder = app.place.folder
        assert folder is not None
        shots = list(folder.glob("*.svg"))
        assert len(shots) == 1
        assert any(str(shots[0]) in msg for msg, _ in notes)


async def test_a_confined_screenshot_stays_under_the_runs_folder(apps, tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    runs = tmp_path / "runs"
    app = new_app(apps, tmp_path, runs_dir=runs, confine_paths=True)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE):
        app.action_screenshot()  # before any training: a run folder is claimed for it
        folder = app.place.folder
        assert folder is not None and folder.parent == runs
        assert len(list(folder.glob("*.svg"))) == 1
        app.action_screenshot(path=str(tmp_path))
        assert any(sev == "error" and "is outside" in msg for msg, sev in notes)
    assert list(elsewhere.iterdir()) == [] and list(tmp_path.glob("*.svg")) == []


async def test_focus_is_predictable_tab_goes_to_the_prime_and_escape_leaves(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        prime = app.query_one("#prime")
        await pilot.press("tab")
        assert app.focused is prime, "the first Tab goes to the prime"
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("p")
        assert app.focused is prime, "p jumps to the prime"
        await pilot.press("escape")
        corpus = app.query_one(Controls).query_one("#corpus")
        corpus.focus()
        await pilot.pause()
        await pilot.press("x")
        assert corpus.value == "sonnetsx", "focusing a field does not select (and replace) it"
        assert "leave_field" in footer_actions(app), "the footer says how to leave a field"
        await pilot.press("escape")
        assert app.focused is None
        assert "leave_field" not in footer_actions(app)


def footer_actions(app: RnnPlayApp) -> list[str]:
    return [b.binding.action for b in app.screen.active_bindings.values() if b.enabled]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)])
async def test_the_footer_shows_help_and_quit_at_every_size(apps, tmp_path, size):
    from textual.widgets._footer import FooterKey

    app = new_app(apps, tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        shown = {
            key.key: key.region
            for key in app.screen.query(FooterKey)
            if key.region.width and key.region.right <= size[0]
        }
        assert "question_mark" in shown and "q" in shown, sorted(shown)
        keys = list(app.screen.query(FooterKey))
        (palette,) = [key for key in keys if key.has_class("-command-palette")]
        for key in keys:
            if key is not palette:  # whole keys only, none cut by the palette or the edge
                assert key.region.width and key.region.right <= palette.region.x, key.description
