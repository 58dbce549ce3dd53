"""Reading a checkpoint: the zip archive checked before any array is read.

Reading trusts nothing. Before any array is read, the zip directory and
every ``.npy`` header are checked against the manifest, and the manifest
against the model config: sizes are bounded by what the config implies, so
a bomb-like member is refused before memory is spent; dtypes must be plain
numbers, so a pickled object array is refused before anything unpickles
(the loader never enables pickle). Each refusal is a :class:`CheckpointError`
with a one-line message. The layout and the writer are in
:mod:`rnnplay.core.store.checkpoint`, which re-exports :func:`load_checkpoint`.
"""

from __future__ import annotations

import inspect
import math
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.limits import MAX_META_BYTES
from rnnplay.core.nn.config import upgrade_names
from rnnplay.core.nn.model import CELLS, RNNLM
from rnnplay.core.store.manifest import check_header, checkpoint_error
from rnnplay.core.store.npz_members import NUMBER_KINDS, read_member, read_npy_header, zip_members
from rnnplay.core.store.schema import SchemaError, parse_metadata
from rnnplay.core.train.optim import OPTIMIZERS, Optimizer
from rnnplay.errors import CheckpointError, one_line

FORMAT = "rnnplay-checkpoint"
FORMAT_VERSION = 1

META_MEMBER = "meta.json"
MAX_LOAD_BYTES = 8 * 1024**3
"""A checkpoint whose arrays add up to more than this is refused unread."""
MAX_EXPANSION = 16
"""Arrays may add up to at most this many times the file's size on disk (plus
``EXPANSION_FLOOR``): rnnplay stores members uncompressed, so only a zip bomb
(a small file of highly compressed members) comes near it."""
EXPANSION_FLOOR = 16 * 1024**2
_HEADER_SLACK = 65536 + 16
"""Room for a ``.npy`` header (format 1.0 headers are at most 64 KiB)."""


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns.

    ``meta`` is the dict given to :func:`save_checkpoint` (JSON round trip:
    tuples come back as lists), ``arrays`` its extra arrays.
    """

    model: RNNLM
    vocab: Vocabulary
    optimizer: Optimizer | None
    meta: dict[str, Any]
    arrays: dict[str, np.ndarray]
    rnnplay_version: str = ""
    format_version: int = FORMAT_VERSION
    path: Path | None = field(default=None, compare=False)


def check_finite(what: str, path: Path, members: dict[str, np.ndarray]) -> None:
    """Refuse arrays holding NaN or inf (min and max propagate NaN: no temporary array)."""
    for name, array in members.items():
        if (
            array.dtype.kind == "f"
            and array.size
            and not (np.isfinite(array.min()) and np.isfinite(array.max()))
        ):
            raise CheckpointError(
                one_line(
                    f"{what} '{path}': {name} holds non-finite values (NaN or inf); "
                    f"the model diverged, so these weights cannot be used"
                )
            )


# -- checks, member by member --------------------------------------------------------
def _param_shapes(config: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter of an RNNLM with ``config``, without building it."""
    V, D, H = config["vocab_size"], config["embed"], config["hidden"]
    cell = CELLS[config["cell"]]
    shapes: dict[str, tuple[int, ...]] = {"embed.W": (V, D)}
    in_size = D
    for k in range(config["layers"]):
        for name, shape in cell.param_shapes(in_size, H).items():
            shapes[f"rnn{k}.{name}"] = shape
        in_size = H
    if not config["tie"]:
        shapes["affine.W"] = (H, V)
    shapes["affine.b"] = (V,)
    return shapes


def _check_config(where: str, config: Any) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise CheckpointError(f"{where}: the model config is missing or not a dict")
    config = upgrade_names(config)  # checkpoints written before ModelConfig still load
    for key in ("vocab_size", "embed", "hidden", "layers"):
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CheckpointError(f"{where}: the model config has an invalid {key} ({value!r})")
    if config.get("cell") not in CELLS:
        raise CheckpointError(
            f"{where}: the model config has an unknown cell {config.get('cell')!r}"
        )
    if not isinstance(config.get("tie"), bool):
        raise CheckpointError(f"{where}: the model config has an invalid tie")
    if config.get("dtype") not in ("float32", "float64"):
        raise CheckpointError(
            f"{where}: the model config has an invalid dtype {config.get('dtype')!r}"
        )
    return config


def _load_json(where: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Any]:
    if info.file_size > MAX_META_BYTES:
        raise CheckpointError(
            f"{where}: its metadata declares {info.file_size} bytes (limit {MAX_META_BYTES})"
        )
    shape, _fortran, dtype, _ = read_npy_header(where, zf, info)
    dtype = np.dtype(dtype)
    if dtype != np.uint8 or len(shape) != 1:
        raise CheckpointError(f"{where}: its metadata is not a UTF-8 byte array")
    raw = read_member(where, zf, info, shape, dtype.str)
    try:
        header = parse_metadata(raw.tobytes())
    except SchemaError as exc:
        raise checkpoint_error(where, exc) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{where} is not an rnnplay checkpoint (unknown metadata)")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{where}: its format version {version!r} is invalid")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{where} was made by a newer rnnplay (format {version}; this version reads up "
            f"to {FORMAT_VERSION}): upgrade rnnplay to load it"
        )
    try:
        check_header(header)
    except SchemaError as exc:
        raise checkpoint_error(where, exc) from None
    return header


def _check_manifest(
    where: str,
    header: dict[str, Any],
    infos: dict[str, zipfile.ZipInfo],
    archive_bytes: int | None = None,
) -> dict[str, tuple[tuple[int, ...], str]]:
    """Validate the manifest against the zip directory and the model config
    (and, given the file's size on disk, bound how far its members expand)."""
    config = _check_config(where, header.get("model"))
    manifest = header.get("arrays")
    if not isinstance(manifest, dict):
        raise CheckpointError(f"{where}: its metadata lacks the array manifest")
    expected: dict[str, tuple[tuple[int, ...], str]] = {}
    for name, entry in manifest.items():
        try:
            shape = tuple(entry["shape"])
            dtype = np.dtype(entry["dtype"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{where}: the manifest entry for {name!r} is invalid") from None
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise CheckpointError(f"{where}: the manifest gives {name!r} an invalid shape")
        if dtype.kind not in NUMBER_KINDS:
            raise CheckpointError(f"{where}: the manifest gives {name!r} a non-numeric dtype")
        expected[name] = (shape, dtype.str)
    members = {n for n in infos if n != META_MEMBER}
    if members != set(expected):
        extra = sorted(members - set(expected))
        missing = sorted(set(expected) - members)
        what = f"unlisted members {extra[:5]}" if extra else f"missing members {missing[:5]}"
        raise CheckpointError(f"{where} does not match its manifest: {what}")
    params = _param_shapes(config)
    dtype = np.dtype(config["dtype"]).str
    listed = {n[len("param/") :] for n in expected if n.startswith("param/")}
    if listed != set(params):
        raise CheckpointError(
            f"{where}: its parameters {sorted(listed)} do not fit the model config "
            f"(expected {sorted(params)})"
        )
    for pname, pshape in params.items():
        shape, got = expected[f"param/{pname}"]
        if shape != pshape or got != dtype:
            raise CheckpointError(
                f"{where}: parameter {pname} is {shape} {got} but the model config needs "
                f"{pshape} {dtype}"
            )
    for name in expected:
        if not name.startswith(("param/", "optim/", "extra/")):
            raise CheckpointError(f"{where}: unexpected member {name!r}")
    total = 0
    for name, (shape, dt) in expected.items():
        nbytes = math.prod(shape) * np.dtype(dt).itemsize
        declared = infos[name].file_size
        if declared > nbytes + _HEADER_SLACK or declared < nbytes:
            raise CheckpointError(
                f"{where}: member {name} declares {declared} bytes but should hold {nbytes}"
            )
        total += declared
    if total > MAX_LOAD_BYTES:
        raise CheckpointError(
            f"{where} would need {total / 1024**3:.1f} GiB (limit "
            f"{MAX_LOAD_BYTES / 1024**3:.0f} GiB)"
        )
    if archive_bytes is not None and total > MAX_EXPANSION * archive_bytes + EXPANSION_FLOOR:
        raise CheckpointError(
            f"{where} would expand from {archive_bytes} bytes on disk to {total} bytes of "
            f"arrays (more than {MAX_EXPANSION} times its size): refused as a zip bomb"
        )
    return expected


def _members(where: str, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zip_members(where, zf)
    if META_MEMBER not in infos:
        raise CheckpointError(f"{where} is not an rnnplay checkpoint (no {META_MEMBER})")
    return infos


def _build_optimizer(where: str, info: Any, state: dict[str, np.ndarray], model: RNNLM):
    if not isinstance(info, dict) or info.get("name") not in OPTIMIZERS:
        raise CheckpointError(f"{where}: its optimizer entry is invalid")
    cls = OPTIMIZERS[info["name"]]
    hyper = info.get("hyper")
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    if (
        not isinstance(hyper, dict)
        or not set(hyper) <= accepted
        or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in hyper.values()
        )
    ):
        raise CheckpointError(f"{where}: its {info['name']} hyperparameters are invalid")
    try:
        optimizer = cls(**hyper)
        optimizer.load_state_dict(state, model.params)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{where}: its optimizer state does not fit the model ({exc})"
        ) from None
    return optimizer


def read_metadata(where: str, zf: zipfile.ZipFile) -> dict[str, Any]:
    """The metadata (``meta.json``) of an open checkpoint archive, checked as
    :func:`load_checkpoint` checks it (the zip directory, the size limit, the
    format and its version, the schema), without reading any array: for a
    listing that shows a checkpoint's step and losses. CheckpointError otherwise."""
    infos = _members(where, zf)
    return _load_json(where, zf, infos[META_MEMBER])


FOLDER_FILES = (("checkpoint.npz", "best validation"), ("last.npz", "latest"))
"""A run folder's checkpoints, named in the advice for a folder given as a checkpoint."""


def _folder_advice(where: str, path: Path) -> str:
    """What to pass instead of a folder: its checkpoints, by name and what they hold."""
    found = [f"{path / name} ({what})" for name, what in FOLDER_FILES if (path / name).is_file()]
    if not found:
        others = sorted(path.glob("*.npz")) + sorted(path.glob("saves/*.npz"))
        found = [str(p) for p in others[:3]]
    if not found:
        return f"{where} is a folder and holds no checkpoint (.npz) file"
    return f"{where} is a folder, not a file: pass " + " or ".join(found)


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read and validate the checkpoint at ``path`` (never unpickles anything)."""
    path = Path(path)
    where = f"checkpoint '{path}'"
    if not path.exists():
        raise CheckpointError(f"{where} does not exist")
    if path.is_dir():
        raise CheckpointError(_folder_advice(where, path))
    if not path.is_file():
        raise CheckpointError(f"{where} is not a regular file")
    try:
        with zipfile.ZipFile(path) as zf:
            return _load(where, path, zf)
    except CheckpointError as exc:
        # Names and values from the file reach the terminal escaped, never raw.
        raise CheckpointError(one_line(exc)) from None
    except zipfile.BadZipFile as exc:
        raise CheckpointError(
            f"{where} is corrupt or truncated, or not an rnnplay checkpoint ({exc})"
        ) from None
    except PermissionError:
        raise CheckpointError(f"{where} cannot be read (permission denied)") from None
    except (OSError, EOFError, ValueError) as exc:
        raise CheckpointError(f"{where} is corrupt or truncated ({exc})") from None


def _load(where: str, path: Path, zf: zipfile.ZipFile) -> Checkpoint:
    infos = _members(where, zf)
    header = _load_json(where, zf, infos[META_MEMBER])
    expected = _check_manifest(where, header, infos, archive_bytes=path.stat().st_size)
    try:
        vocab = Vocabulary.from_json(header.get("vocab"))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{where}: its vocabulary is invalid ({exc})") from None
    config = upgrade_names(header["model"])
    if len(vocab) != config["vocab_size"]:
        raise CheckpointError(
            f"{where}: its vocabulary has {len(vocab)} tokens but the model expects "
            f"{config['vocab_size']}"
        )
    user_meta = header.get("meta")
    if not isinstance(user_meta, dict):
        raise CheckpointError(f"{where}: its meta entry is not a dict")
    optim_info = header.get("optimizer")
    has_optim = any(n.startswith("optim/") for n in expected)
    if (optim_info is None) == has_optim:
        raise CheckpointError(f"{where}: its optimizer entry and optimizer arrays disagree")

    loaded: dict[str, np.ndarray] = {}
    for name, (shape, dtype) in expected.items():
        loaded[name] = read_member(where, zf, infos[name], shape, dtype)
    check_finite("checkpoint", path, loaded)

    try:
        model = RNNLM(**config)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{where}: its model config is invalid ({exc})") from None
    for pname, param in zip(model.param_names, model.params, strict=True):
        param[...] = loaded[f"param/{pname}"]
    optimizer = None
    if optim_info is not None:
        state = {n[len("optim/") :]: a for n, a in loaded.items() if n.startswith("optim/")}
        optimizer = _build_optimizer(where, optim_info, state, model)
    extras = {n[len("extra/") :]: a for n, a in loaded.items() if n.startswith("extra/")}
    version = header.get("rnnplay_version")
    return Checkpoint(
        model=model,
        vocab=vocab,
        optimizer=optimizer,
        meta=user_meta,
        arrays=extras,
        rnnplay_version=version if isinstance(version, str) else "",
        format_version=header["format_version"],
        path=path,
    )
