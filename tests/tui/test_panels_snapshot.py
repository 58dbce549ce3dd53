"""Snapshot tests: each "what the network computes" panel mounted alone with seeded data.

The data come from tests/tui/panel_apps.py (seeded NumPy, fixed tokens), the
environment is pinned by conftest.py, and no training thread runs, so every
frame is reproducible. Regenerate with `--snapshot-update` and look at the
SVGs (../shared/tools/svg2png) before committing them.
"""

from __future__ import annotations

from tests.tui.panel_apps import (
    distribution_app,
    gradient_flow_app,
    heatmap_app,
    sample_view_app,
)

PANEL = (80, 24)
SMALL = (38, 8)


def test_heatmap_default(snap_compare):
    """48 units x 60 steps of seeded tanh values, tokens on top, unit 0 selected."""
    assert snap_compare(heatmap_app(), terminal_size=PANEL)


def test_heatmap_word_level_header(snap_compare):
    """Word tokens: whole words over their columns, as many as fit, a space apart."""
    assert snap_compare(heatmap_app(words=True), terminal_size=PANEL)


def test_heatmap_selected_unit(snap_compare):
    """Three presses of down select unit 3: its label is highlighted and its value shown."""
    assert snap_compare(heatmap_app(), terminal_size=PANEL, press=["down", "down", "down"])


def test_heatmap_sorted_by_variance(snap_compare):
    """'v' orders rows by variance: the slow, strong units come first."""
    assert snap_compare(heatmap_app(), terminal_size=PANEL, press=["v"])


def test_heatmap_paged(snap_compare):
    """PageDown shows the next page of units, the selection moving with it."""
    assert snap_compare(heatmap_app(), terminal_size=PANEL, press=["pagedown"])


def test_heatmap_cursor_moved_back(snap_compare):
    """Left moves the column cursor: the value line reads an earlier step."""
    assert snap_compare(heatmap_app(), terminal_size=PANEL, press=["left"] * 5)


def test_heatmap_small(snap_compare):
    """At about the size an 80x24 layout gives a panel, it still shows rows and a value."""
    assert snap_compare(heatmap_app(), terminal_size=SMALL)


def test_heatmap_empty(snap_compare):
    """Before any sample: a dim hint."""
    assert snap_compare(heatmap_app(with_data=False), terminal_size=SMALL)


def test_sample_view_by_probability(snap_compare):
    """Tokens coloured by their probability, the prime styled apart, a legend line."""
    assert snap_compare(sample_view_app(mode="probability"), terminal_size=(60, 10))


def test_sample_view_by_unit(snap_compare):
    """Tokens on the diverging colour of hidden unit 3."""
    assert snap_compare(sample_view_app(mode="unit", unit=3), terminal_size=(60, 10))


def test_distribution(snap_compare):
    """Eight candidates as bars, the chosen space marked."""
    assert snap_compare(distribution_app(), terminal_size=(40, 10))


def test_gradient_flow_rnn(snap_compare):
    """Vanishing: two layers decaying by orders of magnitude over the window."""
    assert snap_compare(gradient_flow_app("rnn"), terminal_size=(64, 16))


def test_gradient_flow_lstm(snap_compare):
    """Preserved: two layers staying within a decade of step 0."""
    assert snap_compare(gradient_flow_app("lstm"), terminal_size=(64, 16))


def test_gradient_flow_small(snap_compare):
    """At panel size in an 80x24 layout: axes, curves and a compact legend."""
    assert snap_compare(gradient_flow_app("rnn"), terminal_size=SMALL)
