"""The ``.npy`` members of a checkpoint's zip archive, read without trust.

Headers are read before data; a member's dtype must be plain numbers (so no
pickled object array is ever unpickled) and its byte count must match its header
exactly. Each refusal is a :class:`~rnnplay.errors.CheckpointError` in one line.
"""

from __future__ import annotations

import math
import zipfile

import numpy as np

from rnnplay.errors import CheckpointError

NUMBER_KINDS = "biuf"
"""dtype kinds a member may hold: booleans, signed and unsigned integers, floats."""


def read_npy_header(where: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple:
    """(shape, fortran_order, dtype, header_bytes) of a ``.npy`` member, data unread."""
    fmt = np.lib.format
    with zf.open(info) as stream:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise CheckpointError(
                f"{where}: member {info.filename} has an unsupported .npy version"
            )
        return shape, fortran, dtype, stream.tell()


def read_member(
    where: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple, dtype: str
) -> np.ndarray:
    """Read one member whose header matched the manifest (exactly that many bytes)."""
    name = info.filename[: -len(".npy")]
    try:
        got_shape, _fortran, got_dtype, header_bytes = read_npy_header(where, zf, info)
    except (ValueError, EOFError) as exc:
        raise CheckpointError(f"{where}: member {name} has a damaged header ({exc})") from None
    got_dtype = np.dtype(got_dtype)
    if got_dtype.hasobject or got_dtype.kind not in NUMBER_KINDS:
        raise CheckpointError(
            f"{where}: member {name} holds {got_dtype} data, not plain numbers "
            f"(refused: loading it would run pickled code)"
        )
    if tuple(got_shape) != tuple(shape) or got_dtype.str != dtype:
        raise CheckpointError(
            f"{where}: member {name} is {tuple(got_shape)} {got_dtype.str} but the metadata "
            f"says {tuple(shape)} {dtype}"
        )
    nbytes = math.prod(shape) * got_dtype.itemsize
    if info.file_size != header_bytes + nbytes:
        raise CheckpointError(
            f"{where}: member {name} declares {info.file_size} bytes, its header implies "
            f"{header_bytes + nbytes}"
        )
    with zf.open(info) as stream:
        array = np.lib.format.read_array(stream, allow_pickle=False)
    return array


def zip_members(where: str, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by name (``.npy`` dropped); CheckpointError for anything
    but plain or deflated ``.npy`` members, each once."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy"):
            raise CheckpointError(
                f"{where} is not an rnnplay checkpoint (member {info.filename!r})"
            )
        if info.flag_bits & 0x1:
            raise CheckpointError(f"{where}: member {info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise CheckpointError(
                f"{where}: member {info.filename} uses an unsupported compression"
            )
        name = info.filename[: -len(".npy")]
        if name in infos:
            raise CheckpointError(f"{where}: member {info.filename} appears twice")
        infos[name] = info
    return infos
