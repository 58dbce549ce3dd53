"""safetensors files: written atomically, read only after the whole header was checked.

A safetensors file is an 8-byte little-endian header length, a JSON header
(each tensor's dtype, shape and byte range, and ``__metadata__``, a
string-to-string map), then the tensors' bytes back to back. It holds no
code, but a hostile one can still lie: a header length of terabytes, JSON
nested without end, byte ranges that overlap, leave holes or point past
the end, shapes whose size disagrees with their range, dtypes NumPy cannot
hold. :func:`read_tensors` checks all of that with the project's bounds
(:mod:`rnnplay.core.limits`) before one tensor byte is read, each refusal
a one-line :class:`CheckpointError`; only then does the safetensors
library read the tensors. rnnplay's weights are float32 or float64, so
those are the dtypes it reads.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnplay.core import limits
from rnnplay.core.store.checkpoint import write_atomically
from rnnplay.core.store.checkpoint_reader import MAX_LOAD_BYTES
from rnnplay.core.store.schema import SchemaError, parse_metadata, shown
from rnnplay.errors import CheckpointError, one_line

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
"""safetensors dtype names rnnplay reads and writes (little-endian, as the format is)."""
METADATA = "__metadata__"
MAX_NAME_CHARS = 1000
MAX_TENSORS = 4 * limits.MAX_LAYERS + 8


@dataclass
class TensorFile:
    """What :func:`read_tensors` returns: the arrays by name, and the metadata."""

    tensors: dict[str, np.ndarray]
    metadata: dict[str, str]


@dataclass(frozen=True)
class TensorInfo:
    """One tensor as the header describes it (checked)."""

    dtype: np.dtype
    shape: tuple[int, ...]
    begin: int
    end: int


def write_tensors(
    path: str | os.PathLike[str], tensors: dict[str, np.ndarray], metadata: dict[str, str]
) -> Path:
    """Write ``tensors`` (float32 / float64 arrays) and ``metadata`` to ``path`` atomically."""
    from safetensors.numpy import save

    path = Path(path)
    for name, array in tensors.items():
        if array.dtype not in DTYPES.values():
            raise CheckpointError(f"cannot write {name}: dtype {array.dtype} is not float32/64")
    data = save({name: np.ascontiguousarray(a) for name, a in tensors.items()}, metadata=metadata)
    write_atomically(path, lambda handle: handle.write(data), what="file")
    return path


def read_tensors(path: str | os.PathLike[str]) -> TensorFile:
    """The tensors and metadata of the safetensors file at ``path``, every part of its
    header checked first (CheckpointError, one line, otherwise)."""
    path = Path(path)
    where = f"'{path}'"
    try:
        return _read(where, path)
    except CheckpointError as exc:
        raise CheckpointError(one_line(exc)) from None
    except PermissionError:
        raise CheckpointError(f"{where} cannot be read (permission denied)") from None
    except OSError as exc:
        raise CheckpointError(f"{where} cannot be read ({exc.strerror or exc})") from None


def _read(where: str, path: Path) -> TensorFile:
    if not path.exists():
        raise CheckpointError(f"{where} does not exist")
    if not path.is_file():
        raise CheckpointError(f"{where} is not a regular file")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise CheckpointError(f"{where} is not a safetensors file (shorter than 8 bytes)")
        length = int.from_bytes(prefix, "little")
        if length > limits.MAX_TENSOR_HEADER_BYTES:
            raise CheckpointError(
                f"{where}: its header declares {length} bytes "
                f"(limit {limits.MAX_TENSOR_HEADER_BYTES}); not a file rnnplay reads"
            )
        if length > size - 8:
            raise CheckpointError(
                f"{where}: its header declares {length} bytes but the file has only {size - 8} "
                f"after the length (truncated, or not a safetensors file)"
            )
        raw = handle.read(length)
    try:
        header = parse_metadata(raw.rstrip(b" "))
    except SchemaError as exc:
        raise CheckpointError(f"{where} is not a safetensors file: its header {exc}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{where} is not a safetensors file: its header is not an object")
    metadata = _metadata(where, header.pop(METADATA, {}))
    infos = _tensor_infos(where, header, data_bytes=size - 8 - length)
    tensors = _load(where, path, infos)
    return TensorFile(tensors=tensors, metadata=metadata)


def _metadata(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise CheckpointError(f"{where}: its {METADATA} is not an object")
    if len(value) > limits.MAX_LIST_ITEMS:
        raise CheckpointError(f"{where}: its {METADATA} has {len(value)} entries")
    for key, item in value.items():
        if not isinstance(item, str):
            raise CheckpointError(
                f"{where}: metadata {shown(key, 40)} is {shown(item)}, not text "
                f"(safetensors metadata maps text to text)"
            )
    return value


def _tensor_infos(where: str, header: dict[str, Any], data_bytes: int) -> dict[str, TensorInfo]:
    if len(header) > MAX_TENSORS:
        raise CheckpointError(f"{where} lists {len(header)} tensors (limit {MAX_TENSORS})")
    infos: dict[str, TensorInfo] = {}
    for name, entry in header.items():
        label = shown(name, 60)
        if len(name) > MAX_NAME_CHARS:
            raise CheckpointError(f"{where}: a tensor name is {len(name)} characters long")
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(
                f"{where}: tensor {label} is not described by dtype, shape and data_offsets"
            )
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in DTYPES:
            raise CheckpointError(
                f"{where}: tensor {label} is {shown(dtype, 20)}; rnnplay reads F32 and F64 "
                f"(in PyTorch, save model.float() or model.double())"
            )
        if not _counts(shape, limits.MAX_NDIM) or not _counts(offsets, 2) or len(offsets) != 2:
            raise CheckpointError(f"{where}: tensor {label} has an invalid shape or data_offsets")
        begin, end = offsets
        nbytes = math.prod(shape) * DTYPES[dtype].itemsize
        if end - begin != nbytes:
            raise CheckpointError(
                f"{where}: tensor {label} is {tuple(shape)} {dtype} ({nbytes} bytes) but its "
                f"data_offsets span {end - begin} bytes"
            )
        infos[name] = TensorInfo(DTYPES[dtype], tuple(shape), begin, end)
    position = 0
    for name, info in sorted(infos.items(), key=lambda item: (item[1].begin, item[1].end)):
        if info.begin != position:
            problem = "overlaps another" if info.begin < position else "leaves a gap before it"
            raise CheckpointError(f"{where}: tensor {shown(name, 60)} {problem} (data_offsets)")
        position = info.end
    if position != data_bytes:
        raise CheckpointError(
            f"{where}: its tensors span {position} bytes but the file holds {data_bytes} after "
            f"the header (truncated, or bytes the header does not account for)"
        )
    if position > MAX_LOAD_BYTES:
        raise CheckpointError(
            f"{where} would need {position / 1024**3:.1f} GiB (limit "
            f"{MAX_LOAD_BYTES / 1024**3:.0f} GiB)"
        )
    return infos


def _counts(value: Any, most: int) -> bool:
    """Whether ``value`` is a list of at most ``most`` whole numbers in [0, MAX_COUNT]."""
    return (
        isinstance(value, list)
        and len(value) <= most
        and all(type(n) is int and 0 <= n <= limits.MAX_COUNT * 1024 for n in value)
    )


def _load(where: str, path: Path, infos: dict[str, TensorInfo]) -> dict[str, np.ndarray]:
    """The tensors, read by the safetensors library once the header passed."""
    from safetensors import SafetensorError, safe_open

    tensors: dict[str, np.ndarray] = {}
    try:
        with safe_open(str(path), framework="numpy") as handle:
            for name, info in infos.items():
                array = handle.get_tensor(name)
                if array.dtype != info.dtype or array.shape != info.shape:
                    raise CheckpointError(f"{where}: tensor {shown(name, 60)} reads differently")
                tensors[name] = array
    except SafetensorError as exc:
        raise CheckpointError(f"{where} is not a valid safetensors file ({exc})") from None
    return tensors


def dump_json(value: Any) -> str:
    """``value`` as compact JSON text for a metadata entry."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
