"""Hostile safetensors files through the real CLI (subprocesses): each refused in one
line by ``rnnplay import``, exit 2, and nothing written (no run folder)."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.travel import export_model
from tests.reliability.helpers import assert_clean_failure, run_cli, snapshot

Header = dict
Edit = Callable[[Header, bytearray], tuple[Header, bytearray] | None]


def split(path: Path) -> tuple[Header, bytearray]:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + length]), bytearray(raw[8 + length :])


def join(header: Header, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + bytes(data)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> tuple[Path, Path]:
    """A valid 2-layer LSTM export whose vocabulary is the corpus's, and the corpus."""
    folder = tmp_path_factory.mktemp("travel")
    vocab = load_dataset(str(corpus)).vocab
    model = RNNLM(len(vocab), 8, 8, cell="lstm", layers=2, seed=0)
    return export_model(folder / "good.safetensors", model, vocab, str(corpus)), corpus


def meta(header: Header, key: str, value: str | None) -> None:
    entries = header["__metadata__"]
    if value is None:
        entries.pop(f"rnnplay.{key}")
    else:
        entries[f"rnnplay.{key}"] = value


def model_meta(**changes) -> Edit:
    def edit(header: Header, data: bytearray) -> None:
        config = json.loads(header["__metadata__"]["rnnplay.model"])
        meta(header, "model", json.dumps({**config, **changes}))

    return edit


def retype(name: str, dtype: str) -> Edit:
    def edit(header: Header, data: bytearray) -> None:
        header[name]["dtype"] = dtype

    return edit


def nan_in(name: str) -> Edit:
    def edit(header: Header, data: bytearray) -> None:
        begin = header[name]["data_offsets"][0]
        data[begin : begin + 4] = struct.pack("<f", float("nan"))

    return edit


def drop(name: str) -> Edit:
    """Remove a tensor and its bytes, moving the later ones down (a consistent file)."""

    def edit(header: Header, data: bytearray) -> tuple[Header, bytearray]:
        begin, end = header.pop(name)["data_offsets"]
        for entry in header.values():
            if "data_offsets" in entry and entry["data_offsets"][0] >= end:
                entry["data_offsets"] = [o - (end - begin) for o in entry["data_offsets"]]
        return header, data[:begin] + data[end:]

    return edit


def extra_tensor(header: Header, data: bytearray) -> tuple[Header, bytearray]:
    header["rnn.weight_ih_l7"] = {
        "dtype": "F32",
        "shape": [1],
        "data_offsets": [len(data), len(data) + 4],
    }
    return header, data + bytearray(4)


def reshape_hh(header: Header, data: bytearray) -> None:
    header["rnn.weight_hh_l1"]["shape"] = [16, 16]  # same bytes: 256 floats either way


def lie_offsets(header: Header, data: bytearray) -> None:
    header["decoder.bias"]["data_offsets"][1] += 4


def overlap(header: Header, data: bytearray) -> None:
    a, b = header["rnn.bias_ih_l0"], header["rnn.bias_hh_l0"]
    a["data_offsets"], b["data_offsets"] = b["data_offsets"], a["data_offsets"]
    a["data_offsets"] = [a["data_offsets"][0] - 4, a["data_offsets"][1] - 4]


def tied_lie(header: Header, data: bytearray) -> None:
    config = json.loads(header["__metadata__"]["rnnplay.model"])
    meta(header, "model", json.dumps({**config, "tie": True}))


def non_text_metadata(header: Header, data: bytearray) -> None:
    header["__metadata__"]["rnnplay.vocab"] = ["a", "b"]


def nested(header: Header, data: bytearray) -> None:
    meta(header, "model", "[" * 100_000 + "]" * 100_000)


CASES: dict[str, tuple[Edit, tuple[str, ...]]] = {
    "wrong shape": (reshape_hh, ("weight_hh_l1", "(16, 16)")),
    "bad dtype": (retype("decoder.bias", "I32"), ("decoder.bias", "I32", "F32")),
    "half floats": (retype("embedding.weight", "F16"), ("F16",)),
    "missing tensor": (drop("rnn.bias_hh_l1"), ("lacks", "rnn.bias_hh_l1")),
    "extra tensor": (extra_tensor, ("rnn.weight_ih_l7",)),
    "NaN": (nan_in("rnn.weight_hh_l0"), ("rnn.weight_hh_l0", "non-finite")),
    "offsets lie": (lie_offsets, ("decoder.bias", "data_offsets")),
    "overlapping tensors": (overlap, ("overlaps",)),
    "config lies about hidden": (model_meta(hidden=16), ("needs",)),
    "config lies about dtype": (model_meta(dtype="float64"), ("float64",)),
    "config lies about tying": (tied_lie, ("tied",)),
    "book gru": (model_meta(cell="gru"), ("gru-torch",)),
    "unknown cell": (model_meta(cell="mgu"), ("rnnplay.model.cell",)),
    "vocabulary size": (
        lambda h, d: meta(h, "vocab", json.dumps({"level": "char", "tokens": ["a", "b"]})),
        ("vocabulary has 2 tokens",),
    ),
    "no vocabulary": (lambda h, d: meta(h, "vocab", None), ("--vocab",)),
    "metadata not text": (non_text_metadata, ("not text",)),
    "nested metadata": (nested, ("nests",)),
    "unknown rnnplay metadata": (lambda h, d: meta(h, "pickle", "x"), ("rnnplay.pickle",)),
    "newer layout": (lambda h, d: meta(h, "format_version", "9"), ("newer",)),
}


def build(good: Path, folder: Path, name: str, edit: Edit) -> Path:
    header, data = split(good)
    changed = edit(header, data)
    if changed is not None:
        header, data = changed
    path = folder / (name.replace(" ", "-") + ".safetensors")
    path.write_bytes(join(header, data))
    return path


def assert_refused(tmp_path: Path, path: Path, corpus: Path, *needles: str) -> None:
    before = snapshot(tmp_path)
    result = run_cli("import", path, "--out", tmp_path / "run", "--corpus", corpus, cwd=tmp_path)
    assert_clean_failure(result, *needles)
    assert snapshot(tmp_path) == before, "nothing may be written"


def test_the_good_file_imports(tmp_path: Path, good: tuple[Path, Path]) -> None:
    """The control: the file every hostile one is made from imports and samples."""
    result = run_cli("import", good[0], "--out", tmp_path / "run", cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    assert (tmp_path / "run" / "last.npz").is_file()
    sample = run_cli("sample", tmp_path / "run" / "last.npz", "--length", "5", cwd=tmp_path)
    assert sample.returncode == 0, sample.describe()


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_refused_in_one_line(
    tmp_path: Path, good: tuple[Path, Path], name: str
) -> None:
    edit, needles = CASES[name]
    path = build(good[0], tmp_path, name, edit)
    assert_refused(tmp_path, path, good[1], *needles)


@pytest.mark.parametrize(
    ("name", "raw", "needles"),
    [
        ("huge header", struct.pack("<Q", 2**40) + b"{}", ("1099511627776", "limit")),
        ("header past the end", struct.pack("<Q", 1000) + b"{}", ("declares 1000",)),
        ("too short", b"\x01\x02", ("shorter than 8 bytes",)),
        ("not JSON", struct.pack("<Q", 4) + b"{{{{", ("not valid JSON",)),
        ("bytes left over", join({}, b"") + b"\0" * 16, ("16 after the header",)),
        ("empty", join({}, b""), ("embedding.weight",)),
    ],
)
def test_broken_container_is_refused_in_one_line(
    tmp_path: Path, good: tuple[Path, Path], name: str, raw: bytes, needles: tuple[str, ...]
) -> None:
    path = tmp_path / "broken.safetensors"
    path.write_bytes(raw)
    assert_refused(tmp_path, path, good[1], *needles)


def test_a_corpus_with_another_vocabulary_is_refused(
    tmp_path: Path, good: tuple[Path, Path]
) -> None:
    other = tmp_path / "other.txt"
    other.write_text("xyz " * 2000, encoding="utf-8")
    assert_refused(tmp_path, good[0], other, "--corpus", "vocabulary")


def test_export_refuses_the_book_gru_naming_gru_torch(tmp_path: Path, corpus: Path) -> None:
    run = tmp_path / "gru"
    trained = run_cli(
        "train", "--corpus", corpus, "--cell", "gru", "--embed", "8", "--hidden", "8",
        "--batch", "2", "--bptt", "8", "--max-steps", "1", "--out", run, "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert trained.returncode == 0, trained.describe()
    out = tmp_path / "gru.safetensors"
    result = run_cli("export", run / "last.npz", out, cwd=tmp_path)
    assert_clean_failure(result, "gru-torch")
    assert not out.exists()


def test_export_keeps_an_existing_file_without_overwrite(
    tmp_path: Path, good: tuple[Path, Path], trained: Path
) -> None:
    out = tmp_path / "kept.safetensors"
    out.write_bytes(b"mine")
    result = run_cli("export", trained / "last.npz", out, cwd=tmp_path)
    assert_clean_failure(result, "--overwrite")
    assert out.read_bytes() == b"mine"
    replaced = run_cli("export", trained / "last.npz", out, "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.describe()
    assert np.frombuffer(out.read_bytes()[:8], "<u8")[0] > 0
