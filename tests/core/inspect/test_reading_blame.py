"""The inspector's per-position reading and its blame, checked against the model,
finite differences and PyTorch autograd in float64."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.inspect.blame import blame
from rnnplay.core.inspect.reading import read, surprises
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.stepper import Stepper
from rnnplay.errors import NumericalError

TEXT = 'he said "the cat (sat)"\non 2 mats.\n'
CASES = list(itertools.product(("rnn", "lstm", "gru"), (1, 2)))


def make_model(cell: str, layers: int, vocab_size: int, dtype: str = "float64") -> RNNLM:
    model = RNNLM(vocab_size, 6, 5, cell=cell, layers=layers, seed=1, dtype=dtype)
    model.params[0] *= 60
    rng = np.random.default_rng(2)
    for p in model.params[1:]:
        p += rng.normal(0, 0.3, p.shape).astype(p.dtype)
    return model


def vocab_for(level: str) -> Vocabulary:
    return Vocabulary.build(TEXT, level)


@pytest.mark.parametrize(("cell", "layers"), CASES)
@pytest.mark.parametrize("level", ["char", "word"])
def test_reading_reports_the_models_own_distribution(cell: str, layers: int, level: str) -> None:
    vocab = vocab_for(level)
    model = make_model(cell, layers, len(vocab))
    ids = vocab.encode(TEXT)
    reading = read(Stepper(model), ids, vocab, top_k=4)
    model.eval()
    model.reset_state()
    logits = model.predict(ids.reshape(1, -1).astype(np.int64))[0].astype(np.float64)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    T = ids.size
    assert len(reading) == T and reading.tokens == [vocab.tokens[i] for i in ids]
    np.testing.assert_allclose(reading.next_prob[:-1], probs[np.arange(T - 1), ids[1:]])
    np.testing.assert_allclose(reading.surprise[:-1], -np.log(probs[np.arange(T - 1), ids[1:]]))
    assert np.isnan(reading.surprise[-1])
    for t in range(T):
        order = np.argsort(-probs[t], kind="stable")[:4]
        np.testing.assert_array_equal(reading.top_ids[t], order)
        np.testing.assert_allclose(reading.top_probs[t], probs[t, order])
        np.testing.assert_allclose(reading.probs(t), probs[t])
    np.testing.assert_allclose(reading.entropy, -(probs * np.log(probs)).sum(axis=1))
    for k, layer in enumerate(reading.layers):
        np.testing.assert_allclose(layer["h"], model.hidden_states[k][0], rtol=1e-12)
    report = reading.at(3, vocab)
    assert report.token == vocab.tokens[ids[3]] and report.next_token == vocab.tokens[ids[4]]
    assert report.top[0] == (vocab.tokens[reading.top_ids[3, 0]], reading.top_probs[3, 0])
    assert reading.at(-1, vocab).surprise is None
    # the long-text path (chunks, the state carried) gives the same surprises
    np.testing.assert_allclose(surprises(Stepper(model), ids, chunk=5), reading.surprise[:-1])


def finite_difference(stepper: Stepper, inputs: np.ndarray, target: int) -> np.ndarray:
    eps = 1e-6
    grad = np.zeros_like(inputs)
    for index in np.ndindex(inputs.shape):
        up, down = inputs.copy(), inputs.copy()
        up[index] += eps
        down[index] -= eps
        grad[index] = (
            stepper.log_prob_of_inputs(up, target) - stepper.log_prob_of_inputs(down, target)
        ) / (2 * eps)
    return grad


@pytest.mark.parametrize(("cell", "layers"), CASES)
@pytest.mark.parametrize("level", ["char", "word"])
def test_blame_is_the_gradient_finite_differences_give(cell: str, layers: int, level: str) -> None:
    vocab = vocab_for(level)
    model = make_model(cell, layers, len(vocab))
    ids = vocab.encode(TEXT)[:9].astype(np.int64)
    stepper = Stepper(model)
    stepper.feed(vocab.encode("on mats").astype(np.int64))  # from a carried state
    state = stepper.state()
    t = 7
    result = blame(stepper, ids, t)
    inputs = stepper.embeddings(ids[: t + 1])
    numeric = finite_difference(stepper, inputs, int(ids[t + 1]))
    np.testing.assert_allclose(result.norms, np.linalg.norm(numeric, axis=1), rtol=1e-6)
    np.testing.assert_allclose(
        result.grad_x_input, (numeric * inputs).sum(axis=1), rtol=1e-5, atol=1e-9
    )
    assert result.log_prob == pytest.approx(stepper.log_prob_of_inputs(inputs, int(ids[t + 1])))
    reading = read(stepper, ids, vocab)
    assert result.log_prob == pytest.approx(-reading.surprise[t], rel=1e-12)
    for mine, theirs in zip(stepper.state(), state, strict=True):  # left as it was
        np.testing.assert_array_equal(mine["h"], theirs["h"])
    assert result.norms.shape == (t + 1,) and result.norms.min() > 0


def torch_log_prob_gradient(model: RNNLM, ids: np.ndarray, target: int):
    torch = pytest.importorskip("torch")
    f64 = torch.float64
    E = torch.tensor(model.embedding.params[0], dtype=f64)
    x = E[torch.tensor(ids)].clone().requires_grad_(True)
    h_in = x
    H = model.config.hidden
    for layer in model.recurrent:
        Wx, Wh, b = (torch.tensor(p, dtype=f64) for p in layer.params)
        h = torch.zeros(H, dtype=f64)
        c = torch.zeros(H, dtype=f64)
        outs = []
        for s in range(h_in.shape[0]):
            ax = h_in[s] @ Wx + b
            if model.cell == "rnn":
                h = torch.tanh(ax + h @ Wh)
            elif model.cell == "lstm":
                a = ax + h @ Wh
                f, g, i, o = (a[k * H : (k + 1) * H] for k in range(4))
                c = torch.sigmoid(f) * c + torch.tanh(g) * torch.sigmoid(i)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:
                z = torch.sigmoid(ax[:H] + h @ Wh[:, :H])
                r = torch.sigmoid(ax[H : 2 * H] + h @ Wh[:, H : 2 * H])
                cand = torch.tanh(ax[2 * H :] + (r * h) @ Wh[:, 2 * H :])
                h = (1 - z) * h + z * cand
            outs.append(h)
        h_in = torch.stack(outs)
    W, b = (torch.tensor(p, dtype=f64) for p in model.output.params)
    log_prob = torch.log_softmax(h_in[-1] @ W + b, dim=0)[target]
    log_prob.backward()
    return log_prob.item(), x.grad.numpy(), x.detach().numpy()


@pytest.mark.parametrize(("cell", "layers"), CASES)
def test_blame_matches_pytorch_autograd_on_the_same_weights(cell: str, layers: int) -> None:
    vocab = vocab_for("char")
    model = make_model(cell, layers, len(vocab))
    ids = vocab.encode(TEXT)[:12].astype(np.int64)
    t, target = 10, int(vocab.index["m"])  # any token, not only the one that came
    log_prob, grad, inputs = torch_log_prob_gradient(model, ids[: t + 1], target)
    result = blame(Stepper(model), ids, t, target=target)
    assert result.log_prob == pytest.approx(log_prob, rel=1e-12)
    np.testing.assert_allclose(result.norms, np.linalg.norm(grad, axis=1), rtol=1e-9)
    np.testing.assert_allclose(result.grad_x_input, (grad * inputs).sum(axis=1), rtol=1e-9)


def test_blame_refuses_positions_outside_the_text() -> None:
    vocab = vocab_for("char")
    stepper = Stepper(make_model("rnn", 1, len(vocab)))
    ids = vocab.encode("he said").astype(np.int64)
    with pytest.raises(IndexError):
        blame(stepper, ids, 7)
    with pytest.raises(IndexError):
        blame(stepper, ids, 6)  # the last: nothing comes next
    assert blame(stepper, ids, 6, target=0).norms.shape == (7,)


def test_scores_that_overflow_are_a_numerical_error() -> None:
    vocab = vocab_for("char")
    model = make_model("lstm", 1, len(vocab), dtype="float32")
    model.recurrent[0].params[2][...] = 50  # every gate open: h > 0.7 in every unit
    model.output.params[0][...] = 3e38  # finite weights, infinite float32 scores
    ids = vocab.encode("he said")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning on the way
        with pytest.raises(NumericalError, match="not finite"):
            read(Stepper(model), ids, vocab)
        with pytest.raises(NumericalError, match="not finite"):
            blame(Stepper(model), ids, 3)
