"""Tokenization and the vocabulary that maps tokens to integer ids.

Two levels. At char level every Unicode character is a token. At word level
tokens are whitespace-separated words and every newline becomes the token
``<eos>`` (the Penn Treebank convention the book uses), so a word model can
learn where lines end; ``<unk>`` stands for every word left out of the
vocabulary. A char vocabulary has ``<unk>`` only when it needs one (see
:meth:`Vocabulary.with_unknown`). The vocabulary travels inside checkpoints
as plain JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rnnplay.errors import PromptError

UNK = "<unk>"
EOS = "<eos>"
LEVELS = ("char", "word")


def tokenize(text: str, level: str) -> list[str]:
    """Split text into tokens: characters, or words with ``<eos>`` per newline."""
    _check_level(level)
    if level == "char":
        return list(text)
    tokens: list[str] = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        tokens.extend(line.split())
        if number < len(lines) - 1:
            tokens.append(EOS)
    return tokens


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be 'char' or 'word', not {level!r}")


class Vocabulary:
    """An id for every token of a level, built from training text.

    Ids are stable and deterministic. Char level: the characters sorted by
    code point, then ``<unk>`` if present. Word level: ``<eos>`` = 0,
    ``<unk>`` = 1, then the words from most to least frequent, ties in order
    of first appearance.
    """

    level: str
    tokens: list[str]
    index: dict[str, int]
    unk_id: int | None
    eos_id: int | None

    def __init__(self, tokens: Sequence[str], level: str) -> None:
        _check_level(level)
        tokens = list(tokens)
        if not tokens:
            raise ValueError("a vocabulary needs at least one token")
        if not all(isinstance(token, str) and token for token in tokens):
            raise ValueError("vocabulary tokens must be non-empty strings")
        if len(set(tokens)) != len(tokens):
            raise ValueError("vocabulary tokens must be unique")
        if level == "char" and any(len(t) != 1 and t != UNK for t in tokens):
            raise ValueError("char-level tokens must be single characters (or <unk>)")
        if level == "word" and (UNK not in tokens or EOS not in tokens):
            raise ValueError("a word-level vocabulary must contain <unk> and <eos>")
        self.level = level
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}
        self.unk_id = self.index.get(UNK)
        self.eos_id = self.index.get(EOS) if level == "word" else None

    @classmethod
    def build(cls, text: str, level: str, max_vocab: int | None = None) -> Vocabulary:
        """The vocabulary of ``text``; ``max_vocab`` caps its size, ``<unk>`` included.

        With ``max_vocab`` N, the N-1 most frequent tokens are kept (at word
        level ``<eos>`` is always one of them) and every other token maps to
        ``<unk>``. Without it every token of the text is kept.
        """
        return cls.from_tokens(tokenize(text, level), level, max_vocab)

    @classmethod
    def from_tokens(
        cls, tokens: Iterable[str], level: str, max_vocab: int | None = None
    ) -> Vocabulary:
        """Like :meth:`build`, from an already tokenized text."""
        _check_level(level)
        if max_vocab is not None and (isinstance(max_vocab, bool) or max_vocab < 2):
            raise ValueError(f"max_vocab must be at least 2, not {max_vocab}")
        counts = Counter(tokens)  # insertion order = first appearance
        if level == "char":
            counts.pop(UNK, None)  # a char never equals "<unk>"; keeps the invariant obvious
            chars = list(counts)
            unk: list[str] = []
            if max_vocab is not None and len(chars) > max_vocab:
                chars = _most_frequent(counts, max_vocab - 1)
                unk = [UNK]
            return cls(sorted(chars) + unk, "char")
        counts.pop(UNK, None)  # a literal "<unk>" in the text is the unknown token
        counts.pop(EOS, None)
        words = _most_frequent(counts, None if max_vocab is None else max_vocab - 2)
        return cls([EOS, UNK, *words], "word")

    def with_unknown(self) -> Vocabulary:
        """This vocabulary with ``<unk>`` appended (itself if it has one).

        Existing ids do not change. Used at char level when held-out text
        has characters the training text lacks.
        """
        if self.unk_id is not None:
            return self
        return Vocabulary([*self.tokens, UNK], self.level)

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self.level == other.level and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocabulary(level={self.level!r}, size={len(self)})"

    def difference(self, other: Vocabulary, names: tuple[str, str] = ("this", "that")) -> str:
        """How ``other`` differs from this vocabulary, in words, the two called ``names``
        ("" when they are equal)."""
        mine, theirs = names
        if self == other:
            return ""
        if self.level != other.level or len(self) != len(other):
            return (
                f"{mine}: {len(self)} {self.level}-level tokens, "
                f"{theirs}: {len(other)} {other.level}-level tokens"
            )
        pairs = zip(self.tokens, other.tokens, strict=True)
        i = next(i for i, (a, b) in enumerate(pairs) if a != b)
        return f"token {i} is {self.tokens[i]!r} in the {mine}, {other.tokens[i]!r} in the {theirs}"

    def encode(self, text: str) -> np.ndarray:
        """Token ids (int32) of ``text``; unseen tokens map to ``<unk>``.

        Raises ValueError naming the unseen tokens if there is no ``<unk>``.
        """
        return self.encode_tokens(tokenize(text, self.level))

    def encode_tokens(self, tokens: Sequence[str]) -> np.ndarray:
        """Ids (int32) of already tokenized text; see :meth:`encode`."""
        index = self.index
        if self.unk_id is None:
            missing = self._unknown_tokens(tokens)
            if missing:
                raise ValueError(f"not in the vocabulary: {_show(missing)}")
            return np.fromiter((index[t] for t in tokens), dtype=np.int32, count=len(tokens))
        unk = self.unk_id
        return np.fromiter((index.get(t, unk) for t in tokens), dtype=np.int32, count=len(tokens))

    def unknown(self, text: str) -> list[str]:
        """The distinct tokens of ``text`` missing from the vocabulary, in order."""
        return self._unknown_tokens(tokenize(text, self.level))

    def _unknown_tokens(self, tokens: Iterable[str]) -> list[str]:
        index = self.index
        return list(dict.fromkeys(t for t in tokens if t not in index))

    def decode(self, ids: Iterable[int]) -> str:
        """Text of token ids. Word level: words joined by spaces, ``<eos>`` as newline."""
        tokens = [self.tokens[int(i)] for i in ids]
        if self.level == "char":
            return "".join(tokens)
        return "\n".join(" ".join(line) for line in _split_lines(tokens))

    def token_text(self, token_id: int) -> str:
        """How one token prints when text is streamed token by token.

        Char level: the character. Word level: the word and a space, or a
        newline for ``<eos>``.
        """
        token = self.tokens[int(token_id)]
        if self.level == "char":
            return token
        return "\n" if token == EOS else token + " "

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict; :meth:`from_json` rebuilds the same vocabulary."""
        return {"level": self.level, "tokens": list(self.tokens)}

    @classmethod
    def from_json(cls, data: Any) -> Vocabulary:
        """Rebuild from :meth:`to_json`; ValueError if ``data`` is not one."""
        if not isinstance(data, dict) or set(data) != {"level", "tokens"}:
            raise ValueError("a vocabulary is a dict with exactly 'level' and 'tokens'")
        if not isinstance(data["tokens"], list):
            raise ValueError("vocabulary 'tokens' must be a list")
        return cls(data["tokens"], data["level"])


def encode_readable(vocab: Vocabulary, text: str, subject: str = "the text") -> np.ndarray:
    """Token ids (int64) of a text a person typed for the model to read.

    At char level every character must be in the vocabulary (even when it
    has ``<unk>``: a character the model cannot read is a typo worth
    reporting); at word level unseen words map to ``<unk>``, as during
    evaluation. ``PromptError`` names what is missing, after ``subject``.
    """
    if vocab.level == "char" or vocab.unk_id is None:
        missing = list(dict.fromkeys(vocab.unknown(text)))
        if missing:
            what = "characters" if vocab.level == "char" else "words"
            shown = ", ".join(repr(t) for t in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise PromptError(f"{subject} has {what} the vocabulary lacks: {shown}{more}")
    return np.asarray(vocab.encode(text), dtype=np.int64)


def _most_frequent(counts: Counter[str], limit: int | None) -> list[str]:
    """Tokens by falling count, ties by first appearance; at most ``limit``."""
    order = {token: i for i, token in enumerate(counts)}
    ranked = sorted(counts, key=lambda token: (-counts[token], order[token]))
    return ranked if limit is None else ranked[:limit]


def _split_lines(tokens: list[str]) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for token in tokens:
        if token == EOS:
            lines.append([])
        else:
            lines[-1].append(token)
    return lines


def _show(tokens: list[str], limit: int = 10) -> str:
    shown = ", ".join(repr(t) for t in tokens[:limit])
    return shown + (f" and {len(tokens) - limit} more" if len(tokens) > limit else "")
