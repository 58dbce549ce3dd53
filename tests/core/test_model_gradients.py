"""Whole-model gradient checks for RNNLM (float64): every cell, depth, tying, state, mask."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import RNNLM
from tests.core.gradcheck import assert_gradient

V, D, H, N, T = 7, 5, 5, 2, 4


def ids(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, V, size=(N, T))


def perturb_biases(model: RNNLM, rng: np.random.Generator) -> None:
    """Non-zero biases so that their gradients are exercised in general position."""
    for name, p in zip(model.param_names, model.params, strict=True):
        if name.endswith(".b"):
            p[...] = rng.standard_normal(p.shape) * 0.1
    # A larger embedding than the book's 0.01 keeps every path's gradient well above rounding.
    model.params[0][...] = rng.standard_normal(model.params[0].shape) * 0.5


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru-torch"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("tie", [False, True])
def test_rnnlm_gradients(cell: str, layers: int, tie: bool) -> None:
    rng = np.random.default_rng(10)
    model = RNNLM(V, D, H, cell=cell, layers=layers, tie=tie, seed=0, dtype="float64")
    perturb_biases(model, rng)
    xs, ts = ids(rng), ids(rng)
    ts[1, 0] = -1  # an ignored position

    def objective() -> float:
        model.reset_state()
        return model.forward(xs, ts)

    objective()
    model.backward()
    analytic = [g.copy() for g in model.grads]
    assert len(analytic) == len({id(p) for p in model.params}), "no parameter listed twice"
    for name, g, p in zip(model.param_names, analytic, model.params, strict=True):
        assert_gradient(f"{cell} x{layers} tie={tie} {name}", g, objective, p)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru-torch"])
def test_rnnlm_gradients_stateful_second_call(cell: str) -> None:
    """The second of two calls continues from the first's state; its gradient
    (truncated BPTT: the carried state is an input) and the gradient with
    respect to that carried state are both right."""
    rng = np.random.default_rng(11)
    model = RNNLM(V, D, H, cell=cell, layers=2, seed=1, dtype="float64")
    perturb_biases(model, rng)
    model.forward(ids(rng), ids(rng))
    carried = model.get_state()
    assert carried is not None and np.any(carried[0]["h"] != 0)
    xs, ts = ids(rng), ids(rng)

    def objective() -> float:
        model.set_state(carried)
        return model.forward(xs, ts)

    objective()
    model.backward()
    analytic = [g.copy() for g in model.grads]
    dh_top = model.recurrent[-1].dh.copy()
    for name, g, p in zip(model.param_names, analytic, model.params, strict=True):
        assert_gradient(f"{cell} stateful {name}", g, objective, p)
    assert_gradient(f"{cell} carried h (top layer)", dh_top, objective, carried[-1]["h"])


def test_rnnlm_gradients_with_dropout() -> None:
    rng = np.random.default_rng(12)
    model = RNNLM(V, D, H, cell="lstm", layers=2, dropout=0.3, seed=2, dtype="float64")
    perturb_biases(model, rng)
    xs, ts = ids(rng), ids(rng)

    def objective() -> float:
        masks = np.random.default_rng(5)
        for layer in model.dropouts:
            layer.rng = masks
        model.reset_state()
        return model.forward(xs, ts)

    objective()
    model.backward()
    analytic = [g.copy() for g in model.grads]
    for name, g, p in zip(model.param_names, analytic, model.params, strict=True):
        assert_gradient(f"dropout {name}", g, objective, p)


def test_ignored_positions_do_not_contribute() -> None:
    rng = np.random.default_rng(13)
    model = RNNLM(V, D, H, cell="gru", seed=3, dtype="float64")
    xs, ts = ids(rng), ids(rng)
    masked = ts.copy()
    masked[:, -1] = -1
    model.reset_state()
    loss_masked = model.forward(xs, masked)
    model.reset_state()
    full = model.predict(xs)
    shifted = full - full.max(axis=2, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(logp[:, :-1], ts[:, :-1, None], axis=2)
    assert loss_masked == pytest.approx(-picked.mean(), rel=1e-12)
