"""What of a prime a model can read: the tokens its vocabulary has, and those it lacks.

A prime typed by a person may hold characters (or, at word level, words)
the training text never had (a word-level vocabulary reads any word as
``<unk>``). Sampling must not stop for that: the faces sample from the
readable part and say what was left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnplay.core.data.vocab import Vocabulary


@dataclass(frozen=True)
class ReadablePrime:
    """A prime split into what the vocabulary can read and what it lacks."""

    text: str
    """The prime with the unreadable tokens left out (what sampling starts from)."""
    missing: tuple[str, ...]
    """The distinct unreadable tokens, in order of appearance (empty: all readable)."""

    @property
    def complete(self) -> bool:
        return not self.missing


def readable_prime(vocab: Vocabulary, prime: str) -> ReadablePrime:
    """``prime`` without the tokens ``vocab`` lacks. A word-level vocabulary always
    has ``<unk>`` and so reads every word; a character vocabulary with ``<unk>``
    (a loaded checkpoint's) reads every character too."""
    if vocab.unk_id is not None:
        return ReadablePrime(prime, ())
    missing = tuple(vocab.unknown(prime))
    lacking = set(missing)
    return ReadablePrime("".join(c for c in prime if c not in lacking), missing)


def describe_missing(missing: tuple[str, ...], limit: int = 4) -> str:
    """``'é', 'ß'`` or ``'é', 'ß', ... (7)``: the unreadable tokens for one short line."""
    shown = ", ".join(repr(t) for t in missing[:limit])
    if len(missing) > limit:
        shown += f", ... ({len(missing)})"
    return shown
