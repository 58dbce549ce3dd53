"""Dropout and the schedule changed between two steps (core/train/live_settings.py),
and their record in a run folder (Recorder.record_setting)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from rnnplay.core.runs.opening import Run
from rnnplay.core.runs.recorder import Recorder
from rnnplay.core.train.config import ConfigError
from rnnplay.core.train.live_settings import apply_setting, set_dropout, set_schedule
from rnnplay.core.train.trainer import Trainer
from tests.core.test_trainer import make_dataset, tiny


@pytest.fixture(scope="module")
def dataset():
    return make_dataset()


def test_dropout_changes_the_layers_and_the_config(dataset) -> None:
    trainer = Trainer(tiny(layers=2), dataset)
    trainer.step()
    set_dropout(trainer, 0.4)
    assert [layer.ratio for layer in trainer.model.dropouts] == [0.4, 0.4, 0.4]
    assert trainer.config.dropout == 0.4 and trainer.model.config.dropout == 0.4
    # The next step drops units: the same batch gives another loss with dropout on.
    same = Trainer(tiny(layers=2), dataset)
    same.step()
    assert trainer.step().loss != same.step().loss


def test_dropout_zero_after_dropout_trains_as_without(dataset) -> None:
    with_off = Trainer(tiny(dropout=0.5), dataset)
    set_dropout(with_off, 0.0)
    plain = Trainer(tiny(), dataset)
    for _ in range(3):
        assert with_off.step().loss == plain.step().loss


@pytest.mark.parametrize("bad", [1.0, -0.1, float("nan"), True, "0.2"])
def test_a_dropout_outside_zero_to_one_is_refused_and_changes_nothing(dataset, bad) -> None:
    trainer = Trainer(tiny(dropout=0.1), dataset)
    with pytest.raises(ConfigError, match="dropout"):
        set_dropout(trainer, bad)
    assert trainer.config.dropout == 0.1
    assert all(layer.ratio == 0.1 for layer in trainer.model.dropouts)


@pytest.mark.parametrize("name", ["plateau", "cosine", "constant", "epoch-decay"])
def test_a_new_schedule_goes_on_from_the_current_rate(dataset, name) -> None:
    trainer = Trainer(tiny(schedule="cosine", warmup_steps=4, max_steps=40), dataset)
    for _ in range(10):
        trainer.step()
    before = trainer.lr
    set_schedule(trainer, name)
    assert trainer.schedule.name == name and trainer.config.schedule == name
    assert trainer.lr == pytest.approx(before)
    assert trainer.step().lr == pytest.approx(before)


def test_cosine_chosen_mid_run_decays_to_its_horizon_without_a_second_warm_up(dataset) -> None:
    trainer = Trainer(tiny(warmup_steps=5, max_steps=30), dataset)
    for _ in range(10):
        trainer.step()
    set_schedule(trainer, "cosine")
    rates = [trainer.step().lr for _ in range(20)]
    assert rates[0] == pytest.approx(0.01)
    assert all(a >= b for a, b in itertools.pairwise(rates))  # never up again
    assert rates[-1] > trainer.lr == pytest.approx(0.001)  # a tenth of it at step 30


def test_epoch_decay_chosen_mid_run_counts_the_runs_epochs_from_the_current_rate(
    dataset,
) -> None:
    """Chosen in epoch 3 with decay_after 1: the current rate now, halved at the start
    of each later epoch (the batcher's epochs), as the flag would from then on."""
    trainer = Trainer(tiny(decay_after=1, batch=8, bptt=16), dataset)
    per_epoch = trainer.batcher.steps_per_epoch
    for _ in range(2 * per_epoch + 1):
        trainer.step()
    set_schedule(trainer, "epoch-decay")
    rates = [trainer.step().lr for _ in range(2 * per_epoch)]
    step = 2 * per_epoch + 1
    expected = [0.01 * 0.5 ** ((s // per_epoch) - 2) for s in range(step, step + 2 * per_epoch)]
    assert rates == pytest.approx(expected)
    assert rates[0] == pytest.approx(0.01) and rates[-1] == pytest.approx(0.0025)


def test_cosine_chosen_before_the_first_step_warms_up_as_the_flag_does(dataset) -> None:
    chosen = Trainer(tiny(warmup_steps=5, max_steps=30), dataset)
    set_schedule(chosen, "cosine")
    flag = Trainer(tiny(schedule="cosine", warmup_steps=5, max_steps=30), dataset)
    assert [chosen.step().lr for _ in range(8)] == [flag.step().lr for _ in range(8)]


def test_a_name_that_is_no_schedule_is_refused(dataset) -> None:
    trainer = Trainer(tiny(), dataset)
    with pytest.raises(ConfigError, match="schedule must be one of constant, plateau, cosine"):
        set_schedule(trainer, "linear")
    with pytest.raises(ConfigError, match="cannot change during a run"):
        apply_setting(trainer, "hidden", 32)
    assert trainer.schedule.name == "constant"


def test_a_run_resumes_exactly_with_the_changed_settings(dataset, tmp_path) -> None:
    """A checkpoint after live changes resumes with them, continuing bit for bit."""
    trainer = Trainer(tiny(max_steps=40), dataset)
    for _ in range(5):
        trainer.step()
    set_dropout(trainer, 0.3)
    set_schedule(trainer, "cosine")
    trainer.step()
    trainer.save(tmp_path / "c.npz")
    resumed = Trainer.resume(tmp_path / "c.npz", dataset)
    assert resumed.config.dropout == 0.3 and resumed.schedule.name == "cosine"
    for _ in range(4):
        a, b = trainer.step(), resumed.step()
        assert a.loss == b.loss and a.lr == b.lr


def test_the_recorder_writes_the_change_where_a_resume_reads_it(dataset, tmp_path) -> None:
    run = Run(Trainer(tiny(), dataset), None, tmp_path)
    recorder = Recorder(run)
    recorder.start()
    for _ in range(3):
        recorder.record(run.trainer.step())
    set_dropout(run.trainer, 0.25)
    recorder.record_setting("dropout", 0.25)
    folder = run.folder.path
    lines = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1] == {"kind": "setting", "step": 3, "tokens": 3 * 32, "dropout": 0.25}
    assert json.loads((folder / "run.json").read_text())["config"]["dropout"] == 0.25
    last = Trainer.resume(folder / "last.npz", dataset)  # written with the change
    assert last.step_count == 3 and last.config.dropout == 0.25
    assert np.all([layer.ratio == 0.25 for layer in last.model.dropouts])
    recorder.close("done")


def test_before_its_folder_exists_a_change_waits_for_the_manifest(dataset, tmp_path) -> None:
    run = Run(Trainer(tiny(), dataset), None, tmp_path)
    recorder = Recorder(run)
    set_schedule(run.trainer, "plateau")
    recorder.record_setting("schedule", "plateau")  # no folder: nothing written yet
    assert run.folder is None
    recorder.start()
    assert json.loads((run.folder.path / "run.json").read_text())["config"]["schedule"] == "plateau"
    recorder.close("done")
