"""``rnnplay export`` then ``rnnplay import``: the run folder it makes is a run like any
other (sample, eval, train --resume, the playground), and the weights come back as
they left. No PyTorch needed (tests/core/test_torch_parity.py proves the layout)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.runs.opening import open_playground
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.store.safetensors_io import read_tensors
from rnnplay.core.train.config import TrainConfig
from tests.cli.conftest import TINY, Result


@pytest.fixture
def exported(tmp_path: Path, trained: Path, cli: Callable[..., Result]) -> Path:
    path = tmp_path / "model.safetensors"
    result = cli("export", trained / "last.npz", path)
    assert result.code == 0, result.err
    assert "load_state_dict" in result.out and str(path) in result.out
    return path


def test_export_writes_pytorch_names_and_the_metadata(exported: Path, trained: Path) -> None:
    loaded = read_tensors(exported)
    checkpoint = load_checkpoint(trained / "last.npz")
    config = checkpoint.model.config.to_json()
    V, D, H = config["vocab_size"], config["embed"], config["hidden"]
    shapes = {name: a.shape for name, a in loaded.tensors.items()}
    assert shapes == {
        "embedding.weight": (V, D),
        "rnn.weight_ih_l0": (4 * H, D),
        "rnn.weight_hh_l0": (4 * H, H),
        "rnn.bias_ih_l0": (4 * H,),
        "rnn.bias_hh_l0": (4 * H,),
        "decoder.weight": (V, H),
        "decoder.bias": (V,),
    }
    assert not loaded.tensors["rnn.bias_hh_l0"].any(), "rnnplay's one bias goes into bias_ih"
    # PyTorch's input gate (its first block) is rnnplay's third: [f | g | i | o]
    Wx = checkpoint.model.recurrent[0].params[0]
    np.testing.assert_array_equal(loaded.tensors["rnn.weight_ih_l0"][:H], Wx[:, 2 * H : 3 * H].T)
    meta = loaded.metadata
    assert json.loads(meta["rnnplay.model"]) == config
    assert json.loads(meta["rnnplay.vocab"]) == checkpoint.vocab.to_json()
    assert meta["rnnplay.corpus"] == checkpoint.meta["config"]["corpus"]


def test_an_imported_run_is_a_run_like_any_other(
    tmp_path: Path, exported: Path, trained: Path, cli: Callable[..., Result]
) -> None:
    run = tmp_path / "imported"
    result = cli("import", exported, "--out", run)
    assert result.code == 0, result.err
    last = run / "last.npz"
    assert str(last) in result.out
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "done"

    original, imported = load_checkpoint(trained / "last.npz"), load_checkpoint(last)
    assert imported.vocab == original.vocab
    for name, a, b in zip(
        original.model.param_names, original.model.params, imported.model.params, strict=True
    ):
        np.testing.assert_array_equal(a, b, err_msg=name)

    sample = ["--greedy", "--prime", "the ", "--length", "40"]
    assert cli("sample", last, *sample).out == cli("sample", trained / "last.npz", *sample).out
    evaluated = cli("eval", last, "--json")
    assert evaluated.code == 0, evaluated.err
    assert json.loads(evaluated.out)["tokens"] > 0
    resumed = cli("train", "--resume", last, "--max-steps", "3", "--quiet")
    assert resumed.code == 0, resumed.err
    assert load_checkpoint(last).meta["step"] == 3

    playground = open_playground(TrainConfig(), checkpoint=last)
    assert playground.trainer.step_count == 3
    playground.trainer.step()
    assert playground.folder is None, "opening never writes"


def test_import_refuses_a_folder_holding_a_run_and_keeps_it(
    exported: Path, trained: Path, cli: Callable[..., Result]
) -> None:
    before = (trained / "last.npz").read_bytes()
    result = cli("import", exported, "--out", trained)
    assert result.code == 2
    assert "already holds a run" in result.err and len(result.err.splitlines()) == 1
    assert (trained / "last.npz").read_bytes() == before


def test_a_vocabulary_file_stands_in_for_the_metadata(
    tmp_path: Path, trained: Path, corpus: Path, cli: Callable[..., Result]
) -> None:
    """A file without rnnplay metadata (as PyTorch code writes it) and ``--vocab``."""
    from safetensors.numpy import save_file

    exported = tmp_path / "bare.safetensors"
    assert cli("export", trained / "last.npz", exported).code == 0
    tensors = read_tensors(exported).tensors
    bare = tmp_path / "from_elsewhere.safetensors"
    save_file(tensors, str(bare))
    refused = cli("import", bare, "--out", tmp_path / "a", "--corpus", corpus)
    assert refused.code == 2 and "--vocab" in refused.err
    assert not (tmp_path / "a").exists()

    tokens = load_checkpoint(trained / "last.npz").vocab.tokens
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps(tokens), encoding="utf-8")
    result = cli("import", bare, "--out", tmp_path / "b", "--corpus", corpus, "--vocab", vocab)
    assert result.code == 0, result.err
    config = load_checkpoint(tmp_path / "b" / "last.npz").model.config.to_json()
    assert (config["cell"], config["tie"], config["embed"]) == ("lstm", False, int(TINY[1]))

    vocab.write_text(json.dumps(tokens[::-1]), encoding="utf-8")
    other = cli("import", exported, "--out", tmp_path / "c", "--vocab", vocab)
    assert other.code == 2 and "differs" in other.err
    assert not (tmp_path / "c").exists()
