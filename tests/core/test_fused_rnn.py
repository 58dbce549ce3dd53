"""The compiled vanilla RNN loop (rnnplay.core.nn.fused.rnn_kernels) against the NumPy
reference: the same numbers within float32 rounding for every input mode and batch
slicing, the float64 gradient checks on both paths, the inspector's states and the
carried state alike. Skipped without numba (the model-level checks for cell "rnn"
are in test_fused_kernels.py, beside the LSTM's and GRU's)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.nn import fused
from rnnplay.core.nn.rnn import TimeRNN
from tests.core.fused_runs import both_paths, cell_run, use_slices
from tests.core.gradcheck import assert_gradient

pytest.importorskip("numba")
pytest.importorskip("scipy")
pytestmark = pytest.mark.skipif(not fused.available(), reason="compiled kernels do not load")


@pytest.mark.parametrize("slices", [1, 2, 3])
@pytest.mark.parametrize("mode", ["lookup", "projected", "inputs"])
def test_compiled_rnn_gives_the_numpy_numbers_in_float32(mode, slices, monkeypatch) -> None:
    use_slices(monkeypatch, slices)
    ran = []
    real = TimeRNN._fused_forward
    monkeypatch.setattr(
        TimeRNN, "_fused_forward", lambda self, *a, **k: ran.append(1) or real(self, *a, **k)
    )
    reference, compiled = both_paths(lambda: cell_run("rnn", np.float32, mode, seed=8))
    assert len(ran) == 2  # both calls of the second run took the compiled loop
    assert len(reference) == len(compiled)
    for k, (a, b) in enumerate(zip(reference, compiled, strict=True)):
        assert a.shape == b.shape, k
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-5, err_msg=f"output {k}")


@pytest.mark.parametrize(
    ("enabled", "slices"), [(False, 1), (True, 1), (True, 2)], ids=["numpy", "compiled", "sliced"]
)
@pytest.mark.parametrize("mode", ["inputs", "lookup"])
def test_rnn_gradients_in_float64_on_both_paths(enabled, slices, mode, monkeypatch) -> None:
    use_slices(monkeypatch, slices)
    monkeypatch.setattr(fused, "_wanted", lambda: enabled)
    rng = np.random.default_rng(9)
    N, T, D, H, V = 3, 4, 3, 5, 4
    layer = TimeRNN(
        rng.standard_normal((D, H)) * 0.5,
        rng.standard_normal((H, H)) * 0.5,
        rng.standard_normal(H) * 0.1,
        stateful=True,
    )
    xs = rng.standard_normal((N, T, D))
    table = rng.standard_normal((V, H))
    ids = rng.integers(0, V, (T, N))
    h0 = rng.standard_normal((N, H)) * 0.5
    weights = rng.standard_normal((N, T, H))

    def objective() -> float:
        layer.set_state(h0.copy())
        hs = layer.forward(xs) if mode == "inputs" else layer.forward_lookup(table, ids)
        return float(np.sum(hs * weights))

    objective()
    assert layer._ran_fused() == enabled
    if mode == "inputs":
        dxs = layer.backward(weights.copy())
        assert_gradient("TimeRNN xs", dxs, objective, xs)
    else:  # the gradient for the table: the projections' gradient summed per token id
        dpre = layer.backward_projected(weights.copy())
        dtable = np.zeros_like(table)
        np.add.at(dtable, ids, dpre)
        assert_gradient("TimeRNN table", dtable, objective, table)
    analytic = [g.copy() for g in layer.grads]
    dh0 = layer.dh.copy()
    names = ("Wx", "Wh", "b") if mode == "inputs" else ("Wh",)
    for name in names:
        k = ("Wx", "Wh", "b").index(name)
        assert_gradient(f"TimeRNN.{name}", analytic[k], objective, layer.params[k])
    assert_gradient("TimeRNN initial h", dh0, objective, h0)


def test_rnn_states_for_inspection_are_the_same_on_both_paths() -> None:
    def run():
        rng = np.random.default_rng(2)
        layer = TimeRNN(*(rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4, 4), 4)))
        layer.forward(rng.standard_normal((3, 5, 3)).astype(np.float32))
        return layer._ran_fused(), layer.states(), layer.h.copy()

    (fused_before, reference, h_before), (fused_after, compiled, h_after) = both_paths(run)
    assert (fused_before, fused_after) == (False, True)
    assert set(reference) == set(compiled) == {"h"}
    assert reference["h"].shape == compiled["h"].shape == (3, 5, 4)
    np.testing.assert_allclose(compiled["h"], reference["h"], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(compiled["h"][:, -1], h_after)  # h is the last step's state
    np.testing.assert_allclose(h_after, h_before, rtol=1e-5, atol=1e-6)


def test_a_backward_keeps_the_hidden_states_it_returned() -> None:
    """The compiled loop reuses its buffers from one call to the next: the hidden
    states a forward returned stay the caller's through a backward and the next
    forward (the output layer and the inspector hold on to them)."""
    fused.use(True)
    try:
        rng = np.random.default_rng(3)
        layer = TimeRNN(*(rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4, 4), 4)))
        xs = rng.standard_normal((2, 6, 3)).astype(np.float32)
        hs = layer.forward(xs)
        kept = hs.copy()
        layer.backward(np.ones_like(hs))
        layer.forward(xs * 2)
        np.testing.assert_array_equal(hs, kept)
    finally:
        fused.use(None)


def test_a_bad_lookup_is_refused_on_the_compiled_path() -> None:
    fused.use(True)
    try:
        rng = np.random.default_rng(4)
        layer = TimeRNN(*(rng.standard_normal(s) for s in ((3, 4), (4, 4), 4)))
        with pytest.raises(ValueError, match="token ids outside"):
            layer.forward_lookup(np.zeros((5, 4)), np.full((3, 2), 5))
        with pytest.raises(ValueError, match=r"expected \(T, N\) ids and a \(V, 4\) table"):
            layer.forward_lookup(np.zeros((5, 3)), np.zeros((3, 2), dtype=int))
    finally:
        fused.use(None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["lookup", "inputs"])
def test_the_numbers_do_not_depend_on_how_the_batch_is_sliced(mode, dtype, monkeypatch) -> None:
    """The thread governor may pick another thread count after a resume: what
    training uses (states, gradients) must be the same bit for bit for 1, 2 or 3
    slices of a batch of 7 (the gradient-flow diagnostic may differ in its last bits)."""
    results = []
    for k in (1, 2, 3):
        use_slices(monkeypatch, k)
        fused.use(True)
        try:
            run = cell_run("rnn", dtype, mode, seed=8, N=7, T=9, H=16, flow=False)
        finally:
            fused.use(None)
        results.append([a for a in run if a is not None])
    for other in results[1:]:
        for k, (a, b) in enumerate(zip(results[0], other, strict=True)):
            np.testing.assert_array_equal(b, a, err_msg=f"output {k}")
