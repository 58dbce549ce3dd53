"""The Inspect view (i): cursor, text sources, unit search and pick, the Sample view's
link, live and frozen weights; and the n-gram lines on the loss chart.

Every figure the view shows is checked against the inspector of the core
(rnnplay.core.inspect) run directly on the same weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.inspect import Inspector
from rnnplay.core.inspect.loss_split import ngram_references
from rnnplay.tui import inspection
from rnnplay.tui.keys import help_rows
from rnnplay.tui.screens.inspect import InspectScreen
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.hidden_column import HiddenColumn
from rnnplay.tui.widgets.inspect_text import InspectText, blame_levels
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.sample_view import SampleView
from tests.tui.app_helpers import make_app, record_notifications, stop_training, wait_for

SIZE = (120, 40)


@pytest.fixture
def apps():
    created = []
    yield created
    for app in created:
        assert app.session.wait_idle(5.0), "a test left a training thread running"


def new_app(apps, tmp_path, **kwargs):
    app = make_app(tmp_path, **kwargs)
    apps.append(app)
    return app


async def open_inspector(pilot, key: str = "i") -> InspectScreen:
    await pilot.press(key)
    screen = pilot.app.screen
    assert isinstance(screen, InspectScreen)
    await settled(pilot, screen)
    return screen


async def settled(pilot, screen: InspectScreen, answers: int = 1) -> None:
    """Until the worker has answered everything asked so far."""
    await wait_for(
        pilot,
        lambda: screen.answers >= answers and screen._asked is None and not screen._pending,
    )
    await pilot.pause()


async def sample(pilot) -> None:
    await pilot.press("g")
    await wait_for(pilot, lambda: not pilot.app.samples.active)
    await wait_for(pilot, lambda: pilot.app.query_one(SampleView).token_count >= 24)


def reference(screen: InspectScreen):
    """The core's own answer for the screen's text on the screen's weights."""
    inspector = Inspector(screen.model, screen.vocab)
    return inspector, inspector.read(screen.ids, top_k=inspection.TOP_K)


async def test_the_cursor_moves_and_every_panel_follows_it(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot)
        assert screen.source == "validation"  # no sample yet
        inspector, reading = reference(screen)
        assert screen.cursor == screen.ids.size - 2  # predicts the text's last token
        await pilot.press("left", "left", "left")
        await settled(pilot, screen, answers=2)
        t = screen.cursor
        assert t == screen.ids.size - 5
        assert screen.query_one(InspectText).cursor == t
        shown = screen.query_one(NextTokenDistribution).candidates
        top = [screen.vocab.tokens[int(i)] for i in reading.top_ids[t]]
        assert [row.token for row in shown][: len(top)] == top
        np.testing.assert_allclose([row.prob for row in shown][: len(top)], reading.top_probs[t])
        chosen = screen.query_one(NextTokenDistribution).chosen
        assert chosen is not None and chosen.token == reading.tokens[t + 1]
        hidden = screen.query_one(HiddenColumn)
        h = reading.layers[-1]["h"][t]
        np.testing.assert_allclose(hidden.values, h, rtol=1e-6)
        assert list(hidden.order()[:3]) == list(np.argsort(-np.abs(h), kind="stable")[:3])
        blame = inspector.blame(screen.ids, t)
        text = screen.query_one(InspectText)
        np.testing.assert_array_equal(text._blame, blame_levels(blame.norms))
        await pilot.press("escape")
        assert not isinstance(app.screen, InspectScreen)


async def test_the_text_source_switches_and_a_typed_text_is_checked(apps, tmp_path):
    app = new_app(apps, tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await sample(pilot)
        screen = await open_inspector(pilot)
        assert screen.source == "sample"
        view = app.query_one(SampleView)
        assert list(screen.ids) == view.token_ids  # no prime: the sample alone
        await pilot.press("t")
        await settled(pilot, screen, answers=2)
        assert screen.source == "validation"
        valid = app.session.trainer.dataset.valid
        assert list(screen.ids) == list(valid[: screen.ids.size])
        await pilot.press("t")  # typed: asks for a text
        for key in ("W", "h", "y", "space", "s", "o", "enter"):
            await pilot.press(key)
        await settled(pilot, screen, answers=3)
        assert screen.source == "typed"
        assert "".join(screen.vocab.tokens[int(i)] for i in screen.ids) == "Why so"
        await pilot.press("t", "t", "t")  # typed -> sample -> validation -> typed (asks)
        field = screen.query_one("#inspect-input")
        assert field.has_focus and field.value == "Why so"  # offered again to edit
        field.value = "Why so €"  # a character the sonnets never use
        await pilot.press("enter")
        await pilot.pause()
        assert screen.source == "validation"  # the bad text changed nothing
        assert any(severity == "error" for _, severity in seen)


async def test_search_ranks_units_and_picking_one_colours_the_text(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(30):  # a few steps, so units differ from each other
            app.session.trainer.step()
        screen = await open_inspector(pilot)
        await pilot.press("slash", *"vowel", "enter")
        inspector, reading = reference(screen)
        expected = inspector.units(reading, "vowel", top=12)
        assert [(s.layer, s.unit) for s in screen._scores] == [(s.layer, s.unit) for s in expected]
        await pilot.press("down", "enter")  # the second unit
        await pilot.pause()
        picked = expected[1]
        assert screen.unit is not None and (screen.unit.layer, screen.unit.unit) == (
            picked.layer,
            picked.unit,
        )
        text = screen.query_one(InspectText)
        assert text.colouring == "unit"
        np.testing.assert_allclose(
            text._activation, reading.layers[picked.layer]["h"][:, picked.unit], rtol=1e-6
        )
        assert screen.query_one(HiddenColumn).marked == picked.unit
        await pilot.press("c")
        assert text.colouring == "blame"
        await pilot.press("slash", "[", "enter")  # a bad expression: one line, nothing breaks
        await pilot.pause()
        assert screen.unit is not None


async def test_a_click_on_a_sampled_token_opens_the_inspector_where_it_was_predicted(
    apps, tmp_path
):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sample(pilot)
        view = app.query_one(SampleView)
        await pilot.click(SampleView, offset=(6, 1))  # inside the border: token 5
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        await settled(pilot, screen)
        assert screen.source == "sample"
        assert screen.cursor == 4
        assert int(screen.ids[screen.cursor + 1]) == view.token_ids[5]
        chosen = screen.query_one(NextTokenDistribution).chosen
        assert chosen is not None and chosen.token == view.generated_text[5]


async def test_live_follows_training_and_frozen_keeps_its_copy(apps, tmp_path, monkeypatch):
    monkeypatch.setattr(inspection, "LIVE_REFRESH_S", 0.0)
    monkeypatch.setattr(inspection, "LIVE_BUDGET", 1.0)  # refresh as soon as one is done
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot)
        trainer = app.session.trainer
        assert screen.model_step == 0 and screen.live
        first = screen.model
        assert all(a is not b for a, b in zip(first.params, trainer.model.params, strict=True))
        await pilot.press("space")  # training, from the Inspect view
        await wait_for(pilot, lambda: screen.model_step >= 20)
        assert screen.model is not first
        await pilot.press("f")  # frozen from here on
        await settled(pilot, screen)
        frozen, step = screen.model, screen.model_step
        await wait_for(pilot, lambda: trainer.step_count > step + 50)
        await pilot.pause(1.0)
        assert screen.model is frozen and screen.model_step == step
        await stop_training(pilot, app)
        await pilot.press("f")  # live again: the newest weights come at once
        await wait_for(pilot, lambda: screen.model_step == trainer.step_count)
        for mine, theirs in zip(screen.model.params, trainer.model.params, strict=True):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("cell", ["rnn", "gru"])
async def test_gates_follow_the_cell(apps, tmp_path, cell):
    from rnnplay.tui.widgets.gates import GatesPanel
    from tests.tui.app_helpers import tiny_config

    app = new_app(apps, tmp_path, config=tiny_config(cell=cell, layers=2))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot)
        gates = screen.query_one(GatesPanel)
        if cell == "rnn":
            assert not gates.rows and "no gates" in gates.hint
        else:
            assert [name for name, _ in gates.rows] == ["z", "r", "candidate"]
            _, reading = reference(screen)
            np.testing.assert_allclose(
                gates.rows[0][1], reading.layers[1]["z"][screen.cursor], rtol=1e-6
            )
        await pilot.press("l")  # the next layer: the bottom one
        assert screen.layer_index == 0
        hidden = screen.query_one(HiddenColumn)
        _, reading = reference(screen)
        np.testing.assert_allclose(hidden.values, reading.layers[0]["h"][screen.cursor], rtol=1e-6)


async def test_the_loss_chart_draws_the_ngram_lines_once_fitted(apps, tmp_path):
    app = new_app(apps, tmp_path, ngram_orders=(2, 3))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.references.fitted == 1, timeout=60)
        dataset = app.session.trainer.dataset
        expected = ngram_references(dataset.train, dataset.valid, len(dataset.vocab), (2, 3))
        lines = dict(app.query_one(LossChart).references)
        assert lines["2-gram (Kneser-Ney)"] == pytest.approx(expected["2-gram"])
        assert lines["3-gram (Kneser-Ney)"] == pytest.approx(expected["3-gram"])
        assert len(lines) == 4  # uniform and unigram too


async def test_the_compare_view_draws_the_ngram_lines_too(apps, tmp_path):
    from rnnplay.tui.screens.compare import CompareScreen

    app = new_app(apps, tmp_path, ngram_orders=(2,))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.references.fitted == 1, timeout=60)
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await pilot.press("n")  # one round: the race's folders and datasets exist
        await wait_for(pilot, lambda: app.references.fitted == 2, timeout=60)
        assert "2-gram (Kneser-Ney)" in dict(screen.references)
        await pilot.press("escape")
        await pilot.pause(0.5)


def test_the_inspect_key_is_in_the_help_with_the_views_own_keys():
    rows = dict(help_rows(tabs=False))
    assert "Inspect" not in rows.get("i", "") or rows["i"].startswith("ask the model why")
    assert rows["i"].startswith("ask the model why")
    assert "searches units" in rows["in i"] and "follows training or freezes" in rows["in i"]


async def test_the_palette_lists_inspect(apps, tmp_path):
    app = new_app(apps, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Inspect" in titles
