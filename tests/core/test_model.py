"""RNNLM behaviour beyond gradients: learning, state, modes, dtypes, tying."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import RNNLM, Adam, clip_grads


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_each_cell_memorises_a_short_sequence(cell: str) -> None:
    rng = np.random.default_rng(0)
    sequence = rng.integers(0, 12, size=(4, 17))
    model = RNNLM(12, 16, 32, cell=cell, seed=0)
    optimizer = Adam(0.01)
    first = None
    for _ in range(300):
        model.reset_state()
        loss = model.forward(sequence[:, :-1], sequence[:, 1:])
        first = loss if first is None else first
        model.backward()
        clip_grads(model.grads, 5.0)
        optimizer.update(model.params, model.grads)
    assert first > 2.0, "starts near log(12) = 2.48"
    assert loss < 0.05, f"{cell} did not memorise: loss {loss:.3f}"


def test_predict_shape_and_state_round_trip() -> None:
    rng = np.random.default_rng(1)
    model = RNNLM(9, 4, 6, cell="lstm", layers=2, seed=0)
    xs = rng.integers(0, 9, size=(3, 5))
    assert model.get_state() is None
    model.predict(xs)
    state = model.get_state()
    assert [sorted(s) for s in state] == [["c", "h"], ["c", "h"]]
    after_one = model.predict(xs)
    model.set_state(state)
    np.testing.assert_array_equal(model.predict(xs), after_one)
    model.reset_state()
    assert model.get_state() is None
    assert after_one.shape == (3, 5, 9)


def test_get_state_is_a_copy() -> None:
    model = RNNLM(5, 4, 4, cell="gru", seed=0)
    model.predict(np.zeros((1, 3), dtype=int))
    state = model.get_state()
    state[0]["h"][...] = 99.0
    assert not np.any(model.get_state()[0]["h"] == 99.0)


def test_hidden_states_per_layer_match_last_forward() -> None:
    model = RNNLM(5, 4, 6, cell="rnn", layers=2, seed=0)
    model.predict(np.array([[1, 2, 3]]))
    hs = model.hidden_states
    assert len(hs) == 2 and hs[1].shape == (1, 3, 6)
    np.testing.assert_array_equal(hs[1][:, -1], model.get_state()[1]["h"])
    assert np.all(np.abs(hs[0]) <= 1)


def test_dropout_only_in_training_mode() -> None:
    model = RNNLM(6, 8, 8, dropout=0.5, seed=0)
    xs = np.array([[1, 2, 3, 4]])
    model.eval()
    a = model.predict(xs)
    model.reset_state()
    b = model.predict(xs)
    np.testing.assert_array_equal(a, b)
    model.train()
    model.reset_state()
    c = model.predict(xs)
    assert not np.allclose(a, c)


def test_tied_weights_share_one_matrix() -> None:
    model = RNNLM(7, 6, 6, tie=True, seed=0)
    assert np.shares_memory(model.output.params[0], model.embedding.params[0])
    assert len(model.params) == len(model.param_names) == 5
    model.params[0][2, 3] = 5.0
    assert model.output.params[0][3, 2] == 5.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_everywhere(dtype: str) -> None:
    model = RNNLM(6, 4, 5, cell="lstm", layers=2, dropout=0.2, seed=0, dtype=dtype)
    xs = np.array([[0, 1, 2], [3, 4, 5]])
    model.forward(xs, xs)
    model.backward()
    assert {p.dtype for p in model.params} == {np.dtype(dtype)}
    assert {g.dtype for g in model.grads} == {np.dtype(dtype)}
    assert model.predict(xs).dtype == np.dtype(dtype)


def test_same_seed_same_model() -> None:
    a = RNNLM(6, 4, 5, seed=42)
    b = RNNLM(6, 4, 5, seed=42)
    c = RNNLM(6, 4, 5, seed=43)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params, strict=True))
    assert not np.array_equal(a.params[1], c.params[1])


def test_forget_gate_bias_initialisation() -> None:
    model = RNNLM(6, 4, 5, cell="lstm", seed=0)
    b = model.recurrent[0].params[2]
    np.testing.assert_array_equal(b[:5], 1.0)
    np.testing.assert_array_equal(b[5:], 0.0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("tie", [False, True])
def test_embedding_lookup_table_path_equals_the_plain_path(cell: str, tie: bool) -> None:
    """With a vocabulary smaller than the batch the first layer's input
    projections come from a per-token table; the results are the same."""
    rng = np.random.default_rng(7)
    xs = rng.integers(0, 9, size=(6, 5))
    ts = rng.integers(0, 9, size=(6, 5))
    runs = []
    for fold in (True, False):
        model = RNNLM(9, 8, 8, cell=cell, layers=2, tie=tie, seed=3, dtype="float64")
        model.fold_embedding = fold
        loss = model.forward(xs, ts)
        assert (model._folded_ids is not None) == fold
        model.backward()
        runs.append((loss, [g.copy() for g in model.grads], model.get_state()))
    (loss_a, grads_a, state_a), (loss_b, grads_b, state_b) = runs
    assert loss_a == pytest.approx(loss_b, rel=1e-12)
    for name, a, b in zip(model.param_names, grads_a, grads_b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(state_a[-1]["h"], state_b[-1]["h"], rtol=1e-12)
