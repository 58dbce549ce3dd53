"""A checkpoint's figures read from its metadata alone (rnnplay.core.store.summary),
and the smoothed training loss a trainer checkpoint carries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.runs.opening import new_trainer
from rnnplay.core.store import checkpoint_reader
from rnnplay.core.store.summary import read_summary
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import CheckpointError
from tests.npz_members import header_of, read_members, with_header, write_members

TINY = TrainConfig(corpus="sonnets", embed=8, hidden=16, batch=2, bptt=8, eval_every=2, seed=1)


def trained_checkpoint(tmp_path: Path, steps: int = 4) -> tuple[Trainer, Path]:
    trainer = new_trainer(TINY, headless=False)
    for _ in trainer.run(max_steps=steps):
        pass
    return trainer, Path(trainer.save(tmp_path / "last.npz"))


def test_the_summary_gives_kind_step_and_losses_reading_only_the_metadata(tmp_path, monkeypatch):
    trainer, path = trained_checkpoint(tmp_path)
    reads = []
    original = np.lib.format.read_array

    def counting(*args, **kwargs):
        reads.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "read_array", counting)
    summary = read_summary(path)
    assert len(reads) == 1, "only the metadata member is read"
    assert summary.kind == "rnnplay-trainer"
    assert summary.step == 4
    assert summary.best_val_loss == pytest.approx(trainer.best_val_loss)
    last_eval = [r for r in trainer.history if r["kind"] == "eval"][-1]
    assert summary.last_val_loss == pytest.approx(last_eval["loss"])
    assert summary.train_loss is not None
    assert summary.train_loss == pytest.approx(trainer.train_loss)


def test_the_smoothed_training_loss_follows_the_steps_and_survives_a_resume(tmp_path):
    trainer, path = trained_checkpoint(tmp_path, steps=6)
    assert trainer.train_loss is not None and np.isfinite(trainer.train_loss)
    resumed = Trainer.resume(path)
    assert resumed.train_loss == trainer.train_loss
    step = resumed.step()
    assert resumed.train_loss == pytest.approx(
        trainer.train_loss + 0.05 * (step.loss - trainer.train_loss)
    )


def test_a_checkpoint_without_a_training_loss_still_loads_and_summarises(tmp_path):
    _trainer, path = trained_checkpoint(tmp_path)
    members = read_members(path)
    header = header_of(members)
    del header["meta"]["train_loss"]
    old = write_members(tmp_path / "old.npz", with_header(members, header))
    assert Trainer.resume(old).train_loss is None
    assert read_summary(old).train_loss is None and read_summary(old).step == 4


def test_a_non_finite_or_wrong_training_loss_is_refused_by_the_schema(tmp_path):
    _trainer, path = trained_checkpoint(tmp_path)
    members = read_members(path)
    header = header_of(members)
    header["meta"]["train_loss"] = -1.0
    bad = write_members(tmp_path / "bad.npz", with_header(members, header))
    with pytest.raises(CheckpointError, match="train_loss"):
        read_summary(bad)
    with pytest.raises(CheckpointError, match="train_loss"):
        Trainer.resume(bad)


def test_unreadable_files_are_one_line_checkpoint_errors(tmp_path, monkeypatch):
    not_zip = tmp_path / "text.npz"
    not_zip.write_text("hello\n")
    with pytest.raises(CheckpointError, match="cannot be read"):
        read_summary(not_zip)
    with pytest.raises(CheckpointError, match="cannot be read"):
        read_summary(tmp_path / "missing.npz")
    _trainer, path = trained_checkpoint(tmp_path)
    monkeypatch.setattr(checkpoint_reader, "MAX_META_BYTES", 100)  # the limit both readers share
    with pytest.raises(CheckpointError, match="limit 100"):
        read_summary(path)
