"""Per-position features of a text, for the neuron search.

A feature gives every token t a number describing the text the model has
read up to and including t. Built in (``FEATURES``):

- ``quotes``: 1 inside double quotes (the opening quote counts as inside,
  the closing one as outside: the model has just read it);
- ``brackets``: 1 inside (), [] or {} (nesting counts once);
- ``after_newline``: 1 at the first token of a line (a newline came just before);
- ``line_position``: characters since the last newline (0 at a line's start);
- ``vowel``: 1 at a vowel (a e i o u, either case);
- ``word_start``: 1 at a letter that follows a non-letter;

and any regular expression (:func:`regex_feature`): 1 where a match covers
the token. At word level each token is measured at its first character in
the text the tokens spell (``<eos>`` is a newline, words are followed by a
space), so the same features apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from rnnplay.core.data.vocab import EOS
from rnnplay.errors import UsageError

OPENING, CLOSING = "([{", ")]}"
VOWELS = set("aeiouAEIOU")


def _spell(tokens: Sequence[str], level: str) -> tuple[str, np.ndarray]:
    """The text the tokens spell and each token's first character's offset in it."""
    if level == "char":
        return "".join(tokens), np.arange(len(tokens))
    pieces = ["\n" if token == EOS else token + " " for token in tokens]
    starts = np.cumsum([0] + [len(p) for p in pieces[:-1]]) if pieces else np.zeros(0)
    return "".join(pieces), np.asarray(starts, dtype=np.int64)


def _quotes(text: str) -> np.ndarray:
    inside, out = False, np.zeros(len(text))
    for k, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        out[k] = inside
    return out


def _brackets(text: str) -> np.ndarray:
    depth, out = 0, np.zeros(len(text))
    for k, ch in enumerate(text):
        if ch in OPENING:
            depth += 1
        elif ch in CLOSING:
            depth = max(depth - 1, 0)
        out[k] = depth > 0
    return out


def _after_newline(text: str) -> np.ndarray:
    return np.array([k > 0 and text[k - 1] == "\n" for k in range(len(text))], dtype=float)


def _line_position(text: str) -> np.ndarray:
    column, out = 0, np.zeros(len(text))
    for k, ch in enumerate(text):
        out[k] = column
        column = 0 if ch == "\n" else column + 1
    return out


def _vowel(text: str) -> np.ndarray:
    return np.array([ch in VOWELS for ch in text], dtype=float)


def _word_start(text: str) -> np.ndarray:
    return np.array(
        [ch.isalpha() and (k == 0 or not text[k - 1].isalpha()) for k, ch in enumerate(text)],
        dtype=float,
    )


FEATURES: dict[str, Callable[[str], np.ndarray]] = {
    "quotes": _quotes,
    "brackets": _brackets,
    "after_newline": _after_newline,
    "line_position": _line_position,
    "vowel": _vowel,
    "word_start": _word_start,
}
"""The built-in features by name; each maps a text to one value per character."""


def regex_feature(text: str, pattern: str) -> np.ndarray:
    """1 at every character a match of ``pattern`` covers (a zero-width match
    marks the character where it stands), else 0. ``UsageError`` for a bad
    expression."""
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        raise UsageError(f"bad regular expression {pattern!r}: {error}") from None
    out = np.zeros(len(text))
    for match in compiled.finditer(text):
        start, end = match.span()
        out[start : max(end, start + 1)] = 1
    return out


def feature_values(tokens: Sequence[str], level: str, feature: str) -> np.ndarray:
    """One value per token (T,) float64: a built-in feature by name, or else
    ``feature`` read as a regular expression."""
    text, starts = _spell(tokens, level)
    per_char = FEATURES[feature](text) if feature in FEATURES else regex_feature(text, feature)
    return per_char[starts] if starts.size else np.zeros(0)
