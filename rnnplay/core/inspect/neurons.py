"""Neuron search: which units track a feature of the text, and where a unit fires.

:func:`rank_units` correlates a per-position feature with every unit of
every layer (any state the layer reports: ``h`` by default, an LSTM's ``c``
or a gate) and ranks the units by the absolute Pearson correlation.
:func:`unit_windows` is the reverse: for one unit, the windows of text where
it is most strongly on and most strongly off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnplay.errors import UsageError


@dataclass(frozen=True)
class UnitScore:
    """Unit ``unit`` of layer ``layer`` (``state``: "h", "c", a gate) and
    its Pearson correlation ``r`` with the feature."""

    layer: int
    unit: int
    state: str
    r: float

    def to_json(self) -> dict:
        return {"layer": self.layer, "unit": self.unit, "state": self.state, "r": self.r}


@dataclass(frozen=True)
class Window:
    """A stretch of text around ``position``, where the unit's value is ``value``.

    ``start``/``end`` bound the window's tokens (end exclusive); ``text`` is
    their concatenation (word level: joined by spaces).
    """

    position: int
    value: float
    start: int
    end: int
    text: str


def correlations(feature: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Pearson r (H,) of ``feature`` (T,) with every column of ``states`` (T, H);
    0 for a unit that does not vary."""
    x = np.asarray(feature, dtype=np.float64)
    y = np.asarray(states, dtype=np.float64)
    x = x - x.mean()
    y = y - y.mean(axis=0)
    denominator = np.sqrt((x * x).sum() * (y * y).sum(axis=0))
    numerator = x @ y
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), 0.0)
    return np.clip(r, -1.0, 1.0)


def rank_units(
    layers: Sequence[dict[str, np.ndarray]],
    feature: np.ndarray,
    *,
    state: str = "h",
    top: int | None = 10,
) -> list[UnitScore]:
    """Every layer's units ranked by |r| with ``feature`` (T,), strongest first
    (``top`` of them; None for all). ``layers`` as in a Reading or Trace.
    ``UsageError`` when the feature is constant over the text (no correlation
    is defined) or a layer lacks ``state``."""
    feature = np.asarray(feature, dtype=np.float64)
    if feature.size < 2 or np.ptp(feature) == 0:
        raise UsageError("the feature does not vary over this text; pick another text or feature")
    scores: list[UnitScore] = []
    for k, layer in enumerate(layers):
        if state not in layer:
            raise UsageError(f"layer {k} has no state {state!r} (it has {', '.join(layer)})")
        values = layer[state]
        if values.shape[0] != feature.size:
            raise ValueError(f"the feature has {feature.size} positions, the states {len(values)}")
        r = correlations(feature, values)
        scores += [UnitScore(k, int(u), state, float(r[u])) for u in range(r.size)]
    scores.sort(key=lambda s: (-abs(s.r), s.layer, s.unit))
    return scores if top is None else scores[:top]


def unit_windows(
    tokens: Sequence[str],
    activation: np.ndarray,
    *,
    count: int = 5,
    before: int = 20,
    after: int = 5,
    joiner: str = "",
) -> tuple[list[Window], list[Window]]:
    """The ``count`` windows where ``activation`` (T,) is highest and the
    ``count`` where it is lowest, each from ``before`` tokens before its peak
    to ``after`` tokens after it, non-overlapping within each list."""
    a = np.asarray(activation, dtype=np.float64)
    if a.size != len(tokens):
        raise ValueError(f"{a.size} activations for {len(tokens)} tokens")

    def pick(order: np.ndarray) -> list[Window]:
        taken: list[Window] = []
        for t in order:
            t = int(t)
            start, end = max(t - before, 0), min(t + after + 1, a.size)
            if any(start < w.end and w.start < end for w in taken):
                continue
            taken.append(Window(t, float(a[t]), start, end, joiner.join(tokens[start:end])))
            if len(taken) == count:
                break
        return taken

    order = np.argsort(-a, kind="stable")
    return pick(order), pick(order[::-1])
