"""The y range of a loss chart: the data that matters, not the first minutes' drop.

A loss starts near log(vocabulary) and falls fast; a range that holds every
point squeezes what comes after into a few rows, and a validation loss that
rises by 0.1 nats (overfitting) stays flat on a 0-5 axis. So once a curve
has run a while, its warm-up (the first :data:`WARM_UP` of the x range) is
left out of the range (it is clipped at the top), every validation point
after it counts, and a reference line counts only when it lies near that
data (else it would stretch the axis again); before any warm-up is left out
(the first points) every reference line counts: they say where a model starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

WARM_UP = 0.25
"""Fraction of the x range whose points do not stretch the y range."""

MIN_LATER_POINTS = 3
"""A curve's warm-up is left out only when at least this many points follow it."""

REFERENCE_REACH = 0.5
"""A reference line counts if it is within this fraction of the data's span."""

Points = Sequence[tuple[float, float]]


def focus_range(
    curves: Sequence[Points], references: Sequence[float] = ()
) -> tuple[float, float] | None:
    """(low, high) of the y values that matter in ``curves`` (each a list of (x, y),
    validation curves included), widened to the ``references`` close to them;
    None when there is no finite point."""
    finite = [[(x, y) for x, y in c if math.isfinite(x) and math.isfinite(y)] for c in curves]
    xs = [x for c in finite for x, _ in c]
    if not xs:
        return None
    x_low, x_high = min(xs), max(xs)
    cut = x_low + WARM_UP * (x_high - x_low)
    kept: list[float] = []
    warmed_up = False
    for curve in finite:
        later = [y for x, y in curve if x >= cut]
        if len(later) >= MIN_LATER_POINTS and len(later) < len(curve):
            warmed_up = True
            kept += later
        else:
            kept += [y for _, y in curve]
    low, high = min(kept), max(kept)
    reach = REFERENCE_REACH * max(high - low, 1e-9)
    for value in references:
        # Early on every reference counts (they say where a model starts);
        # later only those near the data.
        near = low - reach <= value <= high + reach
        if math.isfinite(value) and (near or not warmed_up):
            low, high = min(low, value), max(high, value)
    return low, high
