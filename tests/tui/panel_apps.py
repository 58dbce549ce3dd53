"""Tiny host apps that mount one panel alone, fed with seeded, fixed data.

Used by the panel snapshot tests and Pilot tests: every number shown comes
from `np.random.default_rng(0)` or a fixed formula, so frames are identical
on every run.
"""

from __future__ import annotations

import numpy as np
from textual.app import App, ComposeResult
from textual.widget import Widget

from rnnplay.core.sampling.sampler import SampleStep
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.gradient_flow import GradientFlow
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.sample_view import SampleView

SAMPLE_TEXT = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind"


def sample_states(steps: int, units: int, seed: int = 0) -> np.ndarray:
    """Seeded tanh activations (steps, units) with a few slow, strong units among noisy ones."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 0.6, size=(steps, units))
    scale = np.linspace(0.2, 2.0, units)  # units differ in spread, so variance sorting matters
    t = np.arange(steps)[:, None]
    slow = np.sin(t / 6.0 + np.arange(units)[None, :])
    return np.tanh(noise * scale[None, :] * 0.6 + slow * (np.arange(units) % 3 == 0))


def sample_steps(text: str = SAMPLE_TEXT, units: int = 16, seed: int = 0) -> list[SampleStep]:
    """One sampler step per character of `text`, with seeded probabilities and states."""
    rng = np.random.default_rng(seed)
    states = sample_states(len(text), units, seed)
    vocab = sorted(set(text))
    steps = []
    for t, ch in enumerate(text):
        logits = rng.normal(0.0, 2.0, size=len(vocab))
        chosen = vocab.index(ch)
        logits[chosen] += 2.0
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        top = np.argsort(-probs, kind="stable")[:5]
        steps.append(
            SampleStep(
                token_id=chosen,
                text=ch,
                prob=float(probs[chosen]),
                top_ids=top,
                top_probs=probs[top],
                hidden=states[t].astype(np.float32),
            )
        )
    return steps


class PanelApp(App[None]):
    """Mounts a single panel filling the screen; `feed` gives it data once mounted."""

    def __init__(self, panel: Widget, feed=None) -> None:
        super().__init__()
        self.panel = panel
        self.feed = feed

    def compose(self) -> ComposeResult:
        yield self.panel

    def on_mount(self) -> None:
        if self.feed is not None:
            self.feed(self.panel)
        self.panel.focus()


def heatmap_app(
    *, units: int = 48, steps: int = 60, with_data: bool = True, words: bool = False
) -> PanelApp:
    """A heatmap with seeded states over the characters (or ``words``) of SAMPLE_TEXT."""
    if words:
        pieces = SAMPLE_TEXT.replace("\n", " \n ").split(" ")
        tokens = [piece for piece in pieces if piece][:steps] * 4
        tokens = tokens[:steps]
    else:
        tokens = list((SAMPLE_TEXT * 4)[:steps])

    def feed(panel: HiddenHeatmap) -> None:
        panel.set_data(tokens, sample_states(steps, units))

    return PanelApp(HiddenHeatmap(), feed if with_data else None)


def sample_view_app(*, mode: str = "probability", unit: int = 3) -> PanelApp:
    """A sample view with a prime and seeded steps, coloured by `mode`."""
    steps = sample_steps()

    def feed(panel: SampleView) -> None:
        panel.clear(prime="To be")
        for step in steps[5:]:
            panel.append(step)
        if mode == "unit":
            panel.colour_by_unit(unit)

    return PanelApp(SampleView(), feed)


def distribution_app() -> PanelApp:
    """A next-token distribution with a fixed candidate list, the second one chosen."""
    tokens = ["e", " ", "\n", "t", "a", "o", "s", "h"]
    probs = np.array([0.31, 0.22, 0.12, 0.09, 0.07, 0.05, 0.03, 0.02])

    def feed(panel: NextTokenDistribution) -> None:
        panel.set(tokens, probs, chosen=1)

    return PanelApp(NextTokenDistribution(), feed)


def decaying_norms(steps: int, rate: float, seed: int = 0) -> np.ndarray:
    """Seeded gradient norms over distance back, shrinking by `rate` per step."""
    rng = np.random.default_rng(seed)
    return (rate ** np.arange(steps)) * np.exp(rng.normal(0.0, 0.05, size=steps))


def gradient_flow_app(kind: str = "rnn") -> PanelApp:
    """Gradient flow after a few probes: an RNN-like vanishing or an LSTM-like flat series."""

    def feed(panel: GradientFlow) -> None:
        for probe in range(4):
            if kind == "rnn":
                norms = [decaying_norms(32, 0.6, probe), decaying_norms(32, 0.75, probe + 10)]
            else:
                norms = [decaying_norms(32, 0.97, probe), decaying_norms(32, 0.99, probe + 10)]
            panel.update(norms)

    return PanelApp(GradientFlow(), feed)
