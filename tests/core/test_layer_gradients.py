"""Every layer's backward pass agrees with central differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import (
    GRU,
    LSTM,
    RNN,
    TimeAffine,
    TimeDropout,
    TimeEmbedding,
    TimeGRU,
    TimeLSTM,
    TimeRNN,
    TimeSoftmaxWithLoss,
)
from rnnplay.core.nn.gru_torch import TimeTorchGRU, TorchGRU
from rnnplay.core.nn.output import TimeAffineSoftmaxWithLoss
from tests.core.gradcheck import assert_gradient

N, T, D, H, V = 2, 4, 3, 5, 6


def recurrent_params(gates: int, rng: np.random.Generator) -> list[np.ndarray]:
    return [
        rng.standard_normal((D, gates * H)) * 0.5,
        rng.standard_normal((H, gates * H)) * 0.5,
        rng.standard_normal(gates * H) * 0.1,
    ]


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU, TimeTorchGRU])
def test_time_recurrent_layer(cls: type) -> None:
    rng = np.random.default_rng(1)
    layer = cls(*recurrent_params(cls.gates, rng), stateful=True)
    for extra in layer.params[3:]:  # TimeTorchGRU's recurrent bias
        extra[...] = rng.standard_normal(extra.shape) * 0.1
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    c0 = rng.standard_normal((N, H)) * 0.5
    weights = rng.standard_normal((N, T, H))

    def objective() -> float:
        if cls is TimeLSTM:
            layer.set_state(h0.copy(), c0.copy())
        else:
            layer.set_state(h0.copy())
        return float(np.sum(layer.forward(xs) * weights))

    objective()
    dxs = layer.backward(weights.copy())
    analytic = [g.copy() for g in layer.grads]
    dh0 = layer.dh.copy()
    for name, g, p in zip(cls.param_names, analytic, layer.params, strict=True):
        assert_gradient(f"{cls.__name__}.{name}", g, objective, p)
    assert_gradient(f"{cls.__name__} xs", dxs, objective, xs)
    assert_gradient(f"{cls.__name__} initial h", dh0, objective, h0)
    if cls is TimeLSTM:
        assert_gradient("TimeLSTM initial c", layer.dc.copy(), objective, c0)


def test_rnn_step() -> None:
    rng = np.random.default_rng(2)
    layer = RNN(*recurrent_params(1, rng))
    x = rng.standard_normal((N, D))
    h = rng.standard_normal((N, H))
    w = rng.standard_normal((N, H))

    def objective() -> float:
        return float(np.sum(layer.forward(x, h) * w))

    objective()
    dx, dh = layer.backward(w)
    grads = [g.copy() for g in layer.grads]
    for name, g, p in zip(("Wx", "Wh", "b"), grads, layer.params, strict=True):
        assert_gradient(f"RNN.{name}", g, objective, p)
    assert_gradient("RNN x", dx, objective, x)
    assert_gradient("RNN h_prev", dh, objective, h)


def test_lstm_step() -> None:
    rng = np.random.default_rng(3)
    layer = LSTM(*recurrent_params(4, rng))
    x = rng.standard_normal((N, D))
    h = rng.standard_normal((N, H))
    c = rng.standard_normal((N, H))
    wh = rng.standard_normal((N, H))
    wc = rng.standard_normal((N, H))

    def objective() -> float:
        h_next, c_next = layer.forward(x, h, c)
        return float(np.sum(h_next * wh) + np.sum(c_next * wc))

    objective()
    dx, dh, dc = layer.backward(wh, wc)
    grads = [g.copy() for g in layer.grads]
    for name, g, p in zip(("Wx", "Wh", "b"), grads, layer.params, strict=True):
        assert_gradient(f"LSTM.{name}", g, objective, p)
    assert_gradient("LSTM x", dx, objective, x)
    assert_gradient("LSTM h_prev", dh, objective, h)
    assert_gradient("LSTM c_prev", dc, objective, c)


def test_gru_step() -> None:
    rng = np.random.default_rng(4)
    layer = GRU(*recurrent_params(3, rng))
    x = rng.standard_normal((N, D))
    h = rng.standard_normal((N, H))
    w = rng.standard_normal((N, H))

    def objective() -> float:
        return float(np.sum(layer.forward(x, h) * w))

    objective()
    dx, dh = layer.backward(w)
    grads = [g.copy() for g in layer.grads]
    for name, g, p in zip(("Wx", "Wh", "b"), grads, layer.params, strict=True):
        assert_gradient(f"GRU.{name}", g, objective, p)
    assert_gradient("GRU x", dx, objective, x)
    assert_gradient("GRU h_prev", dh, objective, h)


def test_torch_gru_step() -> None:
    rng = np.random.default_rng(4)
    layer = TorchGRU(*recurrent_params(3, rng), rng.standard_normal(H) * 0.1)
    x = rng.standard_normal((N, D))
    h = rng.standard_normal((N, H))
    w = rng.standard_normal((N, H))

    def objective() -> float:
        return float(np.sum(layer.forward(x, h) * w))

    objective()
    dx, dh = layer.backward(w)
    grads = [g.copy() for g in layer.grads]
    for name, g, p in zip(("Wx", "Wh", "b", "bh"), grads, layer.params, strict=True):
        assert_gradient(f"TorchGRU.{name}", g, objective, p)
    assert_gradient("TorchGRU x", dx, objective, x)
    assert_gradient("TorchGRU h_prev", dh, objective, h)


def test_time_affine() -> None:
    rng = np.random.default_rng(5)
    layer = TimeAffine(rng.standard_normal((D, V)), rng.standard_normal(V))
    xs = rng.standard_normal((N, T, D))
    w = rng.standard_normal((N, T, V))

    def objective() -> float:
        return float(np.sum(layer.forward(xs) * w))

    objective()
    dxs = layer.backward(w)
    grads = [g.copy() for g in layer.grads]
    assert_gradient("TimeAffine.W", grads[0], objective, layer.params[0])
    assert_gradient("TimeAffine.b", grads[1], objective, layer.params[1])
    assert_gradient("TimeAffine xs", dxs, objective, xs)


def test_time_embedding_with_repeated_ids() -> None:
    rng = np.random.default_rng(6)
    layer = TimeEmbedding(rng.standard_normal((V, D)))
    ids = np.array([[0, 1, 1, 3], [3, 3, 5, 0]])
    w = rng.standard_normal((N, T, D))

    def objective() -> float:
        return float(np.sum(layer.forward(ids) * w))

    objective()
    layer.backward(w)
    assert_gradient("TimeEmbedding.W", layer.grads[0].copy(), objective, layer.params[0])
    assert np.all(layer.grads[0][[2, 4]] == 0), "rows never looked up get no gradient"


@pytest.mark.parametrize("one_hot", [False, True])
def test_time_softmax_with_loss(one_hot: bool) -> None:
    rng = np.random.default_rng(7)
    layer = TimeSoftmaxWithLoss()
    xs = rng.standard_normal((N, T, V)) * 3
    ts = rng.integers(0, V, size=(N, T))
    ts[0, 1] = ts[1, 3] = -1
    labels = ts
    if one_hot:
        labels = np.zeros((N, T, V))
        for n in range(N):
            for t in range(T):
                if ts[n, t] >= 0:
                    labels[n, t, ts[n, t]] = 1

    def objective() -> float:
        return layer.forward(xs, labels)

    objective()
    dxs = layer.backward()
    assert_gradient("TimeSoftmaxWithLoss xs", dxs, objective, xs)


def test_time_dropout_with_fixed_mask() -> None:
    rng = np.random.default_rng(8)
    layer = TimeDropout(0.4)
    xs = rng.standard_normal((N, T, D))
    w = rng.standard_normal((N, T, D))

    def objective() -> float:
        layer.rng = np.random.default_rng(123)
        return float(np.sum(layer.forward(xs) * w))

    objective()
    dxs = layer.backward(w)
    assert_gradient("TimeDropout xs", dxs, objective, xs)


def test_fused_output_layer() -> None:
    rng = np.random.default_rng(9)
    layer = TimeAffineSoftmaxWithLoss(rng.standard_normal((D, V)), rng.standard_normal(V))
    xs = rng.standard_normal((N, T, D))
    ts = rng.integers(0, V, size=(N, T))
    ts[1, 2] = -1

    def objective() -> float:
        return layer.forward(xs, ts)

    objective()
    dxs = layer.backward()
    grads = [g.copy() for g in layer.grads]
    assert_gradient("TimeAffineSoftmaxWithLoss.W", grads[0], objective, layer.params[0])
    assert_gradient("TimeAffineSoftmaxWithLoss.b", grads[1], objective, layer.params[1])
    assert_gradient("TimeAffineSoftmaxWithLoss xs", dxs, objective, xs)
