"""Blame back through time: which earlier tokens a prediction depends on.

For the prediction made at position t (of the token x[t+1], after reading
x[0..t]), the gradient of log p(x[t+1] | x[..t]) with respect to the input
embedding e_s of every position s <= t, computed by backpropagation through
time with the layers' own backward passes
(:meth:`~rnnplay.core.nn.stepper.Stepper.input_gradient`). Two readings:

- ``norms[s] = ||d log p / d e_s||``: how sensitive the prediction is to the
  input at s (the saliency of RNNbow and of Karpathy's visualisations);
- ``grad_x_input[s] = (d log p / d e_s) . e_s``: the first-order estimate of
  how much the token at s pushed log p up (positive) or down (negative).

The target may be any token (``target``), not only the one that came next:
"why e and not y" is the blame of each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnplay.core.nn.stepper import Stepper
from rnnplay.errors import NumericalError


@dataclass(frozen=True, eq=False)
class Blame:
    """The blame of one prediction: position ``t``, ``target`` id, its
    ``log_prob`` (nats), and per position s = 0..t ``norms`` (t+1,) and
    ``grad_x_input`` (t+1,), float64."""

    position: int
    target: int
    log_prob: float
    norms: np.ndarray
    grad_x_input: np.ndarray

    def to_json(self) -> dict:
        return {
            "position": self.position,
            "target": self.target,
            "log_prob": self.log_prob,
            "norms": [float(v) for v in self.norms],
            "grad_x_input": [float(v) for v in self.grad_x_input],
        }


def blame(stepper: Stepper, ids: np.ndarray, t: int, target: int | None = None) -> Blame:
    """Blame of the prediction at position ``t`` of ``ids`` for ``target``
    (default: the token that comes next, ``ids[t + 1]``), from the state the
    stepper carries (left as it was)."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if not 0 <= t < ids.size:
        raise IndexError(f"position {t} is outside the text's {ids.size} positions")
    if target is None:
        if t + 1 >= ids.size:
            raise IndexError(f"position {t} is the last: the text does not say what comes next")
        target = int(ids[t + 1])
    with np.errstate(over="ignore", invalid="ignore"):
        gradient = stepper.input_gradient(ids[: t + 1], int(target))
    if not (np.isfinite(gradient.grad).all() and np.isfinite(gradient.log_prob)):
        raise NumericalError("the gradient is not finite (did training diverge?)")
    grad = gradient.grad.astype(np.float64)
    inputs = gradient.inputs.astype(np.float64)
    return Blame(
        position=int(t),
        target=int(target),
        log_prob=float(gradient.log_prob),
        norms=np.sqrt((grad * grad).sum(axis=1)),
        grad_x_input=(grad * inputs).sum(axis=1),
    )
