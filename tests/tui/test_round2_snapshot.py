"""Snapshots of the views issue 24 (first use, round 2) changed, at 80x24 and 160x50.

Regenerate with `--snapshot-update` and look at the PNGs (../shared/tools/svg2png).
"""

from __future__ import annotations

import pytest

from tests.tui.app_helpers import make_app, seed_mid_training

SIZES = [(80, 24), (160, 50)]
PRIME_KEYS = ["p", "T", "h", "at", "space", "l", "o", "v", "e"]


def seeded(pilot) -> None:
    seed_mid_training(pilot.app)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x50"])
def test_prime_with_unknown_characters(snap_compare, size):
    """The note after the prime names '@' and says it is left out."""
    assert snap_compare(make_app(), terminal_size=size, run_before=seeded, press=PRIME_KEYS)


def overfitting(pilot) -> None:
    from rnnplay.tui.widgets.loss_chart import LossChart
    from tests.tui.test_chart_range import overfitting_run

    seed_mid_training(pilot.app)
    pilot.app.query_one(LossChart).set_data(*overfitting_run())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x50"])
def test_loss_chart_of_an_overfitting_run(snap_compare, size):
    """Validation marks on top of the training line; the rise spans rows."""
    assert snap_compare(make_app(), terminal_size=size, run_before=overfitting)


def word_sample(pilot) -> None:
    from tests.tui.panel_apps import sample_steps

    app = pilot.app
    seed_mid_training(app)
    view = app.query_one("#sample")
    view.clear(prime="the love ")
    view.extend(sample_steps(units=32)[:12])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x50"])
def test_word_level_status_and_sample(snap_compare, size):
    """Word level: the vocabulary size on the status; prime and words apart."""
    from tests.tui.app_helpers import tiny_config

    app = make_app(config=tiny_config(level="word", hidden=512, embed=256))
    assert snap_compare(app, terminal_size=size, run_before=word_sample)
