"""Checkpoints: one ``.npz`` file per saved model, written atomically, read without pickle.

Layout of the zip archive (every member a ``.npy`` array, stored uncompressed):

- ``param/<name>``: the model's parameters, by ``RNNLM.param_names``
  (a tied output matrix is the embedding and is stored once);
- ``optim/<key>``: the optimizer's ``state_dict()``;
- ``extra/<key>``: arrays the caller adds (the trainer's carried hidden state);
- ``meta.json``: UTF-8 JSON as a uint8 array, holding the format name and
  version, the rnnplay version, the model config, the vocabulary, the
  optimizer's name and hyperparameters, the caller's ``meta`` dict, and a
  manifest of every other member's shape and dtype.

Writing goes to a temporary file in the target's folder, is flushed and
fsync'ed, then moved over the target with ``os.replace``: a reader sees
the old checkpoint or the new one, never half of one, and a failed write
(a full disk) removes the temporary file and leaves the old one intact.

Reading trusts nothing (:mod:`rnnplay.core.store.checkpoint_reader`: the zip
directory, every ``.npy`` header and the manifest are checked before any array is
read, and pickle is never enabled); this module re-exports :func:`load_checkpoint`
and :class:`Checkpoint`, so callers import both directions from here.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import rnnplay
from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.checkpoint_reader import (
    FORMAT,
    FORMAT_VERSION,
    META_MEMBER,
    NUMBER_KINDS,
    Checkpoint,
    check_finite,
    load_checkpoint,
)
from rnnplay.core.store.manifest import check_header, represent_header
from rnnplay.core.store.schema import SchemaError, dump_metadata
from rnnplay.core.train.optim import OPTIMIZERS, Optimizer
from rnnplay.errors import CheckpointError, one_line

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Checkpoint",
    "CheckpointError",
    "load_checkpoint",
    "save_checkpoint",
]


# -- saving ----------------------------------------------------------------------------
def _optimizer_name(optimizer: Optimizer) -> str:
    for name, cls in OPTIMIZERS.items():
        if type(optimizer) is cls:
            return name
    raise CheckpointError(
        f"cannot save a {type(optimizer).__name__} optimizer: it is not one of {sorted(OPTIMIZERS)}"
    )


def _hyperparameters(optimizer: Optimizer) -> dict[str, float]:
    """The constructor arguments of ``optimizer``, read back from its attributes."""
    params = inspect.signature(type(optimizer).__init__).parameters
    return {name: float(getattr(optimizer, name)) for name in params if name != "self"}


def _check_array(label: str, value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in NUMBER_KINDS:
        raise CheckpointError(
            f"cannot save {label}: dtype {array.dtype} is not a plain number type"
        )
    return array


def _file_mode() -> int:
    """Permissions for a new checkpoint: 0o666 less the umask (mkstemp makes 0o600)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: RNNLM,
    vocab: Vocabulary,
    optimizer: Optimizer | None = None,
    meta: dict[str, Any] | None = None,
    arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write ``model`` (and the rest) to ``path`` atomically; returns the path.

    Raises :class:`CheckpointError` when the inputs cannot be saved (a meta
    that is not JSON, an object array, a vocabulary of the wrong size) or
    the file cannot be written; in the latter case any previous file at
    ``path`` is left exactly as it was.
    """
    path = Path(path)
    if len(vocab) != model.config.vocab_size:
        raise CheckpointError(
            f"cannot save: the vocabulary has {len(vocab)} tokens but the model "
            f"expects {model.config.vocab_size}"
        )
    members: dict[str, np.ndarray] = {}
    for name, param in zip(model.param_names, model.params, strict=True):
        members[f"param/{name}"] = param
    optim_info = None
    if optimizer is not None:
        optim_info = {"name": _optimizer_name(optimizer), "hyper": _hyperparameters(optimizer)}
        for key, value in optimizer.state_dict().items():
            members[f"optim/{key}"] = _check_array(f"optimizer state {key!r}", value)
    for key, value in (arrays or {}).items():
        if not isinstance(key, str) or not key:
            raise CheckpointError(
                f"cannot save: extra array names must be non-empty text, got {key!r}"
            )
        members[f"extra/{key}"] = _check_array(f"extra array {key!r}", value)
    if meta is not None and not isinstance(meta, dict):
        raise CheckpointError(f"cannot save: meta must be a dict, got {type(meta).__name__}")
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "rnnplay_version": rnnplay.__version__,
        "model": model.config.to_json(),
        "vocab": vocab.to_json(),
        "optimizer": optim_info,
        "meta": meta if meta is not None else {},
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in members.items()
        },
    }
    try:
        # Figures training derived are stored as the schema represents them, so no
        # value a run reaches can make its own writer refuse (and lose the run).
        data = dump_metadata(represent_header(header))
        # What we write we can read: the reader's schema, checked on the JSON round trip.
        check_header(json.loads(data))
    except SchemaError as exc:
        message = f"cannot save checkpoint '{path}': metadata {exc}"
        raise CheckpointError(one_line(message)) from None
    check_finite("cannot save checkpoint", path, members)
    members[META_MEMBER] = np.frombuffer(data, dtype=np.uint8)
    _write_atomically(path, members)
    return path


def _write_atomically(path: Path, members: dict[str, np.ndarray]) -> None:
    write_atomically(path, lambda handle: np.savez(handle, **members))


def write_atomically(
    path: Path, write: Callable[[BinaryIO], object], what: str = "checkpoint"
) -> None:
    """Run ``write(handle)`` on a temporary file beside ``path``, fsync it and move it
    over ``path``: a reader sees the old file or the new one, never half of one, and
    a failed write leaves the old one (or nothing) and no temporary file.
    CheckpointError (``what`` names the file's kind) when it cannot be written."""
    if path.is_dir():
        raise CheckpointError(f"cannot save {what}: '{path}' is a directory")
    folder = path.parent
    if not folder.is_dir():
        raise CheckpointError(f"cannot save {what}: folder '{folder}' does not exist")
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else _file_mode()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CheckpointError(f"cannot save {what} '{path}': {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            kept = f"the previous {what} is intact" if path.exists() else "nothing was written"
            raise CheckpointError(
                f"could not write {what} '{path}' ({exc.strerror or exc}); {kept}"
            ) from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
