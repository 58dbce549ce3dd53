"""Editing the members of a checkpoint .npz by hand, to build corrupt and hostile files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np


def npy_bytes(array: Any, allow_pickle: bool = False) -> bytes:
    """One array as the bytes of a .npy member."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_members(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def header_of(members: dict[str, bytes]) -> dict[str, Any]:
    """The checkpoint's JSON metadata."""
    raw = np.load(io.BytesIO(members["meta.json.npy"]), allow_pickle=False)
    return json.loads(raw.tobytes().decode("utf-8"))


def with_header(members: dict[str, bytes], header: dict[str, Any]) -> dict[str, bytes]:
    """A copy of ``members`` whose JSON metadata is ``header``."""
    text = json.dumps(header).encode("utf-8")
    return {**members, "meta.json.npy": npy_bytes(np.frombuffer(text, dtype=np.uint8))}
