"""Stepper: the inference API gives the training forward's numbers, leaves the model alone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnnplay.core.nn.gru import GRU
from rnnplay.core.nn.lstm import LSTM
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.rnn import RNN
from rnnplay.core.nn.stepper import Stepper, frozen_copy

CELLS = ("rnn", "lstm", "gru")
# char level: a vocabulary smaller than the sequence (RNNLM folds the embedding);
# word level: a vocabulary larger than it (the plain embedding path).
LEVELS = {"char": 7, "word": 300}


def make_model(cell: str, layers: int, vocab: int, dtype: str = "float64", **kw) -> RNNLM:
    model = RNNLM(vocab, 6, 5, cell=cell, layers=layers, seed=1, dtype=dtype, **kw)
    model.params[0] *= 60  # embeddings ~ N(0, 0.36): states depend on the input
    for p in model.params[1:]:
        p += np.random.default_rng(2).normal(0, 0.3, p.shape).astype(p.dtype)
    return model


def random_state(model: RNNLM, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    H = model.config.hidden
    state = []
    for _ in model.recurrent:
        entry = {"h": rng.uniform(-0.9, 0.9, (1, H))}
        if model.cell == "lstm":
            entry["c"] = rng.normal(0, 1, (1, H))
        state.append(entry)
    return state


CASES = list(itertools.product(CELLS, (1, 2), LEVELS))


@pytest.mark.parametrize(("cell", "layers", "level"), CASES)
def test_feed_gives_the_training_forward_logits(cell: str, layers: int, level: str) -> None:
    vocab = LEVELS[level]
    model = make_model(cell, layers, vocab)
    rng = np.random.default_rng(5)
    ids = rng.integers(0, vocab, 12)
    state = random_state(model, rng)
    model.eval()
    model.set_state(state)
    expected = model.predict(ids.reshape(1, -1))[0]
    after = model.get_state()

    stepper = Stepper(model)
    stepper.set_state(state)
    np.testing.assert_allclose(stepper.feed(ids[:5]), expected[:5], rtol=1e-12, atol=1e-12)
    one_by_one = [stepper.feed_token(int(t)) for t in ids[5:]]
    np.testing.assert_allclose(np.array(one_by_one), expected[5:], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stepper.logits, expected[-1], rtol=1e-12, atol=1e-12)
    for mine, theirs in zip(stepper.state(), after, strict=True):
        assert mine.keys() == theirs.keys()
        for key in mine:
            np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-12, atol=1e-12)

    stepper.set_state(state)
    trace = stepper.trace(ids)
    np.testing.assert_allclose(trace.logits, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("cell", "layers", "level"), CASES)
def test_trace_reports_each_layers_states_as_the_one_step_cells_compute_them(
    cell: str, layers: int, level: str
) -> None:
    vocab = LEVELS[level]
    model = make_model(cell, layers, vocab)
    rng = np.random.default_rng(6)
    ids = rng.integers(0, vocab, 9)
    state = random_state(model, rng)
    stepper = Stepper(model)
    stepper.set_state(state)
    trace = stepper.trace(ids)
    assert len(trace.layers) == layers
    assert [tuple(layer) for layer in trace.layers] == stepper.state_names

    # the reference: the one-step cells of core/nn, stepped by hand
    x = model.embedding.params[0][ids]
    for k, layer in enumerate(model.recurrent):
        Wx, Wh, b = layer.params
        h, c = state[k]["h"], state[k].get("c")
        reported = trace.layers[k]
        outs = []
        for t in range(len(ids)):
            if cell == "lstm":
                ref = LSTM(Wx, Wh, b)
                h, c = ref.forward(x[t : t + 1], h, c)
                _, _, _, f, g, i, o, _ = ref.cache
                expected = {"h": h, "c": c, "f": f, "g": g, "i": i, "o": o}
            elif cell == "gru":
                ref = GRU(Wx, Wh, b)
                h = ref.forward(x[t : t + 1], h)
                _, _, z, r, cand = ref.cache
                expected = {"h": h, "z": z, "r": r, "candidate": cand}
            else:
                h = RNN(Wx, Wh, b).forward(x[t : t + 1], h)
                expected = {"h": h}
            assert set(reported) == set(expected)
            for name, value in expected.items():
                np.testing.assert_allclose(reported[name][t], value[0], rtol=1e-10, atol=1e-12)
            outs.append(h[0])
        x = np.array(outs)


def test_the_model_is_left_exactly_as_it_was() -> None:
    model = make_model("lstm", 2, 7, dtype="float32", dropout=0.3)
    model.train()
    ids = np.arange(7).reshape(1, -1)
    model.forward(ids, ids)
    model.backward()
    before_state = model.get_state()
    before_grads = [g.copy() for g in model.grads]
    rng_state = model.rng.bit_generator.state
    stepper = Stepper(model)
    stepper.trace([1, 2, 3])
    stepper.feed([4, 5])
    stepper.input_gradient([1, 2, 3], 4)
    assert model.training
    assert model.rng.bit_generator.state == rng_state
    for mine, theirs in zip(model.get_state(), before_state, strict=True):
        np.testing.assert_array_equal(mine["h"], theirs["h"])
        np.testing.assert_array_equal(mine["c"], theirs["c"])
    for g, before in zip(model.grads, before_grads, strict=True):
        np.testing.assert_array_equal(g, before)


@pytest.mark.parametrize("tie", [False, True])
def test_live_weights_follow_updates_and_a_copy_does_not(tie: bool) -> None:
    model = RNNLM(7, 5, 5, cell="gru", seed=3, tie=tie, dtype="float64")
    live, frozen = Stepper(model), Stepper(model, weights="copy")
    copy_model = frozen_copy(model)
    before = Stepper(copy_model).feed([1, 2, 3])
    np.testing.assert_array_equal(live.feed([1, 2, 3]), before)
    for p in model.params:
        p += 0.5
    live.reset()
    frozen.reset()
    np.testing.assert_array_equal(frozen.feed([1, 2, 3]), before)
    np.testing.assert_array_equal(Stepper(copy_model).feed([1, 2, 3]), before)
    assert not np.allclose(live.feed([1, 2, 3]), before)
    model.eval()
    model.reset_state()
    np.testing.assert_allclose(live.logits, model.predict(np.array([[1, 2, 3]]))[0, -1])
    if tie:  # the copy's output matrix is still its own embedding's transpose
        assert np.shares_memory(copy_model.output.params[0], copy_model.params[0])
    assert not any(np.shares_memory(p, q) for p in copy_model.params for q in model.params)


def test_bad_ids_and_targets_are_refused() -> None:
    stepper = Stepper(make_model("rnn", 1, 7))
    for bad in ([], [7], [-1], [[1, 2]], [0.5]):
        with pytest.raises(ValueError):
            stepper.feed(bad)
    with pytest.raises(ValueError):
        stepper.input_gradient([1, 2], 7)
    with pytest.raises(ValueError):
        Stepper(make_model("rnn", 1, 7), weights="shared")  # type: ignore[arg-type]
