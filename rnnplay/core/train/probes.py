"""Probes: measurements of a Trainer's model that leave its training untouched.

Written beside the loop (``trainer.py``) so that the loop reads as a loop; the
TUI's gradient-flow panel calls :func:`grad_flow` through ``Trainer.probe_grad_flow``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rnnplay.core.train.trainer import Trainer

_QUIET_FLOATS = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


def grad_flow(trainer: Trainer) -> list[np.ndarray]:
    """Per recurrent layer, ``||dL/dh_t||`` against distance back from the last step.

    One forward/backward on the next training batch in which only the
    last position's label counts (the others are ignored), so L is the
    loss of the last prediction and entry k of each array is the
    Frobenius norm over the batch of dL/dh at k steps before it: how
    much the last prediction's error reaches back in time. Training is
    untouched: the batcher, carried state, RNG, gradients and the
    layers' recording flags are restored, so steps taken with probes in
    between give the same losses bit for bit as without.
    """
    model = trainer.model
    layers = model.recurrent
    saved_batcher = trainer.batcher.state_dict()
    saved_state = model.get_state()
    saved_rng = model.rng.bit_generator.state
    saved_grads = [g.copy() for g in model.grads]
    saved_flags = [layer.record_grad_flow for layer in layers]
    try:
        if trainer.batcher.resets_state or trainer._epoch_starts():
            model.reset_state()
        xs, ts = trainer.batcher.next_batch()
        ts = np.array(ts, copy=True)
        ts[:, :-1] = -1
        for layer in layers:
            layer.record_grad_flow = True
        with np.errstate(**_QUIET_FLOATS):
            model.forward(xs, ts)
            model.backward()
        flows = [np.asarray(layer.grad_flow, dtype=np.float64)[::-1].copy() for layer in layers]
    finally:
        trainer.batcher.load_state_dict(saved_batcher)
        model.set_state(saved_state)
        model.rng.bit_generator.state = saved_rng
        for grad, saved in zip(model.grads, saved_grads, strict=True):
            np.copyto(grad, saved)
        for layer, flag in zip(layers, saved_flags, strict=True):
            layer.record_grad_flow = flag
    return flows


def weights_finite(params: list[np.ndarray]) -> bool:
    """True when every weight is finite. A sum per array is the cheap test (one pass,
    no temporary): NaN and inf propagate into it."""
    with np.errstate(**_QUIET_FLOATS):
        return all(math.isfinite(float(np.sum(p))) for p in params)
