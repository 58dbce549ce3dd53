"""RNNLM: embedding, a stack of recurrent layers, and a softmax output."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from rnnplay.core.nn.config import ModelConfig
from rnnplay.core.nn.dropout import TimeDropout
from rnnplay.core.nn.embedding import TimeEmbedding
from rnnplay.core.nn.gru import TimeGRU
from rnnplay.core.nn.gru_torch import TimeTorchGRU
from rnnplay.core.nn.lstm import TimeLSTM
from rnnplay.core.nn.output import TimeAffineSoftmaxWithLoss
from rnnplay.core.nn.recurrent import TimeRecurrent
from rnnplay.core.nn.rnn import TimeRNN

CELLS: dict[str, type[TimeRecurrent]] = {
    "rnn": TimeRNN,
    "lstm": TimeLSTM,
    "gru": TimeGRU,
    "gru-torch": TimeTorchGRU,
}

State = list[dict[str, np.ndarray]]


class RNNLM:
    """A recurrent language model over token ids.

    Layers: TimeEmbedding -> [TimeDropout -> recurrent layer] x layers ->
    TimeDropout -> TimeAffine -> TimeSoftmaxWithLoss, the last two fused into
    one output layer (``output``, a TimeAffineSoftmaxWithLoss). The recurrent layers are
    stateful: each forward continues from the state the last one ended in,
    until ``reset_state``. Dropout (Zaremba et al. 2014 placement: on the
    non-recurrent connections only) is active after ``train()`` and off after
    ``eval()``.

    Initialisation (the book's scaled Gaussian): embedding rows ~ N(0, 0.01^2);
    each weight matrix ~ N(0, 1/fan_in) (Wx: 1/D, Wh: 1/H, affine: 1/H); biases
    zero except the LSTM forget gate, whose bias starts at ``forget_bias``
    (default 1.0, after Jozefowicz et al. 2015) so that the cell remembers by
    default early in training. The book uses 0.

    With ``tie`` the output affine uses the transpose of the embedding
    matrix (needs embed == hidden); the shared matrix gets the sum
    of both gradients. The arguments are the fields of
    :class:`~rnnplay.core.nn.config.ModelConfig` (``from_config`` takes one).
    """

    @classmethod
    def from_config(cls, config: ModelConfig, seed: int | None = None) -> RNNLM:
        """A model of the shape ``config`` describes, initialised from ``seed``."""
        return cls(**config.to_json(), seed=seed)

    def __init__(
        self,
        vocab_size: int,
        embed: int,
        hidden: int,
        cell: str = "lstm",
        layers: int = 1,
        dropout: float = 0.0,
        tie: bool = False,
        seed: int | None = None,
        dtype: str | np.dtype = "float32",
        forget_bias: float = 1.0,
    ) -> None:
        if cell not in CELLS:
            raise ValueError(f"RNNLM: cell must be one of {sorted(CELLS)}, got {cell!r}")
        for name, value in (
            ("vocab_size", vocab_size),
            ("embed", embed),
            ("hidden", hidden),
            ("layers", layers),
        ):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"RNNLM: {name} must be a positive integer, got {value!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"RNNLM: dropout must lie in [0, 1), got {dropout}")
        if tie and embed != hidden:
            raise ValueError(f"RNNLM: tied weights need embed == hidden, got {embed} and {hidden}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"RNNLM: dtype must be float32 or float64, got {self.dtype}")
        self.config = ModelConfig(
            vocab_size=int(vocab_size),
            cell=cell,
            embed=int(embed),
            hidden=int(hidden),
            layers=int(layers),
            dropout=float(dropout),
            tie=bool(tie),
            forget_bias=float(forget_bias),
            dtype=self.dtype.name,
        )
        self.cell = cell
        self.tie = tie
        self.rng = np.random.default_rng(seed)
        V, D, H = vocab_size, embed, hidden
        gates = CELLS[cell].gates

        def gaussian(shape: tuple[int, ...], scale: float) -> np.ndarray:
            return (self.rng.standard_normal(shape) * scale).astype(self.dtype)

        self.embedding = TimeEmbedding(gaussian((V, D), 0.01))
        self.recurrent: list[TimeRecurrent] = []
        self.dropouts: list[TimeDropout] = []
        in_size = D
        for _ in range(layers):
            Wx = gaussian((in_size, gates * H), 1 / np.sqrt(in_size))
            Wh = gaussian((H, gates * H), 1 / np.sqrt(H))
            b = np.zeros(gates * H, dtype=self.dtype)
            if cell == "lstm":
                b[:H] = forget_bias
            self.dropouts.append(TimeDropout(dropout, self.rng))
            self.recurrent.append(CELLS[cell](Wx, Wh, b, stateful=True))
            in_size = H
        self.dropouts.append(TimeDropout(dropout, self.rng))
        if tie:
            affine_W = self.embedding.params[0].T
        else:
            affine_W = gaussian((H, V), 1 / np.sqrt(H))
        self.output = TimeAffineSoftmaxWithLoss(affine_W, np.zeros(V, dtype=self.dtype))

        owners = [self.embedding, *self.recurrent]
        self.params: list[np.ndarray] = [p for layer in owners for p in layer.params]
        self.grads: list[np.ndarray] = [g for layer in owners for g in layer.grads]
        self.param_names: list[str] = ["embed.W"]
        for k in range(layers):
            self.param_names += [f"rnn{k}.{name}" for name in CELLS[cell].param_names]
        if tie:
            self.params.append(self.output.params[1])
            self.grads.append(self.output.grads[1])
            self.param_names.append("affine.b")
        else:
            self.params += self.output.params
            self.grads += self.output.grads
            self.param_names += ["affine.W", "affine.b"]
        self.training = True
        self.fold_embedding = True
        self._folded_ids: np.ndarray | None = None

    # -- modes ---------------------------------------------------------------
    def train(self) -> None:
        """Turn dropout on."""
        self.training = True
        for layer in self.dropouts:
            layer.train_flg = True

    def eval(self) -> None:
        """Turn dropout off (validation, sampling)."""
        self.training = False
        for layer in self.dropouts:
            layer.train_flg = False

    def set_dropout(self, ratio: float) -> None:
        """Change every dropout layer's ratio (between two training steps: the next
        forward pass draws its masks with it); ``config`` says the new ratio.
        ValueError unless it lies in [0, 1)."""
        if isinstance(ratio, bool) or not 0.0 <= ratio < 1.0:
            raise ValueError(f"RNNLM: dropout must lie in [0, 1), got {ratio!r}")
        for layer in self.dropouts:
            layer.ratio = float(ratio)
        self.config = replace(self.config, dropout=float(ratio))

    # -- passes --------------------------------------------------------------
    def _check_ids(self, name: str, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(
                f"RNNLM: {name} must be a 2-D integer array (N, T), "
                f"got shape {ids.shape} dtype {ids.dtype}"
            )
        return ids

    def _folds_embedding(self, xs: np.ndarray) -> bool:
        """Whether the first layer's input projections come from a lookup table.

        The first recurrent layer computes ``E[id] @ Wx + b`` at every
        position. When the vocabulary is smaller than the batch (char level)
        it is cheaper to compute ``E @ Wx + b`` once per token id and look the
        rows up; the backward pass then sums the projection gradient per token
        id instead of multiplying over every position. Not with dropout on the
        embedding, whose mask would sit between E and Wx.
        """
        return (
            self.fold_embedding
            and xs.size > self.config.vocab_size
            and not (self.training and self.dropouts[0].ratio > 0)
        )

    def _top_hidden(self, xs: np.ndarray) -> np.ndarray:
        """Run embedding, dropouts and the recurrent stack; (N, T, H) into the output layer."""
        if self._folds_embedding(xs):
            first = self.recurrent[0]
            Wx, b = first.params[0], first.params[2]
            table = self.embedding.params[0] @ Wx
            table += b
            h = first.forward_lookup(table, xs.T)
            self._folded_ids = xs
        else:
            h = self.recurrent[0].forward(self.dropouts[0].forward(self.embedding.forward(xs)))
            self._folded_ids = None
        for dropout, layer in zip(self.dropouts[1:], self.recurrent[1:], strict=False):
            h = layer.forward(dropout.forward(h))
        return self.dropouts[-1].forward(h)

    def _folded_backward(self, dpre: np.ndarray) -> None:
        """Embedding and first-layer Wx gradients from the projection gradient (T, N, G*H).

        The per-token sums of ``dpre``'s rows are one product with the one-hot
        matrix of the ids (TN, V): at char level (V ~ 65, TN ~ 2k) that is
        ~1 ms, where sorting the rows and ``np.add.reduceat`` took ~15 ms.
        """
        first = self.recurrent[0]
        per_token = first.lookup_sums  # the compiled loops sum them on the way
        if per_token is None:
            dpre2d, batch_major = first.gradient_rows(dpre)
            # the ids in the order of dpre's rows: batch-major from the compiled loop
            ids = self._folded_ids.reshape(-1) if batch_major else self._folded_ids.T.reshape(-1)
            one_hot = np.zeros((ids.size, self.config.vocab_size), dtype=dpre.dtype)
            one_hot[np.arange(ids.size), ids] = 1
            per_token = one_hot.T @ dpre2d
        np.matmul(self.embedding.params[0].T, per_token, out=first.grads[0])
        np.matmul(per_token, first.params[0].T, out=self.embedding.grads[0])

    def predict(self, xs: np.ndarray) -> np.ndarray:
        """Scores (logits) (N, T, V) for token ids xs (N, T), advancing the state."""
        xs = self._check_ids("xs", xs)
        return self.output.scores(self._top_hidden(xs))

    def forward(self, xs: np.ndarray, ts: np.ndarray) -> float:
        """Mean cross-entropy (nats per token) of predicting ts from xs."""
        xs = self._check_ids("xs", xs)
        ts = np.asarray(ts)
        if ts.shape != xs.shape:
            raise ValueError(f"RNNLM: targets have shape {ts.shape}, inputs {xs.shape}")
        return self.output.forward(self._top_hidden(xs), ts)

    def backward(self, dout: float = 1.0) -> None:
        """Fill ``grads`` with the gradient of the last forward's loss."""
        d = self.output.backward(dout)
        d = self.dropouts[-1].backward(d)
        for k in range(self.config.layers - 1, 0, -1):
            d = self.dropouts[k].backward(self.recurrent[k].backward(d))
        if self._folded_ids is not None:
            self._folded_backward(self.recurrent[0].backward_projected(d))
        else:
            d = self.dropouts[0].backward(self.recurrent[0].backward(d))
            self.embedding.backward(d)
        if self.tie:
            self.embedding.grads[0] += self.output.grads[0].T

    # -- state ---------------------------------------------------------------
    def reset_state(self) -> None:
        """Forget the carried hidden state of every layer."""
        for layer in self.recurrent:
            layer.reset_state()

    def get_state(self) -> State | None:
        """A copy of every layer's carried state, or None when there is none."""
        if any(layer.h is None for layer in self.recurrent):
            return None
        state: State = []
        for layer in self.recurrent:
            entry = {"h": layer.h.copy()}
            if isinstance(layer, TimeLSTM):
                entry["c"] = layer.c.copy()
            state.append(entry)
        return state

    def set_state(self, state: State | None) -> None:
        """Restore a state from :meth:`get_state` (None resets)."""
        if state is None:
            self.reset_state()
            return
        if len(state) != len(self.recurrent):
            raise ValueError(
                f"RNNLM: state has {len(state)} layers, the model has {len(self.recurrent)}"
            )
        H = self.config.hidden
        for layer, entry in zip(self.recurrent, state, strict=True):
            h = np.asarray(entry["h"], dtype=self.dtype)
            if h.ndim != 2 or h.shape[1] != H:
                raise ValueError(f"RNNLM: state h has shape {h.shape}, expected (N, {H})")
            if isinstance(layer, TimeLSTM):
                layer.set_state(h.copy(), np.asarray(entry["c"], dtype=self.dtype).copy())
            else:
                layer.set_state(h.copy())

    @property
    def hidden_states(self) -> list[np.ndarray | None]:
        """Per layer, the hidden states (N, T, H) of the last forward pass."""
        return [layer.hidden_states for layer in self.recurrent]

    @property
    def grad_flow(self) -> list[np.ndarray | None]:
        """Per layer, ||dL/dh_t|| for t = 0..T-1 of the last backward (when recorded)."""
        return [layer.grad_flow for layer in self.recurrent]

    def num_params(self) -> int:
        return int(sum(p.size for p in self.params))

    def describe(self) -> dict[str, Any]:
        return dict(self.config.to_json(), num_params=self.num_params())
