"""The live figures a lesson card may quote, by name, and how a card's text is filled in.

A card writes ``{val_loss}`` where the validation loss goes; the playground
passes the figures it shows on screen, so the card and the panels say the
same number. A figure not known yet (no validation so far) reads as
:data:`UNKNOWN`. Names are checked when a lesson is read, so a typo is a
one-line error for the teacher, not a blank on a student's screen.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

FIGURES: dict[str, str] = {
    "step": "training steps taken",
    "train_loss": "the latest training loss (in the unit shown)",
    "val_loss": "the latest validation loss (in the unit shown)",
    "best_val": "the best validation loss so far (in the unit shown)",
    "unigram": "the unigram line: the loss of counting tokens, no context",
    "uniform": "the uniform line: the loss of a model that knows nothing",
    "grad_50": "gradient reaching 50 steps back, relative to the last step",
    "grad_far": "gradient reaching the start of the window, relative to the last step",
    "lr": "the learning rate of the next step",
    "temperature": "the sampling temperature",
    "cell": "the recurrent cell (rnn, lstm, gru)",
    "bptt": "the truncated-BPTT window, in time steps",
    "dropout": "the dropout probability",
    "clip": "the gradient-clipping norm",
    "unit": "the unit losses are shown in",
    "level": "char or word",
}
"""Every figure a card may quote, with what it is (``rnnplay lessons --figures``)."""

UNKNOWN = "…"
"""How a figure not measured yet reads on a card."""


def figure_names(text: str) -> list[str]:
    """The ``{name}`` fields of ``text``, in order; ValueError for a malformed brace."""
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(f"'{{{name}}}' is not a figure name (write {{val_loss}}, no format)")
        names.append(name)
    return names


def fill(text: str, figures: Mapping[str, object]) -> str:
    """``text`` with every ``{name}`` replaced by its figure (:data:`UNKNOWN` if absent)."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            value = figures.get(name)
            parts.append(UNKNOWN if value is None else _shown(value))
    return "".join(parts)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4g}"
    return str(value)


def grad_reach(flows: Sequence[Sequence[float]], distance: int) -> float | None:
    """How much of the last step's gradient reaches ``distance`` steps back in the top
    layer (a gradient-flow probe's norms), or None when the window is shorter."""
    if not flows:
        return None
    top = flows[-1]
    if len(top) <= distance or not top[0] > 0:
        return None
    return float(top[distance]) / float(top[0])
