"""Stepper: the one way to run an RNNLM forward for inference, carrying a state.

Sampling, the race's sample lines, the playground's samples and the
inspector all need the same thing: feed a model one or many tokens, keep
the state between calls, read the scores of the next token and, for the
inspector, every layer's states and the gradient of one prediction with
respect to the inputs. A :class:`Stepper` does this with the model's own
layers (no second implementation of the forward pass) on a *twin* of the
model: copies of the layer objects, so the twin's carried state, caches,
dropout masks and eval mode are its own and the model's training state is
never touched.

Whose weights. ``weights="live"`` shares the model's parameter arrays, so
every optimizer update shows through at once (use it on the thread that
trains, between steps, or on a model nobody trains). ``weights="copy"``
copies them first (about a millisecond for the default model): a frozen
snapshot that another thread may read while training goes on.
:func:`frozen_copy` gives such a snapshot as a model of its own.

Everything here works on one sequence (batch size 1).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rnnplay.core.nn.model import RNNLM, State

Weights = Literal["live", "copy"]


@dataclass(frozen=True, eq=False)
class Trace:
    """What a forward pass over T tokens computed.

    ``logits`` (T, V): the scores of the token after each position.
    ``layers``: per recurrent layer, bottom first, a dict of (T, H) arrays
    named by the layer's ``state_names``: ``h`` for every cell; an LSTM adds
    its cell state ``c`` and gates ``f``, ``g``, ``i``, ``o``; a GRU its gates
    ``z``, ``r`` and its ``candidate``.
    """

    logits: np.ndarray
    layers: list[dict[str, np.ndarray]]


@dataclass(frozen=True, eq=False)
class InputGradient:
    """The gradient of one prediction's log-probability with respect to the inputs.

    For tokens ``x[0..t]`` and a target token y: ``log_prob`` is
    log p(y | x[0..t]) (natural log, float), ``inputs`` (t+1, D) the
    embedding vectors that entered the first recurrent layer, ``grad``
    (t+1, D) d log_prob / d inputs[s] for every position s.
    """

    log_prob: float
    inputs: np.ndarray
    grad: np.ndarray


def _twin(model: RNNLM, weights: Weights) -> RNNLM:
    """A copy of ``model`` whose layers carry their own state, caches and mode.

    With ``weights="live"`` the layers keep the model's parameter arrays
    (shallow copies share the ``params`` lists); with ``"copy"`` each layer
    gets copies (a tied output matrix stays a view of the copied embedding).
    Gradient arrays are the twin's own only once :meth:`Stepper.input_gradient`
    needs them, so a twin never writes the model's gradients.
    """
    if weights not in ("live", "copy"):
        raise ValueError(f"weights must be 'live' or 'copy', got {weights!r}")
    twin = copy.copy(model)
    twin.embedding = copy.copy(model.embedding)
    twin.recurrent = [copy.copy(layer) for layer in model.recurrent]
    twin.dropouts = [copy.copy(layer) for layer in model.dropouts]
    twin.output = copy.copy(model.output)
    if weights == "copy":
        twin.embedding.params = [p.copy() for p in model.embedding.params]
        for layer in twin.recurrent:
            layer.params = [p.copy() for p in layer.params]
        W, b = model.output.params
        W = twin.embedding.params[0].T if model.tie else W.copy()
        twin.output.params = [W, b.copy()]
        owners = [twin.embedding, *twin.recurrent]
        twin.params = [p for layer in owners for p in layer.params]
        twin.params += twin.output.params[1:] if model.tie else twin.output.params
    twin.eval()
    twin.reset_state()
    return twin


def frozen_copy(model: RNNLM) -> RNNLM:
    """A model of its own holding a copy of ``model``'s weights, in eval mode
    with no carried state: a snapshot that other threads may read while
    ``model`` trains on (the playground's samples, the race's sample lines)."""
    return _twin(model, "copy")


class Stepper:
    """Feeds tokens through a twin of ``model`` and keeps the state between calls.

    ``feed(ids)`` returns the scores after every token and advances the
    state; ``feed_token(id)`` is the one-token fast path (the sampler's
    loop); ``trace(ids)`` also reports every layer's states. ``logits`` is
    the score vector of the next token (None before the first feed).
    ``state()``/``set_state()`` copy the carried state out and back in (the
    format of ``RNNLM.get_state``), ``reset()`` forgets it.
    """

    def __init__(self, model: RNNLM, *, weights: Weights = "live") -> None:
        self._twin = _twin(model, weights)
        self.weights: Weights = weights
        self.vocab_size: int = model.config.vocab_size
        self.cell: str = model.config.cell
        self.num_layers: int = len(model.recurrent)
        self.hidden: int = model.config.hidden
        self.dtype: np.dtype = model.dtype
        self.logits: np.ndarray | None = None
        self._own_grads = False

    # -- state ---------------------------------------------------------------
    def reset(self) -> None:
        """Forget the carried state (the next feed starts from zeros)."""
        self._twin.reset_state()
        self.logits = None

    def state(self) -> State | None:
        """A copy of the carried state per layer (``h``, and ``c`` for an LSTM)."""
        return self._twin.get_state()

    def set_state(self, state: State | None) -> None:
        """Continue from ``state`` (from :meth:`state`; None resets)."""
        self._twin.set_state(state)

    def hidden_state(self, layer: int = -1) -> np.ndarray:
        """The carried hidden state (H,) of ``layer`` (the top one by default)."""
        h = self._twin.recurrent[layer].h
        if h is None:
            return np.zeros(self.hidden, dtype=self.dtype)
        return h[0].copy()

    @property
    def state_names(self) -> list[tuple[str, ...]]:
        """Per layer, the names :meth:`trace` reports (``h`` first)."""
        return [layer.state_names for layer in self._twin.recurrent]

    # -- forward -------------------------------------------------------------
    def _ids(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        arr = np.asarray(ids)
        if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"Stepper: ids must be a non-empty 1-D integer sequence, got {arr!r}")
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise ValueError(f"Stepper: token ids must lie in [0, {self.vocab_size})")
        return arr.reshape(1, -1)

    def feed(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Scores (T, V) after each of the T tokens ``ids``; the state advances past them."""
        logits = self._twin.predict(self._ids(ids))[0]
        self.logits = logits[-1]
        return logits

    def feed_token(self, token: int) -> np.ndarray:
        """Scores (V,) of the token after ``token``; the state advances by one.

        ``predict`` on a (1, 1) input minus its checks: the embedding row,
        each recurrent layer for one step, the output affine (dropout passes
        through in eval mode).
        """
        twin = self._twin
        h = twin.embedding.params[0][token].reshape(1, 1, -1)
        for layer in twin.recurrent:
            h = layer.forward(h)
        W, b = twin.output.params
        logits = h.reshape(-1) @ W
        logits += b
        self.logits = logits
        return logits

    def trace(self, ids: Sequence[int] | np.ndarray) -> Trace:
        """Like :meth:`feed`, reporting every layer's states at every position."""
        x = self._ids(ids)
        twin = self._twin
        h = twin.embedding.forward(x)
        layers = []
        for layer in twin.recurrent:
            h = layer.forward(h)
            layers.append({name: value[0] for name, value in layer.states().items()})
        logits = twin.output.scores(h)[0]
        self.logits = logits[-1]
        return Trace(logits=logits, layers=layers)

    # -- gradients -----------------------------------------------------------
    def _private_grads(self) -> None:
        """Give the twin's layers gradient arrays of their own (once)."""
        if self._own_grads:
            return
        for layer in (self._twin.embedding, *self._twin.recurrent, self._twin.output):
            layer.grads = [np.zeros_like(p) for p in layer.params]
        self._own_grads = True

    def embeddings(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The embedding vectors (T, D) of ``ids`` (a copy)."""
        return self._twin.embedding.params[0][self._ids(ids)[0]].copy()

    def log_prob_of_inputs(self, inputs: np.ndarray, target: int) -> float:
        """log p(target | inputs) for input vectors (T, D) fed in place of
        embeddings, from the carried state, which is left as it was (the
        finite-difference side of the gradient tests)."""
        saved = self.state()
        try:
            h = np.asarray(inputs, dtype=self.dtype)[None]
            for layer in self._twin.recurrent:
                h = layer.forward(h)
            z = self._twin.output.scores(h)[0, -1].astype(np.float64)
            top = z.max()
            return float(z[target] - top - np.log(np.exp(z - top).sum()))
        finally:
            self.set_state(saved)

    def input_gradient(self, ids: Sequence[int] | np.ndarray, target: int) -> InputGradient:
        """d log p(target | ids) / d (each input embedding), by the layers' own
        backward passes (BPTT through the whole of ``ids``).

        Starts from the carried state and leaves it as it was. The output
        layer's loss at the last position only (every earlier label ignored)
        is -log p(target); its backward pass, the dropouts' (identity in eval
        mode) and each recurrent layer's, top to bottom, give the gradient
        with respect to the vectors that entered the first layer.
        """
        x = self._ids(ids)
        if not 0 <= int(target) < self.vocab_size:
            raise ValueError(f"Stepper: target must lie in [0, {self.vocab_size})")
        self._private_grads()
        twin = self._twin
        saved = self.state()
        try:
            inputs = twin.embedding.forward(x)
            h = inputs
            for layer in twin.recurrent:
                h = layer.forward(h)
            labels = np.full(x.shape, twin.output.ignore_label, dtype=np.int64)
            labels[0, -1] = int(target)
            loss = twin.output.forward(h, labels)
            d = twin.output.backward(1.0)
            for layer in reversed(twin.recurrent):
                d = layer.backward(d)
        finally:
            self.set_state(saved)
        return InputGradient(log_prob=-loss, inputs=inputs[0].copy(), grad=-d[0])
