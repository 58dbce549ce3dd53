"""Snapshot tests of the whole playground, idle, at a wide and a narrow size.

A tiny seeded model on the built-in sonnets, paused (no training thread),
nothing sampled yet, no clock shown (elapsed 0:00): reproducible frames.
Regenerate with `--snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from tests.tui.app_helpers import make_app


def test_app_idle_120x40(snap_compare):
    """Every panel on screen; paused with the space hint."""
    assert snap_compare(make_app(), terminal_size=(120, 40))


def test_app_idle_80x24(snap_compare):
    """Narrow: the panels go on tabs, the Train tab first."""
    assert snap_compare(make_app(), terminal_size=(80, 24))


def test_app_idle_80x24_network_tab(snap_compare):
    """Narrow, tab 3: gradient flow and hidden-state heatmap."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["3"])


def test_app_idle_160x50(snap_compare):
    """Large terminal: the grid grows, the panels get the space."""
    assert snap_compare(make_app(), terminal_size=(160, 50))


def test_app_help_screen(snap_compare):
    """'?' explains every panel in two lines and lists the keys."""
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["question_mark"])


def test_app_too_small(snap_compare):
    """Below 60x20 a message replaces the playground."""
    assert snap_compare(make_app(), terminal_size=(50, 15))
