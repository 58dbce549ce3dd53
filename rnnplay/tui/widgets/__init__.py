"""The panels of the rnnplay TUI, each usable alone with plain data.

What the network computes: HiddenHeatmap, SampleView, NextTokenDistribution,
GradientFlow. Importing this package imports textual, so only the TUI path does.
"""

from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.gradient_flow import GradientFlow
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.sample_view import SampleView

__all__ = [
    "GradientFlow",
    "HiddenHeatmap",
    "NextTokenDistribution",
    "SampleView",
]
