"""Inspector: the inspector's questions about one model and its vocabulary, in one place.

The faces (``rnnplay inspect``, the playground's Inspect view) hold one
:class:`Inspector` per model snapshot. It owns a
:class:`~rnnplay.core.nn.stepper.Stepper` (by default on a private copy of
the weights, so a training thread may go on while it answers) and answers
with the functions of this package: :meth:`read` (per position),
:meth:`blame`, :meth:`units` and :meth:`windows` (neuron search) and
:meth:`loss_split` (where the loss comes from). Every answer starts from a
zero state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnplay.core.data.vocab import Vocabulary, encode_readable
from rnnplay.core.inspect.blame import Blame, blame
from rnnplay.core.inspect.features import feature_values
from rnnplay.core.inspect.loss_split import DEFAULT_ORDERS, ClassLoss, ngram_losses, split_loss
from rnnplay.core.inspect.neurons import UnitScore, Window, rank_units, unit_windows
from rnnplay.core.inspect.reading import Reading, read, surprises
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.stepper import Stepper, Weights
from rnnplay.errors import PromptError

Text = str | Sequence[int] | np.ndarray


class Inspector:
    """Questions about ``model`` (with ``vocab``); ``weights`` as for a Stepper."""

    def __init__(self, model: RNNLM, vocab: Vocabulary, *, weights: Weights = "copy") -> None:
        if len(vocab) != model.config.vocab_size:
            raise ValueError(
                f"the vocabulary has {len(vocab)} tokens, the model expects "
                f"{model.config.vocab_size}"
            )
        self.vocab = vocab
        self.stepper = Stepper(model, weights=weights)

    @property
    def level(self) -> str:
        return self.vocab.level

    @property
    def joiner(self) -> str:
        """What goes between tokens when they are shown as text."""
        return "" if self.vocab.level == "char" else " "

    def encode(self, text: Text) -> np.ndarray:
        """Token ids (int64) of a text (``PromptError`` for characters the
        vocabulary lacks, or an empty text); ids pass through."""
        if isinstance(text, str):
            ids = encode_readable(self.vocab, text, "the text")
        else:
            ids = np.asarray(text, dtype=np.int64).reshape(-1)
            if ids.size and (ids.min() < 0 or ids.max() >= len(self.vocab)):
                raise PromptError(f"token ids must lie in [0, {len(self.vocab)})")
        if ids.size == 0:
            raise PromptError("the text is empty: there is nothing to inspect")
        return ids

    def read(self, text: Text, *, top_k: int = 10) -> Reading:
        """Every position of ``text``: top-k, surprise, every layer's states."""
        self.stepper.reset()
        return read(self.stepper, self.encode(text), self.vocab, top_k=top_k)

    def blame(self, text: Text, t: int, target: int | None = None) -> Blame:
        """Blame of the prediction at position ``t`` (see :mod:`.blame`)."""
        ids = self.encode(text)
        if not -ids.size <= t < ids.size:
            raise PromptError(f"position {t} is outside the text's {ids.size} tokens")
        t %= ids.size
        if target is None and t == ids.size - 1:
            raise PromptError(f"position {t} is the last: nothing comes after it to blame")
        self.stepper.reset()
        return blame(self.stepper, ids, t, target)

    def feature(self, reading: Reading, feature: str) -> np.ndarray:
        """A built-in feature's or a regular expression's values (T,) over the reading."""
        return feature_values(reading.tokens, self.level, feature)

    def units(
        self, reading: Reading, feature: str, *, state: str = "h", top: int | None = 10
    ) -> list[UnitScore]:
        """The units of every layer ranked by |correlation| with ``feature``."""
        return rank_units(reading.layers, self.feature(reading, feature), state=state, top=top)

    def windows(
        self, reading: Reading, layer: int, unit: int, *, state: str = "h", count: int = 5
    ) -> tuple[list[Window], list[Window]]:
        """Where unit ``unit`` of ``layer`` is most on, and most off."""
        activation = reading.layers[layer][state][:, unit]
        return unit_windows(reading.tokens, activation, count=count, joiner=self.joiner)

    def loss_split(
        self,
        text: Text,
        train: np.ndarray | None = None,
        orders: Sequence[int] = DEFAULT_ORDERS,
    ) -> list[ClassLoss]:
        """The model's loss on ``text`` (any length) split by token class,
        beside uniform and, given the training ids, the n-gram references."""
        ids = self.encode(text)
        self.stepper.reset()
        nats = surprises(self.stepper, ids)
        refs = ngram_losses(train, ids, len(self.vocab), orders)
        tokens = [self.vocab.tokens[int(i)] for i in ids]
        return split_loss(tokens, self.level, nats, refs)
