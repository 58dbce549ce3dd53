"""What ``rnnplay eval`` scores, and its progress line on a terminal.

A learner reads ``rnnplay eval CHECKPOINT`` as "how well does it generalise",
so without ``--corpus`` it scores the checkpoint's own validation split (the
text its validation loss was measured on: the ``--valid`` file, or the last
``val_fraction`` of the corpus), and the output says which split it was.
With ``--corpus`` it scores that whole text unless ``--split`` says otherwise.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from rnnplay.errors import UsageError

SPLITS = ("valid", "train", "all")
PROGRESS_EVERY_S = 0.2


@dataclass(frozen=True)
class EvalText:
    """The tokens to score and how the output names them."""

    tokens: list[str]
    split: str
    described: str
    """``sonnets, validation split (last 10%)``."""


def default_split(corpus_given: bool) -> str:
    """The checkpoint's validation split, unless a corpus was named (then all of it)."""
    return "all" if corpus_given else "valid"


def eval_text(corpus: str, split: str, level: str, saved: dict[str, Any] | None) -> EvalText:
    """The tokens of ``split`` of ``corpus`` as the checkpoint's training split them
    (``saved``: its stored config; its ``valid`` file is the validation split)."""
    from rnnplay.core.data.corpus import read_text, validation_cut
    from rnnplay.core.data.vocab import tokenize

    saved = saved or {}
    valid_file = saved.get("valid") if split == "valid" else None
    if isinstance(valid_file, str) and valid_file and corpus == saved.get("corpus"):
        tokens = tokenize(read_text(valid_file), level)
        return EvalText(tokens, split, f"{corpus}, validation split ({valid_file})")
    tokens = tokenize(read_text(corpus), level)
    if split == "all":
        return EvalText(tokens, split, f"{corpus}, the whole text")
    fraction = saved.get("val_fraction", 0.1)
    if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise UsageError("the checkpoint's validation fraction is unreadable: give --split all")
    cut = validation_cut(len(tokens), float(fraction))
    if split == "valid":
        return EvalText(tokens[cut:], split, f"{corpus}, validation split (last {fraction:.0%})")
    return EvalText(tokens[:cut], split, f"{corpus}, training split (first {1 - fraction:.0%})")


class EvalProgress:
    """``rnnplay eval: 45% of 27,000 tokens`` on stderr, rewritten in place, only
    when stderr is a terminal (a log or a pipe gets nothing)."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.shown = False
        self._last = 0.0
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError, OSError):
            self.enabled = False

    def __call__(self, tokens: int) -> None:
        self.done += tokens
        now = time.monotonic()
        if not self.enabled or now - self._last < PROGRESS_EVERY_S:
            return
        self._last = now
        percent = min(100, round(100 * self.done / self.total))
        self._write(f"\rrnnplay eval: {percent}% of {self.total:,} tokens")

    def close(self) -> None:
        """Clear the progress line (the result goes to stdout)."""
        if self.shown:
            self._write("\r\x1b[2K")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
            self.shown = True
        except (OSError, ValueError):
            self.enabled = False
