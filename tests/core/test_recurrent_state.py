"""Carried state of the Time* recurrent layers, and agreement with the one-step layers."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import GRU, LSTM, RNN, TimeGRU, TimeLSTM, TimeRNN
from rnnplay.core.nn.gru_torch import TimeTorchGRU, TorchGRU

STEP = {TimeRNN: RNN, TimeLSTM: LSTM, TimeGRU: GRU, TimeTorchGRU: TorchGRU}
CLASSES = list(STEP)
N, D, H = 3, 4, 6


def make(cls: type, stateful: bool, dtype: str = "float32") -> TimeRNN:
    rng = np.random.default_rng(0)
    G = cls.gates
    layer = cls(
        (rng.standard_normal((D, G * H)) * 0.5).astype(dtype),
        (rng.standard_normal((H, G * H)) * 0.5).astype(dtype),
        (rng.standard_normal(G * H) * 0.1).astype(dtype),
        stateful=stateful,
    )
    for extra in layer.params[3:]:  # TimeTorchGRU's recurrent bias: not zero here
        extra[...] = rng.standard_normal(extra.shape) * 0.1
    return layer


@pytest.mark.parametrize("cls", CLASSES)
def test_two_stateful_halves_equal_one_whole(cls: type) -> None:
    xs = np.random.default_rng(1).standard_normal((N, 10, D)).astype("float32")
    whole = make(cls, stateful=True).forward(xs)
    layer = make(cls, stateful=True)
    halves = np.concatenate([layer.forward(xs[:, :5]), layer.forward(xs[:, 5:])], axis=1)
    np.testing.assert_allclose(halves, whole, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer.h, whole[:, -1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cls", CLASSES)
def test_statelessstarts_from_zeros_each_call(cls: type) -> None:
    xs = np.random.default_rng(2).standard_normal((N, 5, D)).astype("float32")
    layer = make(cls, stateful=False)
    first = layer.forward(xs)
    second = layer.forward(xs)
    np.testing.assert_array_equal(first, second)
    stateful = make(cls, stateful=True)
    stateful.forward(xs)
    assert not np.allclose(stateful.forward(xs), first), "a stateful layer continues instead"


@pytest.mark.parametrize("cls", CLASSES)
def test_set_state_and_reset_state(cls: type) -> None:
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((N, 5, D)).astype("float32")
    layer = make(cls, stateful=True)
    fresh = layer.forward(xs)
    layer.reset_state()
    np.testing.assert_array_equal(layer.forward(xs), fresh)

    h0 = rng.standard_normal((N, H)).astype("float32")
    layer.set_state(h0)
    from_h0 = layer.forward(xs)
    assert not np.allclose(from_h0, fresh)
    layer.set_state(h0)
    np.testing.assert_array_equal(layer.forward(xs), from_h0)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("T", [1, 6, 2 * TimeRNN.TRANSPOSE_MIN_STEPS])
def test_time_layer_matches_chain_of_step_layers(cls: type, T: int) -> None:
    """The optimised sequence layer computes what T one-step layers compute
    (short sequences take the plain products, long ones the transposed ones)."""
    rng = np.random.default_rng(4)
    layer = make(cls, stateful=False, dtype="float64")
    xs = rng.standard_normal((N, T, D))
    dhs = rng.standard_normal((N, T, H))
    hs = layer.forward(xs)
    dxs = layer.backward(dhs)

    steps = [STEP[cls](*layer.params) for _ in range(T)]
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    for t, step in enumerate(steps):
        if cls is TimeLSTM:
            h, c = step.forward(xs[:, t], h, c)
        else:
            h = step.forward(xs[:, t], h)
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-12)
    grads = [np.zeros_like(p) for p in layer.params]
    dh = np.zeros((N, H))
    dc = np.zeros((N, H))
    for t in reversed(range(T)):
        if cls is TimeLSTM:
            dx, dh, dc = steps[t].backward(dhs[:, t] + dh, dc)
        else:
            dx, dh = steps[t].backward(dhs[:, t] + dh)
        np.testing.assert_allclose(dxs[:, t], dx, rtol=1e-10, atol=1e-12)
        for total, g in zip(grads, steps[t].grads, strict=True):
            total += g
    for name, total, g in zip(cls.param_names, grads, layer.grads, strict=True):
        np.testing.assert_allclose(g, total, rtol=1e-10, atol=1e-12, err_msg=name)


def test_lstm_set_state_without_cell_starts_cell_at_zero() -> None:
    layer = make(TimeLSTM, stateful=True)
    xs = np.random.default_rng(5).standard_normal((N, 3, D)).astype("float32")
    h0 = np.full((N, H), 0.3, dtype="float32")
    layer.set_state(h0)
    a = layer.forward(xs)
    layer.set_state(h0, np.zeros((N, H), dtype="float32"))
    np.testing.assert_array_equal(layer.forward(xs), a)


def test_batch_size_change_with_carried_state_is_a_clear_error() -> None:
    layer = make(TimeRNN, stateful=True)
    layer.forward(np.zeros((N, 2, D), dtype="float32"))
    with pytest.raises(ValueError, match=r"TimeRNN.*\(3, 6\).*\(2, 6\)|TimeRNN.*reset"):
        layer.forward(np.zeros((2, 2, D), dtype="float32"))


@pytest.mark.parametrize("cls", CLASSES)
def test_float32_stays_float32(cls: type) -> None:
    layer = make(cls, stateful=True)
    xs = np.random.default_rng(6).standard_normal((N, 4, D)).astype("float32")
    hs = layer.forward(xs)
    dxs = layer.backward(np.ones_like(hs))
    assert hs.dtype == dxs.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads)


@pytest.mark.parametrize("cls", CLASSES)
def test_forward_lookup_gives_the_numbers_of_forward_projected(cls: type) -> None:
    """The per-step gather (TimeLSTM's) and the plain ``table[ids]`` agree bit for bit:
    outputs, carried state, the projection gradient and the Wh and b gradients."""
    rng = np.random.default_rng(3)
    V, T = 7, 12
    table = rng.standard_normal((V, cls.gates * H)).astype("float32")
    ids = rng.integers(0, V, size=(T, N))
    dhs = rng.standard_normal((N, T, H)).astype("float32")
    looked_up, projected = make(cls, stateful=True), make(cls, stateful=True)
    for _ in range(2):  # the second call starts from the carried state
        h_lookup = looked_up.forward_lookup(table, ids).copy()
        h_projected = projected.forward_projected(table[ids]).copy()
        np.testing.assert_array_equal(h_lookup, h_projected)
        np.testing.assert_array_equal(looked_up.h, projected.h)
        d_lookup = looked_up.backward_projected(dhs).copy()
        d_projected = projected.backward_projected(dhs).copy()
        np.testing.assert_array_equal(d_lookup, d_projected)
        for mine, theirs in zip(looked_up.grads[1:], projected.grads[1:], strict=True):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("bad", [-1, 7])
def test_forward_lookup_refuses_ids_outside_the_table(bad: int) -> None:
    table = np.zeros((7, 4 * H), dtype="float32")
    ids = np.zeros((5, N), dtype=np.int64)
    ids[2, 1] = bad
    with pytest.raises(ValueError, match="outside"):
        make(TimeLSTM, stateful=False).forward_lookup(table, ids)


def test_torch_gru_states_are_the_one_step_cells_gates() -> None:
    """What the inspector reads of a gru-torch layer: r, z and the candidate n of
    every step, as the one-step reference computes them."""
    rng = np.random.default_rng(7)
    layer = make(TimeTorchGRU, stateful=False, dtype="float64")
    xs = rng.standard_normal((N, 4, D))
    layer.forward(xs)
    states = layer.states()
    assert tuple(states) == TimeTorchGRU.state_names
    h = np.zeros((N, H))
    for t in range(4):
        step = TorchGRU(*layer.params)
        h = step.forward(xs[:, t], h)
        _, _, r, z, n, _ = step.cache
        for name, value in (("h", h), ("r", r), ("z", z), ("candidate", n)):
            np.testing.assert_allclose(states[name][:, t], value, rtol=1e-12, atol=1e-12)
