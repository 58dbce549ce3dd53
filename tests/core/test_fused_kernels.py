"""The compiled LSTM and GRU loops (rnnplay.core.nn.fused, the ``fast`` extra) against the
NumPy reference: the same numbers within float32 rounding, exact-enough gradients
in float64, for every way the batch is sliced over threads; whole model steps for
the three cells (the RNN's layer checks are in test_fused_rnn.py). Skipped without numba."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rnnplay.core import RNNLM
from rnnplay.core.nn import fused
from rnnplay.core.nn.lstm import TimeLSTM
from tests.core.fused_runs import both_paths, cell_run, use_slices
from tests.core.gradcheck import assert_gradient

pytest.importorskip("numba")
pytest.importorskip("scipy")
pytestmark = pytest.mark.skipif(not fused.available(), reason="compiled kernels do not load")


def test_rational_tanh_is_within_float32_rounding_of_numpy() -> None:
    K = fused.compiled()
    x = np.concatenate(
        [np.linspace(-20, 20, 200_001), [0.0, -0.0, 1e-30, 9.0, -9.0, 50.0, -1e4]]
    ).astype(np.float32)
    y = x.copy()
    K.tanh_inplace(y)
    exact = np.tanh(x.astype(np.float64))
    assert np.max(np.abs(y - exact)) < 4e-7
    assert np.all(np.abs(y) <= 1)
    assert np.all(np.sign(y[x != 0]) == np.sign(x[x != 0]))
    assert np.all(y[x == 0] == 0)


@pytest.mark.parametrize("slices", [1, 2, 3])
@pytest.mark.parametrize("mode", ["lookup", "projected", "inputs"])
def test_compiled_lstm_gives_the_numpy_numbers_in_float32(mode, slices, monkeypatch) -> None:
    use_slices(monkeypatch, slices)
    reference, compiled = both_paths(lambda: cell_run("lstm", np.float32, mode, seed=4))
    assert len(reference) == len(compiled)
    for k, (a, b) in enumerate(zip(reference, compiled, strict=True)):
        assert a.shape == b.shape, k
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-5, err_msg=f"output {k}")


def test_slices_cover_the_batch_once() -> None:
    assert fused.slices(5, 2) == [(0, 2), (2, 5)]
    assert fused.slices(1, 4) == [(0, 1)]
    assert fused.slices(32, 3) == [(0, 10), (10, 21), (21, 32)]


@pytest.mark.parametrize(
    ("enabled", "slices"), [(False, 1), (True, 1), (True, 2)], ids=["numpy", "compiled", "sliced"]
)
def test_lstm_gradients_in_float64_on_both_paths(enabled, slices, monkeypatch) -> None:
    use_slices(monkeypatch, slices)
    fused.use(enabled)
    monkeypatch.setattr(fused, "_wanted", lambda: enabled)
    rng = np.random.default_rng(1)
    N, T, D, H = 3, 4, 3, 5
    layer = TimeLSTM(
        rng.standard_normal((D, 4 * H)) * 0.5,
        rng.standard_normal((H, 4 * H)) * 0.5,
        rng.standard_normal(4 * H) * 0.1,
        stateful=True,
    )
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    c0 = rng.standard_normal((N, H)) * 0.5
    weights = rng.standard_normal((N, T, H))

    def objective() -> float:
        layer.set_state(h0.copy(), c0.copy())
        return float(np.sum(layer.forward(xs) * weights))

    objective()
    assert layer._ran_fused() == enabled
    dxs = layer.backward(weights.copy())
    analytic = [g.copy() for g in layer.grads]
    dh0, dc0 = layer.dh.copy(), layer.dc.copy()
    for name, g, p in zip(("Wx", "Wh", "b"), analytic, layer.params, strict=True):
        assert_gradient(f"TimeLSTM.{name}", g, objective, p)
    assert_gradient("TimeLSTM xs", dxs, objective, xs)
    assert_gradient("TimeLSTM initial h", dh0, objective, h0)
    assert_gradient("TimeLSTM initial c", dc0, objective, c0)
    fused.use(None)


def model_step(V: int, layers: int, dropout: float, cell: str) -> list[np.ndarray]:
    model = RNNLM(V, 6, 8, cell=cell, layers=layers, dropout=dropout, seed=3, dtype="float32")
    rng = np.random.default_rng(5)
    out = []
    for _ in range(2):
        xs = rng.integers(0, V, (4, 9))
        ts = rng.integers(0, V, (4, 9))
        out.append(np.float64(model.forward(xs, ts)))
        model.backward()
        out += [g.copy() for g in model.grads]
    return out


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    ("V", "layers", "dropout"),
    [(5, 1, 0.0), (5, 2, 0.0), (50, 1, 0.0), (5, 2, 0.3)],
    ids=["char-lookup", "two-layers", "word", "dropout"],
)
def test_model_step_is_the_same_on_both_paths(V, layers, dropout, cell) -> None:
    reference, compiled = both_paths(lambda: model_step(V, layers, dropout, cell))
    for k, (a, b) in enumerate(zip(reference, compiled, strict=True)):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-6, err_msg=f"output {k}")


def test_the_environment_switch_keeps_the_numpy_loop() -> None:
    code = (
        "import numpy as np; from rnnplay.core.nn import fused; "
        "from rnnplay.core.nn.lstm import TimeLSTM; "
        "l = TimeLSTM(np.ones((2, 8), 'f4'), np.ones((2, 8), 'f4'), np.zeros(8, 'f4')); "
        "l.forward(np.ones((1, 3, 2), 'f4')); print(fused.kernels() is None, l._ran_fused())"
    )
    env = dict(os.environ, RNNPLAY_KERNELS="numpy")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "False"]


def test_a_shallow_copy_of_the_layer_gets_its_own_buffers() -> None:
    """The Sampler runs a copy.copy twin of each layer, maybe in another thread."""
    import copy

    fused.use(True)
    try:
        rng = np.random.default_rng(0)
        layer = TimeLSTM(*(rng.standard_normal(s).astype(np.float32) for s in ((3, 8), (2, 8), 8)))
        xs = rng.standard_normal((2, 4, 3)).astype(np.float32)
        layer.forward(xs)
        mine = layer._fused_buffers[1][0]
        twin = copy.copy(layer)
        twin.forward(xs)
        assert twin._fused_buffers[1][0] is not mine
        layer.forward(xs)
        assert layer._fused_buffers[1][0] is mine  # kept for the next call of that shape
    finally:
        fused.use(None)


def test_states_for_inspection_are_the_same_on_both_paths() -> None:
    def run():
        rng = np.random.default_rng(2)
        layer = TimeLSTM(*(rng.standard_normal(s).astype(np.float32) for s in ((3, 8), (2, 8), 8)))
        layer.forward(rng.standard_normal((3, 5, 3)).astype(np.float32))
        return layer.states()

    reference, compiled = both_paths(run)
    assert set(reference) == set(compiled) == {"h", "c", "f", "g", "i", "o"}
    for name in reference:
        assert reference[name].shape == (3, 5, 2)
        np.testing.assert_allclose(compiled[name], reference[name], rtol=1e-5, atol=1e-6)


# -- the GRU ------------------------------------------------------------------------


@pytest.mark.parametrize("slices", [1, 2])
@pytest.mark.parametrize("mode", ["lookup", "inputs"])
def test_compiled_gru_gives_the_numpy_numbers_in_float32(mode, slices, monkeypatch) -> None:
    use_slices(monkeypatch, slices)
    reference, compiled = both_paths(lambda: cell_run("gru", np.float32, mode, seed=6))
    for k, (a, b) in enumerate(zip(reference, compiled, strict=True)):
        assert a.shape == b.shape, k
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-5, err_msg=f"output {k}")


@pytest.mark.parametrize("enabled", [False, True], ids=["numpy", "compiled"])
def test_gru_gradients_in_float64_on_both_paths(enabled, monkeypatch) -> None:
    from rnnplay.core.nn.gru import TimeGRU

    use_slices(monkeypatch, 2)
    monkeypatch.setattr(fused, "_wanted", lambda: enabled)
    rng = np.random.default_rng(7)
    N, T, D, H = 3, 4, 3, 5
    layer = TimeGRU(
        rng.standard_normal((D, 3 * H)) * 0.5,
        rng.standard_normal((H, 3 * H)) * 0.5,
        rng.standard_normal(3 * H) * 0.1,
        stateful=True,
    )
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    weights = rng.standard_normal((N, T, H))

    def objective() -> float:
        layer.set_state(h0.copy())
        return float(np.sum(layer.forward(xs) * weights))

    objective()
    assert layer._ran_fused() == enabled
    dxs = layer.backward(weights.copy())
    analytic = [g.copy() for g in layer.grads]
    dh0 = layer.dh.copy()
    for name, g, p in zip(("Wx", "Wh", "b"), analytic, layer.params, strict=True):
        assert_gradient(f"TimeGRU.{name}", g, objective, p)
    assert_gradient("TimeGRU xs", dxs, objective, xs)
    assert_gradient("TimeGRU initial h", dh0, objective, h0)


def test_sliced_calls_run_each_slice_once_leave_no_thread_and_raise_errors() -> None:
    import threading

    before = set(threading.enumerate())
    seen: list[int] = []
    fused.run_sliced(seen.append, [(1,), (2,), (3,)])
    assert sorted(seen) == [1, 2, 3]
    assert set(threading.enumerate()) <= before

    def kernel(k: int) -> None:
        if k == 2:
            raise ValueError("slice 2 failed")

    with pytest.raises(ValueError, match="slice 2"):
        fused.run_sliced(kernel, [(1,), (2,)])
    assert set(threading.enumerate()) <= before


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_one_step_runs_the_numpy_step_and_a_sequence_the_compiled_loop(cell) -> None:
    """Sampling feeds one token at a time: the compiled loop's set-up (a contiguous
    W_h^T) costs ten times such a step, so a single step stays on NumPy; token by
    token it gives the numbers of one compiled call over the whole sequence."""
    ids = np.random.default_rng(1).integers(0, 30, size=(2, 6))
    fused.use(True)
    try:
        whole = RNNLM(30, 8, 16, cell=cell, seed=3)
        at_once = whole.predict(ids)
        assert whole.recurrent[0]._ran_fused()
        stepped = RNNLM(30, 8, 16, cell=cell, seed=3)
        one_by_one = []
        for t in range(ids.shape[1]):
            one_by_one.append(stepped.predict(ids[:, t : t + 1]))
            assert not stepped.recurrent[0]._ran_fused()
    finally:
        fused.use(None)
    np.testing.assert_allclose(np.concatenate(one_by_one, axis=1), at_once, rtol=1e-4, atol=1e-5)
