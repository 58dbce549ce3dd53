"""Where the loss comes from: a validation loss split by what kind of token was predicted.

Each predicted token falls in one class (``CLASSES``): a letter inside a
word, a word start, a space, a newline, punctuation, a digit, or other. At
word level a token is classed by its first character (``<eos>`` is a
newline, an alphabetic word a word start, ``<unk>`` other).

:func:`split_loss` gives, per class, how many tokens it holds, their mean
loss under the model and under each reference (uniform, the n-gram models
of the training text), and the share of the model's total loss the class
carries. :func:`ngram_references` gives the whole-text figures of the
n-gram models for a loss chart's reference lines, cached per corpus (in
memory, and in a JSON file when given a folder).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnplay.core.data.vocab import EOS, UNK
from rnnplay.core.inspect.ngram import corpus_key, fitted

CLASSES = ("letter", "word_start", "space", "newline", "punctuation", "digit", "other")
"""Class names, in display order."""

CLASS_LABELS = {
    "letter": "letters inside a word",
    "word_start": "word starts",
    "space": "spaces",
    "newline": "newlines",
    "punctuation": "punctuation",
    "digit": "digits",
    "other": "other",
}

PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
DEFAULT_ORDERS = (2, 3, 4, 5)


def _char_class(ch: str, previous: str) -> str:
    if ch == "\n":
        return "newline"
    if ch.isspace():
        return "space"
    if ch.isalpha():
        return "letter" if previous.isalpha() else "word_start"
    if ch.isdigit():
        return "digit"
    if ch in PUNCTUATION:
        return "punctuation"
    return "other"


def classify(tokens: Sequence[str], level: str) -> np.ndarray:
    """The class index (into ``CLASSES``) of every token (T,) int64."""
    index = {name: k for k, name in enumerate(CLASSES)}
    out = np.empty(len(tokens), dtype=np.int64)
    for t, token in enumerate(tokens):
        if level == "char":
            name = _char_class(token, tokens[t - 1] if t else "\n") if token != UNK else "other"
        elif token == EOS:
            name = "newline"
        elif token == UNK:
            name = "other"
        else:
            name = _char_class(token[0], " ")
        out[t] = index[name]
    return out


@dataclass(frozen=True)
class ClassLoss:
    """One class: ``count`` predicted tokens, the mean loss (nats) of the
    model and of each reference on them, the share of the model's total."""

    name: str
    label: str
    count: int
    model: float
    share: float
    references: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "class": self.name,
            "label": self.label,
            "count": self.count,
            "model": self.model,
            "share": self.share,
            "references": self.references,
        }


def split_loss(
    tokens: Sequence[str],
    level: str,
    model_nats: np.ndarray,
    references: Mapping[str, np.ndarray] | None = None,
) -> list[ClassLoss]:
    """Split per-token losses by the class of the predicted token.

    ``model_nats`` (T-1,) holds -log p(tokens[t+1] | tokens[..t]) (as
    :func:`~rnnplay.core.inspect.reading.surprises` gives); ``references``
    maps a name ("3-gram", ...) to the same kind of array. Classes without
    tokens are left out; the shares add up to 1.
    """
    model_nats = np.asarray(model_nats, dtype=np.float64)
    if model_nats.size != max(len(tokens) - 1, 0):
        raise ValueError(f"{model_nats.size} losses for {len(tokens)} tokens (expected T-1)")
    classes = classify(tokens, level)[1:]
    total = float(model_nats.sum())
    out = []
    for k, name in enumerate(CLASSES):
        mask = classes == k
        count = int(mask.sum())
        if count == 0:
            continue
        refs = {ref: float(np.mean(np.asarray(v)[mask])) for ref, v in (references or {}).items()}
        part = float(model_nats[mask].sum())
        out.append(
            ClassLoss(
                name=name,
                label=CLASS_LABELS[name],
                count=count,
                model=part / count,
                share=part / total if total > 0 else 0.0,
                references=refs,
            )
        )
    return out


def ngram_losses(
    train: np.ndarray | None,
    ids: np.ndarray,
    vocab_size: int,
    orders: Sequence[int] = DEFAULT_ORDERS,
) -> dict[str, np.ndarray]:
    """Per-token losses (T-1,) of ``ids``: "uniform" (log V), and under each
    n-gram model of ``train`` ("2-gram", ...; none without ``train``)."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    out = {"uniform": np.full(max(ids.size - 1, 0), math.log(vocab_size))}
    if train is not None and orders:
        model = fitted(train, vocab_size, max(orders))
        for n in orders:
            out[f"{n}-gram"] = -model.log_probs(ids, n)
    return out


def ngram_references(
    train: np.ndarray,
    valid: np.ndarray,
    vocab_size: int,
    orders: Sequence[int] = DEFAULT_ORDERS,
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, float]:
    """Validation loss (nats per token) of each n-gram model of ``train``
    ("2-gram": ..., in order): reference lines for a loss chart.

    Computed once per corpus: with ``cache_dir`` the figures are kept in
    ``ngram-<fingerprint>.json`` there and read back by the next call (a
    cache file that cannot be read or written is simply ignored).
    """
    key = f"{corpus_key(train)}-{corpus_key(valid)}-{vocab_size}"
    path = Path(cache_dir) / f"ngram-{key}.json" if cache_dir is not None else None
    cached: dict[str, float] = {}
    if path is not None:
        try:
            cached = {k: float(v) for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            cached = {}
    names = [f"{n}-gram" for n in orders]
    missing = [n for n, name in zip(orders, names, strict=True) if name not in cached]
    if missing:
        model = fitted(train, vocab_size, max(missing))
        for n in missing:
            cached[f"{n}-gram"] = model.cross_entropy(valid, n)
    if path is not None and missing:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(cached))
            os.replace(temporary, path)  # whole or not at all, whoever writes at once
        except OSError:
            pass
    return {name: cached[name] for name in names}
