"""Snapshot tests of the whole playground at the three sizes people use.

A tiny seeded model on the built-in sonnets, no training thread, no clock
shown: "mid-training" frames get seeded figures, curves, a sample and
gradient probes injected (tests/tui/app_helpers.seed_mid_training).
Regenerate with `--snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from tests.tui.app_helpers import make_app, seed_mid_training


def seeded(pilot) -> None:
    seed_mid_training(pilot.app)


def test_app_idle_120x40(snap_compare):
    """Every panel on screen; paused with the space hint."""
    assert snap_compare(make_app(), terminal_size=(120, 40))


def test_app_mid_training_120x40(snap_compare):
    """Every panel filled: the sample has the most room; the footer ends with ? and q."""
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=seeded)


def test_app_mid_training_80x24(snap_compare):
    """Narrow: tabs, the Train tab with status and chart side by side; ? and q in the footer."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=seeded)


def test_app_mid_training_80x24_sample_tab(snap_compare):
    """Narrow, tab 2: the sample and the next token."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=seeded, press=["2"])


def test_app_mid_training_160x50(snap_compare):
    """Large terminal: the grid grows, the sample and heatmap get the space."""
    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=seeded)


def test_app_idle_80x24_network_tab(snap_compare):
    """Narrow, tab 3: gradient flow and hidden-state heatmap."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["3"])


def test_app_help_screen(snap_compare):
    """'?' lists the keys first, then what each panel shows."""
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["question_mark"])


def test_app_help_screen_scrolled_to_its_end_80x24(snap_compare):
    """At 80x24 the help scrolls: End shows its last lines; the closing line stays on the border."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["question_mark", "end"])


def test_app_too_small(snap_compare):
    """Below 60x20 a message replaces the playground."""
    assert snap_compare(make_app(), terminal_size=(50, 15))
