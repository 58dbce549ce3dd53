"""Every bad input of the engine issue, through the real CLI entry point.

Each case must end with exit code 2 and exactly one line on stderr (no
traceback), print nothing on stdout, and leave every file as it was.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

import rnnplay.core.store.checkpoint as checkpoint_module
from rnnplay.core.store.checkpoint import load_checkpoint, save_checkpoint
from tests.cli.conftest import TINY, snapshot


@pytest.fixture
def workspace(tmp_path: Path, trained: Path, corpus: Path) -> Path:
    """A folder with good and bad inputs side by side (copies: nothing shared is touched)."""
    shutil.copy(corpus, tmp_path / "good.txt")
    shutil.copytree(trained, tmp_path / "run")
    good = tmp_path / "run" / "checkpoint.npz"
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n ")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def" * 50)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait ".encode("latin-1") * 50)
    (tmp_path / "short.txt").write_text("the cat sat on the mat. " * 3)
    (tmp_path / "afile").write_text("I am a file, not a folder\n")
    (tmp_path / "adir").mkdir()
    (tmp_path / "garbage.npz").write_bytes(np.random.default_rng(0).bytes(5000))
    data = good.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    np.savez(tmp_path / "foreign.npz", weights=np.ones((3, 3)))
    loaded = load_checkpoint(good)
    original = checkpoint_module.FORMAT_VERSION
    checkpoint_module.FORMAT_VERSION = original + 1
    try:
        save_checkpoint(tmp_path / "newer.npz", model=loaded.model, vocab=loaded.vocab)
    finally:
        checkpoint_module.FORMAT_VERSION = original
    with zipfile.ZipFile(tmp_path / "not-a-checkpoint.npz", "w") as zf:
        zf.writestr("readme.txt", "hello")
    return tmp_path


def train(*extra: str) -> tuple[str, ...]:
    return ("train", "--corpus", "good.txt", *TINY, "--max-steps", "3", "--out", "new", *extra)


CKPT = "run/checkpoint.npz"

CASES: dict[str, tuple[tuple[str, ...], str]] = {
    # corpora
    "missing corpus": (("train", "--corpus", "nowhere.txt"), "does not exist"),
    "empty corpus": (("train", "--corpus", "empty.txt"), "empty"),
    "blank corpus": (("train", "--corpus", "blank.txt"), "blank"),
    "binary corpus": (("train", "--corpus", "binary.txt"), "binary"),
    "non-UTF-8 corpus": (("train", "--corpus", "latin1.txt"), "not UTF-8"),
    "directory as corpus": (("train", "--corpus", "adir"), "directory"),
    "unknown built-in": (("train", "--corpus", "sonets"), "sonnets, shakespeare, toy"),
    "corpus shorter than a batch": (
        ("train", "--corpus", "short.txt", "--batch", "8", "--bptt", "16"),
        "needs at least 129",
    ),
    "missing validation file": (train("--valid", "nowhere.txt"), "does not exist"),
    "binary test file": (train("--test", "binary.txt"), "binary"),
    # sizes and rates
    "zero embed": (train("--embed", "0"), "--embed must be a positive integer"),
    "negative hidden": (train("--hidden", "-4"), "--hidden must be a positive integer"),
    "zero layers": (train("--layers", "0"), "--layers"),
    "zero batch": (train("--batch", "0"), "--batch must be a positive integer"),
    "negative bptt": (train("--bptt", "-1"), "--bptt must be a positive integer"),
    "zero lr": (train("--lr", "0"), "--lr must be positive"),
    "negative lr": (train("--lr", "-0.1"), "--lr must be positive"),
    "nan lr": (train("--lr", "nan"), "--lr must be a finite number"),
    "dropout of one": (train("--dropout", "1"), "--dropout must lie in [0, 1)"),
    "negative dropout": (train("--dropout", "-0.2"), "--dropout must lie in [0, 1)"),
    "decay factor of zero": (train("--decay-factor", "0"), "--decay-factor must lie in (0, 1]"),
    "decay factor above one": (train("--decay-factor", "2"), "--decay-factor must lie in (0, 1]"),
    "negative decay-after": (train("--decay-after", "-1"), "--decay-after"),
    "unknown schedule": (train("--schedule", "linear"), "invalid choice"),
    "tie with different sizes": (train("--tie", "--embed", "8", "--hidden", "16"), "--tie"),
    "zero epochs and steps": (train("--epochs", "0", "--max-steps", "0"), "must be"),
    "huge model": (train("--hidden", "200000"), "GiB"),
    "not a number": (train("--batch", "many"), "invalid int value"),
    "unknown flag": (train("--colour", "red"), "unknown flag '--colour'"),
    "unknown cell": (train("--model", "transformer"), "invalid choice"),
    # --out
    "out is a file": (train("--out", "afile"), "is a file"),
    "out inside a file": (train("--out", "afile/sub"), "is a file"),
    "out holds another run": (train("--out", "run"), "already holds a run"),
    # checkpoints
    "missing checkpoint": (("sample", "nowhere.npz"), "does not exist"),
    "directory as checkpoint": (("sample", "adir"), "is a folder"),
    "corrupt checkpoint": (("sample", "garbage.npz"), "corrupt"),
    "truncated checkpoint": (("sample", "truncated.npz"), "checkpoint"),
    "foreign npz": (("sample", "foreign.npz"), "not an rnnplay checkpoint"),
    "zip without npy": (("sample", "not-a-checkpoint.npz"), "not an rnnplay checkpoint"),
    "newer format": (("sample", "newer.npz"), "newer rnnplay"),
    "eval corrupt checkpoint": (("eval", "garbage.npz", "--corpus", "good.txt"), "corrupt"),
    "eval newer format": (("eval", "newer.npz", "--corpus", "good.txt"), "newer"),
    "eval bad corpus": (("eval", CKPT, "--corpus", "binary.txt"), "binary"),
    "eval unknown chars": (("eval", CKPT, "--corpus", "latin1.txt"), "not UTF-8"),
    "resume missing": (("train", "--resume", "nowhere.npz"), "does not exist"),
    "resume truncated": (("train", "--resume", "truncated.npz"), "checkpoint"),
    "resume newer": (("train", "--resume", "newer.npz"), "newer"),
    "resume with another model": (
        ("train", "--resume", CKPT, "--hidden", "64", "--out", "new"),
        "keeps the checkpoint's settings",
    ),
    # sampling options
    "prime with unknown chars": (("sample", CKPT, "--prime", "XYZ€"), "'X', 'Y', 'Z', '€'"),
    "zero length": (("sample", CKPT, "--length", "0"), "--length"),
    "negative temperature": (("sample", CKPT, "--temperature", "-1"), "--temperature"),
    "top-k beyond the vocabulary": (("sample", CKPT, "--top-k", "100000"), "larger than"),
    "top-p of zero": (("sample", CKPT, "--top-p", "0"), "--top-p"),
    # the playground's flags are checked before anything starts
    "playground with bad flag": (("--hidden", "0"), "--hidden"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(case, cli, workspace, monkeypatch):
    argv, expected = CASES[case]
    monkeypatch.chdir(workspace)
    before = snapshot(workspace)
    result = cli(*argv)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1, result.err
    assert result.err.startswith("rnnplay: error: ")
    assert expected in result.err
    assert result.out == ""
    assert snapshot(workspace) == before
    assert not (workspace / "new").exists()


def test_an_unreadable_corpus_is_refused(cli, workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    before = snapshot(workspace)
    real = os.open

    def refusing_open(name, flags, *args):
        if os.path.basename(os.fspath(name)) == "good.txt":
            raise PermissionError(13, "Permission denied", os.fspath(name))
        return real(name, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    result = cli(*train())
    assert result.code == 2 and len(result.err_lines) == 1
    assert "cannot read corpus" in result.err and "Permission denied" in result.err
    monkeypatch.setattr(os, "open", real)
    assert snapshot(workspace) == before
