"""Checkpoints: exact round trips, atomic writes, and refusal of every bad or hostile file."""

from __future__ import annotations

import errno
import os
import tempfile
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store import checkpoint_reader as ckpt
from rnnplay.core.store.checkpoint import (
    FORMAT_VERSION,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from rnnplay.core.train.optim import OPTIMIZERS, Adam, Momentum
from tests.npz_members import header_of, npy_bytes, read_members, with_header, write_members

TEXT = "to be or not to be\nthat is the question\n"


# -- helpers -----------------------------------------------------------------------------
def trained(model: RNNLM, optimizer, steps: int = 2, seed: int = 0) -> None:
    """A few real updates, so weights and optimizer state are not at their initial values."""
    rng = np.random.default_rng(seed)
    V = model.config.vocab_size
    for _ in range(steps):
        xs = rng.integers(0, V, size=(2, 5))
        model.reset_state()  # the carried state is the trainer's to save (as an extra array)
        model.forward(xs, np.roll(xs, -1, axis=1))
        model.backward()
        optimizer.update(model.params, model.grads)


def small_setup(tmp_path: Path, **model_kwargs: Any):
    vocab = Vocabulary.build(TEXT, "char")
    model = RNNLM(len(vocab), 6, 6, seed=1, **model_kwargs)
    optimizer = Adam(0.01)
    trained(model, optimizer)
    path = save_checkpoint(
        tmp_path / "model.npz",
        model=model,
        vocab=vocab,
        optimizer=optimizer,
        meta={"step": 2, "note": "ok"},
        arrays={"state.0.h": np.ones((2, 6), np.float32)},
    )
    return path, model, vocab, optimizer


def set_header(members: dict[str, bytes], header: dict[str, Any]) -> None:
    members.update(with_header(members, header))


def refused(path: Path, match: str) -> str:
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert "\n" not in message
    return message


class MakesMarker:
    """Unpickling this object creates a file: what a malicious checkpoint would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


# -- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("tie", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_the_identity(tmp_path: Path, cell: str, tie: bool, dtype: str) -> None:
    vocab = Vocabulary.build(TEXT, "char")
    model = RNNLM(len(vocab), 8, 8, cell=cell, layers=2, tie=tie, seed=2, dtype=dtype)
    optimizer = Momentum(0.05, momentum=0.8)
    trained(model, optimizer, steps=3)
    meta = {"config": {"lr": 0.05, "name": "x"}, "step": 3, "metrics": [1.5, None], "e": 0.25}
    extra = {
        "state.0.h": np.arange(16, dtype=dtype).reshape(2, 8),
        "ids": np.array([3, 1, 2], dtype=np.int32),
        "flag": np.array(True),
        "scalar": np.array(7.5),
    }
    path = save_checkpoint(
        tmp_path / "c.npz", model=model, vocab=vocab, optimizer=optimizer, meta=meta, arrays=extra
    )
    loaded = load_checkpoint(path)

    assert loaded.model.config == model.config
    assert loaded.model.param_names == model.param_names
    for mine, theirs in zip(loaded.model.params, model.params, strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)
    assert loaded.vocab == vocab
    assert loaded.meta == meta
    assert set(loaded.arrays) == set(extra)
    for key, value in extra.items():
        assert loaded.arrays[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded.arrays[key], value)
    assert type(loaded.optimizer) is Momentum
    assert loaded.optimizer.momentum == 0.8
    saved_state, got_state = optimizer.state_dict(), loaded.optimizer.state_dict()
    assert set(saved_state) == set(got_state)
    for key in saved_state:
        np.testing.assert_array_equal(got_state[key], saved_state[key])
    assert loaded.format_version == FORMAT_VERSION
    xs = np.array([[1, 2, 3, 4]])
    model.reset_state()
    np.testing.assert_array_equal(loaded.model.predict(xs), model.predict(xs))
    if tie:  # the output matrix is still the embedding, not a copy of it
        assert np.shares_memory(loaded.model.output.params[0], loaded.model.params[0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_continues_bit_for_bit_after_loading(tmp_path: Path, name: str) -> None:
    vocab = Vocabulary.build(TEXT, "word")
    model = RNNLM(len(vocab), 6, 6, cell="lstm", seed=3)
    optimizer = OPTIMIZERS[name](lr=0.02)
    trained(model, optimizer, steps=3, seed=1)
    loaded = load_checkpoint(
        save_checkpoint(tmp_path / "c.npz", model=model, vocab=vocab, optimizer=optimizer)
    )
    assert loaded.vocab == vocab
    assert loaded.meta == {}
    assert loaded.arrays == {}
    assert vars(loaded.optimizer).keys() >= {"lr", "t"}
    assert loaded.optimizer.t == optimizer.t
    trained(model, optimizer, steps=2, seed=9)
    trained(loaded.model, loaded.optimizer, steps=2, seed=9)
    for mine, theirs in zip(loaded.model.params, model.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_without_optimizer_loads_none(tmp_path: Path) -> None:
    vocab = Vocabulary.build(TEXT, "char")
    model = RNNLM(len(vocab), 4, 4, seed=0)
    loaded = load_checkpoint(save_checkpoint(tmp_path / "c.npz", model=model, vocab=vocab))
    assert loaded.optimizer is None


@settings(max_examples=12, deadline=None)
@given(
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    layers=st.integers(1, 2),
    size=st.integers(1, 7),
    tie=st.booleans(),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 1000),
)
def test_round_trip_on_random_models(
    cell: str, layers: int, size: int, tie: bool, dtype: str, seed: int
) -> None:
    vocab = Vocabulary.build(TEXT, "char")
    model = RNNLM(
        len(vocab),
        size,
        size,
        cell=cell,
        layers=layers,
        tie=tie,
        seed=seed,
        dtype=dtype,
    )
    for p in model.params:
        p[...] = np.random.default_rng(seed).normal(size=p.shape)
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_checkpoint(save_checkpoint(Path(folder) / "c.npz", model=model, vocab=vocab))
    for mine, theirs in zip(loaded.model.params, model.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)


# -- atomic writes -----------------------------------------------------------------------
def test_save_leaves_only_the_checkpoint_with_ordinary_permissions(tmp_path: Path) -> None:
    path, model, vocab, _ = small_setup(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    save_checkpoint(path, model=model, vocab=vocab)  # overwrite in place
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    assert load_checkpoint(path).optimizer is None


@pytest.mark.parametrize("fail_at", ["savez", "fsync", "replace"])
def test_a_failed_write_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    path, model, vocab, _ = small_setup(tmp_path)
    before = path.read_bytes()

    def disk_full(*args: Any, **kwargs: Any) -> None:
        if fail_at == "savez":  # half a file written, then the disk is full
            args[0].write(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    target = {"savez": (np, "savez"), "fsync": (os, "fsync"), "replace": (os, "replace")}
    monkeypatch.setattr(*target[fail_at], disk_full)
    trained(model, Adam(0.1), steps=1)
    with pytest.raises(CheckpointError, match=r"No space left on device.*intact") as info:
        save_checkpoint(path, model=model, vocab=vocab)
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    assert load_checkpoint(path).meta == {"step": 2, "note": "ok"}


def test_a_failed_first_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vocab = Vocabulary.build(TEXT, "char")
    model = RNNLM(len(vocab), 4, 4, seed=0)

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(CheckpointError, match="nothing was written"):
        save_checkpoint(tmp_path / "c.npz", model=model, vocab=vocab)
    assert os.listdir(tmp_path) == []


def test_bad_save_requests_are_refused_before_writing(tmp_path: Path) -> None:
    vocab = Vocabulary.build(TEXT, "char")
    model = RNNLM(len(vocab), 4, 4, seed=0)
    with pytest.raises(CheckpointError, match="not JSON"):
        save_checkpoint(tmp_path / "a.npz", model=model, vocab=vocab, meta={"x": object()})
    with pytest.raises(CheckpointError, match="not a plain number"):
        save_checkpoint(
            tmp_path / "b.npz", model=model, vocab=vocab, arrays={"o": np.array([None])}
        )
    with pytest.raises(CheckpointError, match="vocabulary has"):
        save_checkpoint(tmp_path / "c.npz", model=RNNLM(len(vocab) + 1, 4, 4, seed=0), vocab=vocab)
    with pytest.raises(CheckpointError, match="is a directory"):
        save_checkpoint(tmp_path, model=model, vocab=vocab)
    with pytest.raises(CheckpointError, match="does not exist"):
        save_checkpoint(tmp_path / "no" / "c.npz", model=model, vocab=vocab)
    assert os.listdir(tmp_path) == []


# -- refusals ----------------------------------------------------------------------------
def test_missing_directory_and_non_zip_files_are_refused(tmp_path: Path) -> None:
    refused(tmp_path / "nope.npz", "does not exist")
    refused(tmp_path, "is a folder and holds no checkpoint")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    refused(empty, "corrupt or truncated")
    text = tmp_path / "text.npz"
    text.write_text("just some text\n")
    refused(text, "corrupt or truncated")


@pytest.mark.parametrize("keep", [0.5, 0.9, -10])
def test_truncated_checkpoints_are_refused(tmp_path: Path, keep: float) -> None:
    path, *_ = small_setup(tmp_path)
    data = path.read_bytes()
    cut = int(len(data) * keep) if keep > 0 else len(data) + int(keep)
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[:cut])
    refused(bad, "corrupt or truncated")


def test_a_flipped_byte_in_the_weights_is_caught(tmp_path: Path) -> None:
    path, *_ = small_setup(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("param/rnn0.Wh.npy")
    # Local header (30 bytes + name + extra), then the .npy header, then the floats.
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[offset] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(data))
    refused(bad, "corrupt")


def test_a_foreign_npz_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "weights.npz"
    np.savez(foreign, W=np.zeros((3, 3)), b=np.zeros(3))
    refused(foreign, "not an rnnplay checkpoint")
    odd = write_members(tmp_path / "odd.npz", {"readme.txt": b"hello"})
    refused(odd, "not an rnnplay checkpoint")


def test_metadata_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path, *_ = small_setup(tmp_path)
    members = read_members(path)
    members["meta.json.npy"] = npy_bytes(np.frombuffer(b"{not json", dtype=np.uint8))
    refused(write_members(tmp_path / "bad.npz", members), "not valid JSON")
    members["meta.json.npy"] = npy_bytes(np.frombuffer(b"\xff\xfe\x00", dtype=np.uint8))
    refused(write_members(tmp_path / "bad2.npz", members), "not valid JSON")
    members["meta.json.npy"] = npy_bytes(np.zeros((2, 2), dtype=np.float32))
    refused(write_members(tmp_path / "bad3.npz", members), "not a UTF-8 byte array")
    set_header(members, {"format": "something-else"})
    refused(write_members(tmp_path / "bad4.npz", members), "not an rnnplay checkpoint")


def test_a_newer_format_is_refused_with_advice(tmp_path: Path) -> None:
    path, *_ = small_setup(tmp_path)
    members = read_members(path)
    header = header_of(members)
    header["format_version"] = FORMAT_VERSION + 1
    set_header(members, header)
    message = refused(write_members(tmp_path / "new.npz", members), "newer rnnplay")
    assert "upgrade" in message


def test_pickled_object_arrays_never_unpickle(tmp_path: Path) -> None:
    # First prove the payload is live: NumPy with pickle allowed runs it.
    proof_marker = tmp_path / "proof-marker"
    proof = tmp_path / "proof.npy"
    proof.write_bytes(npy_bytes(np.array([MakesMarker(proof_marker)]), allow_pickle=True))
    np.load(proof, allow_pickle=True)
    assert proof_marker.exists()

    marker = tmp_path / "marker"
    payload = npy_bytes(np.array([MakesMarker(marker)], dtype=object), allow_pickle=True)
    path, *_ = small_setup(tmp_path)

    # a) a foreign npz that is nothing but the payload
    refused(write_members(tmp_path / "a.npz", {"x.npy": payload}), "not an rnnplay checkpoint")
    # b) a real checkpoint whose extra array was swapped for the payload
    members = read_members(path)
    members["extra/state.0.h.npy"] = payload
    refused(write_members(tmp_path / "b.npz", members), "not plain numbers")
    # c) ... with the manifest rewritten to declare it as an object array
    header = header_of(members)
    header["arrays"]["extra/state.0.h"] = {"shape": [1], "dtype": "|O"}
    set_header(members, header)
    refused(write_members(tmp_path / "c.npz", members), "non-numeric")
    # d) the metadata itself pickled
    members = read_members(path)
    members["meta.json.npy"] = payload
    refused(write_members(tmp_path / "d.npz", members), "not a UTF-8 byte array")
    # e) a parameter swapped for the payload
    members = read_members(path)
    members["param/embed.W.npy"] = payload
    refused(write_members(tmp_path / "e.npz", members), "not plain numbers")

    assert not marker.exists()


@pytest.mark.slow
def test_bomb_like_members_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, *_ = small_setup(tmp_path)
    members = read_members(path)
    bomb = tmp_path / "bomb.npz"
    size = 128 * 1024**2
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = (size // 4,)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            if name == "extra/state.0.h.npy":
                continue
            zf.writestr(name, data)
        info = zipfile.ZipInfo("extra/state.0.h.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            np.lib.format.write_array_header_1_0(out, header)
            zeros = bytes(1024**2)
            for _ in range(size // len(zeros)):
                out.write(zeros)
    assert bomb.stat().st_size < size // 100, "compresses like a bomb"
    tracemalloc.start()
    try:
        refused(bomb, "declares")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024**2

    # The same member declared honestly in the manifest: then the total size limit applies.
    header_json = header_of(members)
    header_json["arrays"]["extra/state.0.h"] = {"shape": [size // 4], "dtype": "<f4"}
    with zipfile.ZipFile(bomb) as zf:
        member = zf.getinfo("extra/state.0.h.npy")
        assert member.file_size > size
    members_again = read_members(path)
    set_header(members_again, header_json)
    honest = tmp_path / "honest.npz"
    with zipfile.ZipFile(bomb) as src, zipfile.ZipFile(honest, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members_again.items():
            if name != "extra/state.0.h.npy":
                zf.writestr(name, data)
        info = zipfile.ZipInfo("extra/state.0.h.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with src.open("extra/state.0.h.npy") as inp, zf.open(info, "w", force_zip64=True) as out:
            while chunk := inp.read(1024**2):
                out.write(chunk)
    monkeypatch.setattr(ckpt, "MAX_LOAD_BYTES", 64 * 1024**2)
    refused(honest, "would need")


def test_members_that_disagree_with_the_manifest_are_refused(tmp_path: Path) -> None:
    path, *_ = small_setup(tmp_path)
    members = read_members(path)
    # the array has another shape than the manifest says
    wrong = dict(members)
    wrong["param/rnn0.Wh.npy"] = npy_bytes(np.zeros((6, 23), np.float32))
    refused(write_members(tmp_path / "a.npz", wrong), "metadata says")
    # ... or another dtype
    wrong = dict(members)
    wrong["param/rnn0.Wh.npy"] = npy_bytes(np.zeros((6, 24), np.float64))
    refused(write_members(tmp_path / "b.npz", wrong), "metadata says")
    # a listed member is missing
    wrong = dict(members)
    del wrong["optim/t.npy"]
    refused(write_members(tmp_path / "c.npz", wrong), "missing members")
    # an unlisted member was added
    wrong = dict(members)
    wrong["extra/sneaky.npy"] = npy_bytes(np.zeros(3))
    refused(write_members(tmp_path / "d.npz", wrong), "unlisted members")


def test_arrays_that_disagree_with_the_model_config_are_refused(tmp_path: Path) -> None:
    path, *_ = small_setup(tmp_path)
    members = read_members(path)
    V = header_of(members)["model"]["vocab_size"]

    # shape consistent with the manifest, but not with the config
    wrong = dict(members)
    wrong["param/embed.W.npy"] = npy_bytes(np.zeros((V + 1, 6), np.float32))
    header = header_of(wrong)
    header["arrays"]["param/embed.W"]["shape"] = [V + 1, 6]
    set_header(wrong, header)
    refused(write_members(tmp_path / "a.npz", wrong), "model config needs")

    # float64 weights under a float32 config
    wrong = dict(members)
    wrong["param/embed.W.npy"] = npy_bytes(np.zeros((V, 6), np.float64))
    header = header_of(wrong)
    header["arrays"]["param/embed.W"]["dtype"] = "<f8"
    set_header(wrong, header)
    refused(write_members(tmp_path / "b.npz", wrong), "model config needs")

    # a config claiming another cell: the parameters no longer fit
    wrong = dict(members)
    header = header_of(wrong)
    header["model"]["cell"] = "gru"
    set_header(wrong, header)
    refused(write_members(tmp_path / "c.npz", wrong), "model config needs")

    # optimizer state that does not fit the parameters
    wrong = dict(members)
    wrong["optim/m.1.npy"] = npy_bytes(np.zeros((2, 2), np.float32))
    header = header_of(wrong)
    header["arrays"]["optim/m.1"]["shape"] = [2, 2]
    set_header(wrong, header)
    refused(write_members(tmp_path / "d.npz", wrong), "optimizer state does not fit")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda h: h["vocab"]["tokens"].pop(), "vocabulary has .* tokens but the model expects"),
        (lambda h: h.update(vocab=["a", "b"]), "field vocab must be an object"),
        (lambda h: h["model"].update(vocab_size=-4), "field model.vocab_size must lie in"),
        (lambda h: h["model"].update(cell="transformer"), "field model.cell must be one of"),
        (lambda h: h["model"].update(dtype="object"), "field model.dtype must be one of"),
        (lambda h: h["model"].update(dropout=3.0), "field model.dropout must lie in"),
        (lambda h: h["model"].update(surprise=1), "field model has unknown fields .surprise."),
        (lambda h: h.pop("model"), "metadata lacks model"),
        (lambda h: h.pop("arrays"), "metadata lacks arrays"),
        (lambda h: h["optimizer"].update(name="lion"), "field optimizer.name must be one of"),
        (lambda h: h["optimizer"]["hyper"].update(lr="fast"), "optimizer.hyper.*a number"),
        (lambda h: h.update(optimizer=None), "optimizer entry and optimizer arrays disagree"),
        (lambda h: h.update(meta=[1, 2]), "field meta must be an object"),
        (lambda h: h.update(format_version=0), "format version"),
    ],
)
def test_inconsistent_metadata_is_refused(tmp_path: Path, edit, match: str) -> None:
    path, *_ = small_setup(tmp_path)
    members = read_members(path)
    header = header_of(members)
    edit(header)
    set_header(members, header)
    refused(write_members(tmp_path / "bad.npz", members), match)


def test_refusals_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "some-file.npz"
    bad.write_bytes(b"garbage")
    assert "some-file.npz" in refused(bad, "corrupt")


def test_the_metadata_reads_alone_with_the_loaders_checks(tmp_path: Path) -> None:
    """read_metadata (for listings) gives what load_checkpoint would, and refuses a
    foreign archive as the loader does."""
    import zipfile

    from rnnplay.core.store.checkpoint_reader import read_metadata

    path, model, _vocab, _optimizer = small_setup(tmp_path)
    with zipfile.ZipFile(path) as zf:
        header = read_metadata("checkpoint", zf)
    assert header["meta"] == {"step": 2, "note": "ok"}
    assert header["model"] == model.config.to_json()
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    with zipfile.ZipFile(foreign) as zf, pytest.raises(CheckpointError, match="not an rnnplay"):
        read_metadata("checkpoint", zf)
