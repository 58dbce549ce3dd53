"""Helpers of the compiled-loop tests: both paths, a chosen slicing, one layer's run.

Each cell's tests compare what a layer produces on the compiled loop with what
it produces on the NumPy loop (the reference), for any input mode and batch
slicing; the run that collects it is the same for every cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from rnnplay.core.nn import fused
from rnnplay.core.nn.gru import TimeGRU
from rnnplay.core.nn.lstm import TimeLSTM
from rnnplay.core.nn.rnn import TimeRNN

CELLS = {"lstm": TimeLSTM, "gru": TimeGRU, "rnn": TimeRNN}

plain_slices = fused.slices
"""The real slicing, kept before any test replaces ``fused.slices``."""


def use_slices(monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    """Cut every batch into ``k`` slices (at most one a row), whatever the BLAS threads."""
    monkeypatch.setattr(fused, "slices", lambda N, k_=None: plain_slices(N, k))


def both_paths(run: Callable[[], Any]) -> tuple[Any, Any]:
    """run() under the NumPy loop, then under the compiled one."""
    fused.use(False)
    try:
        reference = run()
    finally:
        fused.use(True)
    try:
        return reference, run()
    finally:
        fused.use(None)


def cell_run(
    cell: str,
    dtype,
    mode: str,
    *,
    seed: int,
    N: int = 5,
    T: int = 7,
    D: int = 6,
    H: int = 8,
    V: int = 9,
    flow: bool = True,
) -> list[np.ndarray | None]:
    """Two stateful forward/backward calls of one layer of ``cell``, its inputs
    looked up (``lookup``), projected by the caller (``projected``) or plain
    (``inputs``); everything they produce: hidden states, the inspector's
    states, gradients, carried state and (with ``flow``) the gradient flow."""
    rng = np.random.default_rng(seed)
    Layer = CELLS[cell]
    G = Layer.gates * H
    Wx = (rng.standard_normal((D, G)) * 0.5).astype(dtype)
    Wh = (rng.standard_normal((H, G)) * 0.5).astype(dtype)
    b = (rng.standard_normal(G) * 0.1).astype(dtype)
    layer = Layer(Wx, Wh, b, stateful=True)
    layer.record_grad_flow = flow
    table = (rng.standard_normal((V, D)).astype(dtype) @ Wx) + b
    out: list[np.ndarray | None] = []
    for _ in range(2):
        ids = rng.integers(0, V, (T, N))
        xs = rng.standard_normal((N, T, D)).astype(dtype)
        dhs = rng.standard_normal((N, T, H)).astype(dtype)
        if mode == "lookup":
            hs = layer.forward_lookup(table, ids)
        elif mode == "projected":
            hs = layer.forward_projected(table[ids])
        else:
            hs = layer.forward(xs)
        out.append(np.array(hs))
        out.append(np.array(layer.hidden_states))
        out += [np.array(v) for v in layer.states().values()]
        if mode == "inputs":
            out.append(np.array(layer.backward(dhs)))
        else:
            out.append(np.array(layer.backward_projected(dhs)))
        out += [g.copy() for g in layer.grads]
        carried = [layer.h, layer.c, layer.dh, layer.dc] if cell == "lstm" else [layer.h, layer.dh]
        out += [*carried, layer.grad_flow]
    return out
