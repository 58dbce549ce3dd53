"""Sampler: generate text one token at a time from a trained (or training) RNNLM.

The sampler runs the model through a :class:`~rnnplay.core.nn.stepper.Stepper`,
a twin whose layers carry their own hidden state, caches and eval mode. With
the default ``weights="live"`` it shares the model's parameter arrays, so
sampling sees every weight update the moment the optimizer makes it, yet never
touches what training depends on: the model's carried state, its layer
caches, its dropout RNG and its train/eval mode stay exactly as they were.
``weights="copy"`` samples from a snapshot instead.
Randomness comes from the sampler's own ``np.random.Generator``, so a seeded
sampler repeats itself and never shifts the training RNG.

The prime is fed exactly once. After ``start(prime)`` the twin's state is the
state after every prime token, and the scores at the last prime position give
the distribution of the first generated token. Each ``step`` then samples a
token from that pending distribution and feeds it, which yields the next
distribution and the hidden state after the token. No token is fed twice
(the book's ``skip_ids`` loop feeds the last prime token a second time).

The sampling distribution of a step is softmax(scores / temperature),
restricted to the ``top_k`` most likely tokens and then to the nucleus (the
fewest most likely tokens whose probability adds up to at least ``top_p``),
renormalised. ``greedy`` takes its most likely token instead of drawing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnnplay.core.data.vocab import encode_readable
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.stepper import Stepper, Weights
from rnnplay.errors import NumericalError

if TYPE_CHECKING:
    from rnnplay.core.data.vocab import Vocabulary


@dataclass(frozen=True, eq=False)
class SampleStep:
    """One generated token and what the TUI shows about it.

    ``prob`` is the chosen token's probability under the step's sampling
    distribution (with ``greedy`` too: then it is the most likely token's
    probability, not 1). ``top_ids``/``top_probs`` are the most likely
    candidates of that same distribution in descending order: at most
    ``show_top`` of them, and only those with a probability above zero.
    ``hidden`` is the top recurrent layer's hidden state after this token.
    """

    token_id: int
    text: str
    prob: float
    top_ids: np.ndarray
    top_probs: np.ndarray
    hidden: np.ndarray


def _check_temperature(value: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.floating, np.integer))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"temperature must be a finite number above 0, got {value!r}")
    return float(value)


def _check_top_k(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"top-k must be a whole number of at least 1, got {value!r}")
    return int(value)


def _check_top_p(value: float | None) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.floating, np.integer))
        or not (0.0 < value <= 1.0)
    ):
        raise ValueError(f"top-p must lie in (0, 1], got {value!r}")
    return float(value)


class Sampler:
    """Step-by-step text generation from an :class:`RNNLM`.

    ``temperature``, ``top_k``, ``top_p`` and ``greedy`` are attributes that
    may change between steps (the TUI's live controls); setting an invalid
    value raises ``ValueError`` with a one-line message. A ``top_k`` larger
    than the vocabulary is clamped to the vocabulary size (it then keeps
    every token). ``top_p`` of None or 1 keeps every token.

    With an empty prime the sampler starts from a zero state and feeds a
    start token that is not part of the output: ``<eos>`` at word level;
    at char level ``"\\n"`` if the vocabulary has it, else ``" "``, else the
    token with id 0.

    Prime text: at char level every character must be in the vocabulary
    (``ValueError`` names the missing ones, even when the vocabulary has
    ``<unk>``: a prime the model cannot read is a typo worth reporting); at
    word level unseen words map to ``<unk>``, as during evaluation.
    """

    def __init__(
        self,
        model: RNNLM,
        vocab: Vocabulary,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        greedy: bool = False,
        seed: int | None = None,
        show_top: int = 10,
        weights: Weights = "live",
    ) -> None:
        vocab_size = model.config.vocab_size
        if len(vocab) != vocab_size:
            raise ValueError(
                f"the vocabulary has {len(vocab)} tokens but the model expects {vocab_size}"
            )
        if (
            isinstance(show_top, bool)
            or not isinstance(show_top, (int, np.integer))
            or (show_top < 1)
        ):
            raise ValueError(f"show_top must be a whole number of at least 1, got {show_top!r}")
        self.model = model
        self.vocab = vocab
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.greedy = greedy
        self.show_top = min(int(show_top), vocab_size)
        self.rng = np.random.default_rng(seed)
        self._stepper = Stepper(model, weights=weights)

    # -- live settings -------------------------------------------------------
    @property
    def temperature(self) -> float:
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        self._temperature = _check_temperature(value)

    @property
    def top_k(self) -> int | None:
        return self._top_k

    @top_k.setter
    def top_k(self, value: int | None) -> None:
        self._top_k = _check_top_k(value)

    @property
    def top_p(self) -> float | None:
        return self._top_p

    @top_p.setter
    def top_p(self, value: float | None) -> None:
        self._top_p = _check_top_p(value)

    @property
    def greedy(self) -> bool:
        return self._greedy

    @greedy.setter
    def greedy(self, value: bool) -> None:
        self._greedy = bool(value)

    # -- priming -------------------------------------------------------------
    def start_token(self) -> int:
        """The token fed before the first step when the prime is empty."""
        vocab = self.vocab
        if vocab.level == "word" and vocab.eos_id is not None:
            return int(vocab.eos_id)
        for candidate in ("\n", " "):
            if candidate in vocab.index:
                return int(vocab.index[candidate])
        return 0

    def encode_prime(self, prime: str) -> np.ndarray:
        """Prime text as token ids; ValueError naming characters the vocabulary lacks."""
        if not isinstance(prime, str):
            raise ValueError(f"the prime must be text, got {type(prime).__name__}")
        return encode_readable(self.vocab, prime, "the prime")

    def start(self, prime: str = "") -> None:
        """Forget the sampler's state and feed ``prime`` once (or the start token)."""
        ids = self.encode_prime(prime)
        if ids.size == 0:
            ids = np.array([self.start_token()], dtype=np.int64)
        self._stepper.reset()
        self._stepper.feed(ids)

    def state(self) -> list[dict[str, np.ndarray]] | None:
        """A copy of the sampler's own carried state (as ``RNNLM.get_state``)."""
        return self._stepper.state()

    # -- generation ----------------------------------------------------------
    def distribution(self) -> np.ndarray:
        """The sampling distribution (V,) float64 of the next token, with the
        current temperature, top-k and top-p applied (starts when not started)."""
        if self._stepper.logits is None:
            self.start()
        z = self._stepper.logits.astype(np.float64)
        top = z.max()  # NaN or +inf anywhere shows here
        if not math.isfinite(top):
            raise NumericalError("the model's scores are not finite (did training diverge?)")
        z -= top
        # Divide, not multiply by 1/T: below T ~ 5.6e-309 that reciprocal is inf, and
        # inf * 0 (the top score) is NaN. Dividing sends the rest to -inf, exp to 0.
        with np.errstate(over="ignore"):
            z /= self._temperature
        np.exp(z, out=z)
        V = z.shape[0]
        k = self._top_k
        if k is not None and k < V:
            drop = np.argpartition(z, V - k)[: V - k]
            z[drop] = 0.0
        z /= z.sum()
        p = self._top_p
        if p is not None and p < 1.0:
            order = np.argsort(-z, kind="stable")
            cumulative = np.cumsum(z[order])
            keep = int(np.searchsorted(cumulative, p, side="left")) + 1
            if keep < V:
                z[order[keep:]] = 0.0
                z /= z.sum()
        return z

    def _draw(self, probs: np.ndarray) -> int:
        if self._greedy:
            return int(np.argmax(probs))
        cumulative = np.cumsum(probs)
        idx = int(np.searchsorted(cumulative, self.rng.random() * cumulative[-1], side="right"))
        if idx >= probs.shape[0] or probs[idx] <= 0.0:
            idx = int(np.flatnonzero(probs)[-1])
        return idx

    def _top(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.show_top
        V = probs.shape[0]
        if V <= 1024:  # a full sort is cheaper than partitioning at this size
            ids = np.argsort(-probs, kind="stable")[:k]
        else:
            ids = np.argpartition(-probs, k - 1)[:k]
            ids = ids[np.argsort(-probs[ids], kind="stable")]
        chosen = probs[ids]
        nonzero = int(np.count_nonzero(chosen))
        return ids[:nonzero].astype(np.int64), chosen[:nonzero]

    def step(self) -> SampleStep:
        """Choose one token, feed it, and report it (starts with an empty prime if needed)."""
        probs = self.distribution()
        token = self._draw(probs)
        top_ids, top_probs = self._top(probs)
        self._stepper.feed_token(token)
        hidden = self._stepper.hidden_state().astype(np.float32)
        return SampleStep(
            token_id=token,
            text=self.vocab.token_text(token),
            prob=float(probs[token]),
            top_ids=top_ids,
            top_probs=top_probs,
            hidden=hidden,
        )

    def steps(self, n: int) -> Iterator[SampleStep]:
        """``n`` consecutive steps, lazily (``n`` is checked at once)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"the number of tokens must be a whole number >= 0, got {n!r}")
        return (self.step() for _ in range(n))

    def stream(self, prime: str, length: int) -> Iterator[str]:
        """The prime, then each generated token's text as soon as it is drawn.

        The one generator behind :meth:`generate` and ``rnnplay sample``: a
        consumer that writes each piece at once shows text as it is made and
        holds nothing but the current token. At word level a space separates
        the prime from the first generated word unless the prime already ends
        in whitespace. ``ValueError`` for a bad length or prime comes at once.
        """
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"length must be a whole number >= 0, got {length!r}")
        self.start(prime)
        return self._pieces(prime, self.prime_separator(prime), int(length))

    def prime_separator(self, prime: str) -> str:
        """What goes between ``prime`` and the first generated token: at word level a
        space, unless the prime already ends in whitespace (words are not glued)."""
        return " " if self.vocab.level == "word" and prime and not prime[-1].isspace() else ""

    def _pieces(self, prime: str, sep: str, length: int) -> Iterator[str]:
        yield prime
        for i, step in enumerate(self.steps(length)):
            yield sep + step.text if i == 0 else step.text

    def generate(self, prime: str, length: int) -> str:
        """The prime followed by ``length`` generated tokens, as text (:meth:`stream` joined)."""
        return "".join(self.stream(prime, length))
