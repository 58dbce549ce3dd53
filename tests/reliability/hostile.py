"""Builders of hostile checkpoints: each starts from a real trained checkpoint and
changes one thing the way an attacker or a broken tool would.

Each builder writes a file and returns it. What the loader must say about it
is in ``test_hostile_checkpoints.py``.
"""

from __future__ import annotations

import copy
import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.reliability.helpers import header_of, npy_bytes, read_members, with_header, write_members


class CreatesFile:
    """Unpickling this object creates ``marker``: the stand-in for arbitrary code."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def pickled_object_array(marker: Path) -> bytes:
    """A ``.npy`` object array whose loading with allow_pickle=True creates ``marker``."""
    return npy_bytes(np.array([CreatesFile(marker), 1], dtype=object), allow_pickle=True)


Builder = Callable[[Path, Path, Path], Path]
"""(good checkpoint, where to write, marker path) -> the hostile file."""


def _edit(good: Path, dest: Path, change: Callable[[dict[str, bytes], dict[str, Any]], None]):
    members = read_members(good)
    header = copy.deepcopy(header_of(members))
    change(members, header)
    return write_members(dest, with_header(members, header) if header else members)


def pickle_instead_of_state(good: Path, dest: Path, marker: Path) -> Path:
    """The carried hidden state swapped for a pickle; the manifest still says float32."""

    def change(members, header):
        members["extra/state.0.h.npy"] = pickled_object_array(marker)

    return _edit(good, dest, change)


def pickle_declared_as_object(good: Path, dest: Path, marker: Path) -> Path:
    """... and the manifest rewritten to declare an object array, so the two agree."""

    def change(members, header):
        members["extra/state.0.h.npy"] = pickled_object_array(marker)
        header["arrays"]["extra/state.0.h"] = {"shape": [2], "dtype": "|O"}

    return _edit(good, dest, change)


def pickle_as_metadata(good: Path, dest: Path, marker: Path) -> Path:
    """The metadata member itself is a pickled object array."""
    members = read_members(good)
    members["meta.json.npy"] = pickled_object_array(marker)
    return write_members(dest, members)


def raw_pickle_member(good: Path, dest: Path, marker: Path) -> Path:
    """A member holding a bare pickle stream (no .npy header), listed as float32."""

    def change(members, header):
        members["extra/evil.npy"] = pickle.dumps(CreatesFile(marker))
        header["arrays"]["extra/evil"] = {"shape": [4], "dtype": "<f4"}

    return _edit(good, dest, change)


def pickled_weights(good: Path, dest: Path, marker: Path) -> Path:
    """The embedding matrix swapped for a pickle."""

    def change(members, header):
        members["param/embed.W.npy"] = pickled_object_array(marker)

    return _edit(good, dest, change)


def zip_bomb(good: Path, dest: Path, marker: Path, *, honest: bool, mib: int = 256) -> Path:
    """A deflated member that expands to ``mib`` MiB of zeros from a few hundred KB.

    ``honest``: the manifest declares the huge shape (so only a bound on the
    expansion stops it); otherwise it keeps the small shape and the zip
    directory's size gives the lie away.
    """
    members = read_members(good)
    header = header_of(members)
    count = mib * 1024**2 // 4
    victim = "extra/state.0.h"
    if honest:
        header["arrays"][victim] = {"shape": [count], "dtype": "<f4"}
        members = with_header(members, header)
    npy_header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    npy_header["shape"] = (count,)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            if name != victim + ".npy":
                zf.writestr(name, data)
        info = zipfile.ZipInfo(victim + ".npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            np.lib.format.write_array_header_1_0(out, npy_header)
            zeros = bytes(1024**2)
            for _ in range(mib):
                out.write(zeros)
    return dest


def bomb_with_lying_manifest(good: Path, dest: Path, marker: Path) -> Path:
    return zip_bomb(good, dest, marker, honest=False)


def bomb_with_honest_manifest(good: Path, dest: Path, marker: Path) -> Path:
    return zip_bomb(good, dest, marker, honest=True)


def weights_shape_disagrees_with_manifest(good: Path, dest: Path, marker: Path) -> Path:
    """An array one column wider than the manifest says."""

    def change(members, header):
        shape = header["arrays"]["param/embed.W"]["shape"]
        members["param/embed.W.npy"] = npy_bytes(np.zeros((shape[0], shape[1] + 1), np.float32))

    return _edit(good, dest, change)


def weights_shape_disagrees_with_model(good: Path, dest: Path, marker: Path) -> Path:
    """Array and manifest agree with each other, not with the model config."""

    def change(members, header):
        rows, cols = header["arrays"]["param/rnn0.Wh"]["shape"]
        members["param/rnn0.Wh.npy"] = npy_bytes(np.zeros((rows + 3, cols), np.float32))
        header["arrays"]["param/rnn0.Wh"]["shape"] = [rows + 3, cols]

    return _edit(good, dest, change)


def vocabulary_disagrees_with_model(good: Path, dest: Path, marker: Path) -> Path:
    def change(members, header):
        header["vocab"]["tokens"].append("\u263a")

    return _edit(good, dest, change)


def optimizer_state_shape_wrong(good: Path, dest: Path, marker: Path) -> Path:
    """Adam's first moment of the embedding with the wrong shape (manifest agrees)."""

    def change(members, header):
        members["optim/m.0.npy"] = npy_bytes(np.zeros((2, 2), np.float32))
        header["arrays"]["optim/m.0"] = {"shape": [2, 2], "dtype": "<f4"}

    return _edit(good, dest, change)


def _raw_metadata(good: Path, dest: Path, payload: bytes) -> Path:
    members = read_members(good)
    members["meta.json.npy"] = npy_bytes(np.frombuffer(payload, dtype=np.uint8))
    return write_members(dest, members)


def metadata_not_json(good: Path, dest: Path, marker: Path) -> Path:
    return _raw_metadata(good, dest, b'{"format": "rnnplay-checkpoint", "model": {oops')


def metadata_not_utf8(good: Path, dest: Path, marker: Path) -> Path:
    return _raw_metadata(good, dest, b'{"format": "\xff\xfe"}')


def metadata_json_list(good: Path, dest: Path, marker: Path) -> Path:
    return _raw_metadata(good, dest, json.dumps(["rnnplay-checkpoint", 1]).encode())


def metadata_as_float_array(good: Path, dest: Path, marker: Path) -> Path:
    members = read_members(good)
    members["meta.json.npy"] = npy_bytes(np.zeros(8, np.float64))
    return write_members(dest, members)


# -- training state that only a resume reads -------------------------------------------------
def _edit_meta(change: Callable[[dict[str, Any]], None]) -> Builder:
    def build(good: Path, dest: Path, marker: Path) -> Path:
        return _edit(good, dest, lambda members, header: change(header["meta"]))

    return build


def _state_shape(rows_delta: int, cols_delta: int, key: str) -> Builder:
    def build(good: Path, dest: Path, marker: Path) -> Path:
        def change(members, header):
            name = f"extra/state.0.{key}"
            rows, cols = header["arrays"][name]["shape"]
            shape = [rows + rows_delta, cols + cols_delta]
            members[name + ".npy"] = npy_bytes(np.zeros(shape, np.float32))
            header["arrays"][name]["shape"] = shape

        return _edit(good, dest, change)

    return build


TRAINING_STATE_TAMPERING: dict[str, Builder] = {
    "rng-state-garbage": _edit_meta(lambda m: m.update(rng={"bit_generator": "PCG64", "x": 1})),
    "step-not-a-number": _edit_meta(lambda m: m.update(step="many")),
    "batcher-negative-steps": _edit_meta(lambda m: m["batcher"].update(steps=-5)),
    "config-unknown-setting": _edit_meta(lambda m: m["config"].update(warp_drive=True)),
    "config-not-a-dict": _edit_meta(lambda m: m.update(config=[1, 2, 3])),
    "schedule-garbage": _edit_meta(lambda m: m.update(schedule="fast")),
    "state-layers-too-many": _edit_meta(lambda m: m.update(state_layers=3)),
    "hidden-state-wrong-width": _state_shape(0, 1, "h"),
    "hidden-state-wrong-batch": _state_shape(-1, 0, "h"),
    "cell-state-wrong-width": _state_shape(0, 2, "c"),
}
"""Checkpoints whose weights load but whose training state is damaged."""


REFUSED_EVERYWHERE: dict[str, tuple[Builder, str]] = {
    "pickle-instead-of-state": (pickle_instead_of_state, "not plain numbers"),
    "pickle-declared-as-object": (pickle_declared_as_object, "non-numeric"),
    "pickle-as-metadata": (pickle_as_metadata, "metadata"),
    "raw-pickle-member": (raw_pickle_member, "extra/evil"),
    "pickled-weights": (pickled_weights, "param/embed.W"),
    "zip-bomb-lying-manifest": (bomb_with_lying_manifest, "declares"),
    "zip-bomb-honest-manifest": (bomb_with_honest_manifest, "zip bomb"),
    "shape-disagrees-with-manifest": (weights_shape_disagrees_with_manifest, "metadata says"),
    "shape-disagrees-with-model": (weights_shape_disagrees_with_model, "model config"),
    "vocabulary-disagrees-with-model": (vocabulary_disagrees_with_model, "vocabulary"),
    "optimizer-state-wrong-shape": (optimizer_state_shape_wrong, "optimizer"),
    "metadata-not-json": (metadata_not_json, "not valid JSON"),
    "metadata-not-utf8": (metadata_not_utf8, "not valid JSON"),
    "metadata-json-list": (metadata_json_list, "not an rnnplay checkpoint"),
    "metadata-float-array": (metadata_as_float_array, "not a UTF-8 byte array"),
}
"""Hostile files every command must refuse, with a word its error line must contain."""
