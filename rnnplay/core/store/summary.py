"""A checkpoint's figures (kind, step, losses) read from its metadata alone.

Lists of checkpoints (the playground's open dialog, the front door comparing
a checkpoint with its folder's last.npz) need a few numbers from many files;
loading every array for them would read megabytes per file. :func:`read_summary`
reads only the metadata member, under the same bounds and schema as the full
loader (:func:`rnnplay.core.store.checkpoint.load_checkpoint`), so a file it
summarises is one whose header that loader accepts; the arrays are not checked
here, which the loader still does when the file is opened.
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnplay.core.store.checkpoint_reader import read_metadata
from rnnplay.errors import CheckpointError, one_line


@dataclass(frozen=True)
class CheckpointSummary:
    """What a list shows about one checkpoint; None where the file does not say."""

    path: Path
    kind: str | None
    step: int | None
    best_val_loss: float | None
    last_val_loss: float | None
    train_loss: float | None
    """The smoothed training loss when it was saved (absent in older checkpoints)."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def read_summary(path: str | os.PathLike[str]) -> CheckpointSummary:
    """The summary of the checkpoint at ``path``; CheckpointError (one line) when its
    metadata cannot be read or is not an rnnplay checkpoint's."""
    path = Path(path)
    where = f"checkpoint '{path}'"
    try:
        with zipfile.ZipFile(path) as zf:
            header = read_metadata(where, zf)
    except CheckpointError as error:
        raise CheckpointError(one_line(error)) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise CheckpointError(one_line(f"{where} cannot be read ({error})")) from None
    meta = header.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    step = meta.get("step")
    history = meta.get("history")
    evals = [
        r.get("loss") for r in (history if isinstance(history, list) else [])
        if isinstance(r, dict) and r.get("kind") == "eval"
    ]  # fmt: skip
    return CheckpointSummary(
        path=path,
        kind=meta.get("kind") if isinstance(meta.get("kind"), str) else None,
        step=step if isinstance(step, int) and not isinstance(step, bool) else None,
        best_val_loss=_number(meta.get("best_val_loss")),
        last_val_loss=_number(evals[-1]) if evals else None,
        train_loss=_number(meta.get("train_loss")),
    )
