"""One vocabulary for the model's shape: ModelConfig, RNNLM, TrainConfig, the CLI and
checkpoints share the names, and checkpoints written with the older names still load."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from rnnplay.cli import build_parser
from rnnplay.cli.flags import config_from_args
from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.nn.config import CELL_GATES, CELL_NAMES, MODEL_FIELDS, ModelConfig
from rnnplay.core.nn.model import CELLS, RNNLM
from rnnplay.core.runs.opening import resume_trainer
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.trainer import Trainer
from tests.npz_members import header_of, read_members, with_header, write_members

OLD_NAMES = {
    "embed": "embed_size",
    "hidden": "hidden_size",
    "layers": "num_layers",
    "tie": "tie_weights",
}


def test_the_names_are_shared_by_model_train_config_and_flags():
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(MODEL_FIELDS) - {"vocab_size"} <= train_fields
    config = TrainConfig(cell="gru", embed=6, hidden=6, layers=2, tie=True, dropout=0.1)
    model = RNNLM.from_config(config.model_config(11), seed=0)
    assert model.config == config.model_config(11)
    assert set(model.config.to_json()) == set(MODEL_FIELDS)
    args = build_parser().parse_args(["--cell", "rnn", "--hidden", "9"])
    assert config_from_args(args).cell == "rnn"
    legacy = build_parser().parse_args(["--model", "gru"])  # the old flag still works
    assert config_from_args(legacy).cell == "gru"


def test_a_checkpoint_with_the_older_names_loads_and_resumes(tmp_path: Path):
    corpus_file = tmp_path / "corpus.txt"
    corpus_file.write_text("the cat sat on the mat. the dog ate the log.\n" * 40)
    config = TrainConfig(corpus=str(corpus_file), embed=8, hidden=8, batch=4, bptt=8, tie=True)
    trainer = Trainer(config, load_dataset(config.corpus, level="char"))
    for _ in trainer.run(max_steps=3):
        pass
    path = trainer.save(tmp_path / "new.npz")
    members = read_members(path)
    header = header_of(members)
    header["model"] = {OLD_NAMES.get(k, k): v for k, v in header["model"].items()}
    saved = header["meta"]["config"]
    saved["model"] = saved.pop("cell")
    old = write_members(tmp_path / "old.npz", with_header(members, header))

    loaded = load_checkpoint(old)
    assert loaded.model.config == ModelConfig.from_json(header["model"])
    for mine, theirs in zip(loaded.model.params, trainer.model.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    resumed = resume_trainer(old)
    assert resumed.step_count == 3 and resumed.config.cell == "lstm"


def test_the_gate_counts_written_without_numpy_are_the_cells_own():
    """The memory estimate and the flags read CELL_GATES; the layers know their gates."""
    assert set(CELLS) == set(CELL_GATES) == set(CELL_NAMES)
    assert {name: cls.gates for name, cls in CELLS.items()} == CELL_GATES
