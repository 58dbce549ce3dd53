"""The front door (rnnplay.core.runs.opening): defaults and path rules applied once, the
playground's run claiming its folder on first use, and confinement to runs_dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnplay.core.runs.opening import (
    check_confined,
    new_trainer,
    open_playground,
    prepare_config,
    resume_trainer,
)
from rnnplay.core.train.config import DEFAULT_EPOCHS, TrainConfig
from rnnplay.errors import ConfigError, RunError

TEXT = "the cat sat on the mat. the dog ate the log.\n" * 40


def tiny(corpus: Path, **changes) -> TrainConfig:
    base = dict(corpus=str(corpus), embed=8, hidden=8, batch=4, bptt=8, eval_every=2)
    return TrainConfig(**{**base, **changes})


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "text.txt"
    path.write_text(TEXT)
    return path


def test_defaults_and_paths_are_applied_once_for_every_face(corpus, monkeypatch):
    assert prepare_config(TrainConfig()).epochs == DEFAULT_EPOCHS
    assert prepare_config(TrainConfig(), headless=False).epochs is None
    assert prepare_config(TrainConfig(max_seconds=5.0)).epochs is None
    with pytest.raises(ConfigError, match="--tie"):
        prepare_config(TrainConfig(tie=True, embed=4, hidden=8))
    monkeypatch.chdir(corpus.parent)
    for headless in (True, False):
        trainer = new_trainer(tiny(Path(corpus.name)), headless=headless)
        assert trainer.config.corpus == str(corpus.resolve())


def test_the_playground_claims_its_folder_on_first_save_and_never_the_checkpoints(corpus, tmp_path):
    runs = tmp_path / "runs"
    run = open_playground(tiny(corpus), runs_dir=runs)
    assert run.folder is None and not runs.exists(), "opening writes nothing"
    for _ in run.trainer.run(max_steps=3):
        pass
    saved = run.save_named("step-3")
    assert saved == runs / "run-1" / "saves" / "step-3.npz"
    manifest = json.loads((runs / "run-1" / "run.json").read_text())
    assert manifest["status"] == "running" and manifest["resumed_from"] is None
    run.close("done")
    assert json.loads((runs / "run-1" / "run.json").read_text())["status"] == "done"

    # A checkpoint whose stored `out` points elsewhere decides nothing.
    elsewhere = tmp_path / "elsewhere"
    run.trainer.config = run.trainer.config.replace(out=str(elsewhere))
    planted = run.trainer.save(tmp_path / "planted.npz")
    again = open_playground(TrainConfig(), checkpoint=planted, runs_dir=runs)
    assert again.trainer.config.out is None and again.trainer.step_count == 3
    again.save_named("more")
    assert (runs / "run-2" / "saves" / "more.npz").is_file() and not elsewhere.exists()
    manifest = json.loads((runs / "run-2" / "run.json").read_text())
    assert manifest["resumed_from"] == {"checkpoint": str(planted), "step": 3}
    again.close("done")


def test_confined_paths_stay_under_runs_dir(corpus, tmp_path):
    runs = tmp_path / "runs"
    (runs / "a").mkdir(parents=True)
    assert check_confined(runs / "a" / "x.npz", runs) == (runs / "a" / "x.npz").resolve()
    for outside in (tmp_path / "x.npz", runs / ".." / "x.npz"):
        with pytest.raises(RunError, match="outside"):
            check_confined(outside, runs)
    trainer = new_trainer(tiny(corpus))
    for _ in trainer.run(max_steps=2):
        pass
    path = trainer.save(tmp_path / "outside.npz")
    with pytest.raises(RunError, match="outside"):
        open_playground(TrainConfig(), checkpoint=path, runs_dir=runs, confine_paths=True)
    assert resume_trainer(path).step_count == 2
