"""``--preset NAME``: a named recipe fills in settings; flags typed beside it win."""

from __future__ import annotations

import json

import pytest

from rnnplay.cli import build_parser
from rnnplay.cli.flags import config_from_args
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.presets import PRESETS
from tests.cli.conftest import TINY


def parsed(*argv: str) -> TrainConfig:
    return config_from_args(build_parser().parse_args(["train", *argv]))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_config_that_differs_from_the_defaults(name) -> None:
    settings = PRESETS[name].settings
    config = parsed("--preset", name)
    assert {key: getattr(config, key) for key in settings} == settings
    assert any(getattr(TrainConfig(), key) != value for key, value in settings.items())


def test_a_flag_typed_beside_the_preset_wins() -> None:
    config = parsed("--preset", "char-3min", "--hidden", "16", "--lr", "0.003")
    assert (config.hidden, config.lr) == (16, 0.003)
    assert config.schedule == PRESETS["char-3min"].settings["schedule"]
    assert config.max_steps == PRESETS["char-3min"].settings["max_steps"]


def test_the_help_names_each_preset(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["train", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert name in out


def test_an_unknown_preset_is_one_line_and_exit_2(cli, corpus, tmp_path) -> None:
    result = cli("train", "--corpus", corpus, "--preset", "nope", "--out", tmp_path / "o")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "--preset" in result.err
    assert not (tmp_path / "o").exists()


def test_a_run_trained_with_a_preset_stores_its_settings_and_resumes(cli, corpus, tmp_path):
    out = tmp_path / "run"
    small = [*TINY, "--max-steps", "4", "--eval-every", "2"]
    argv = ["train", "--corpus", corpus, "--preset", "char-3min", *small]
    assert cli(*argv, "--out", out, "--quiet").code == 0
    stored = load_checkpoint(out / "last.npz").meta["config"]
    assert stored["lr"] == PRESETS["char-3min"].settings["lr"]
    assert stored["schedule"] == "cosine"
    assert stored["hidden"] == 16  # typed, so not the preset's
    resumed = cli("train", "--resume", out / "last.npz", "--max-steps", "6", "--quiet")
    assert resumed.code == 0, resumed.err
    assert load_checkpoint(out / "last.npz").meta["step"] == 6


def test_ptb_small_is_zarembas_small_config() -> None:
    """The paper's small non-regularized model: every setting its recipe names."""
    config = parsed("--preset", "ptb-small")
    assert (config.level, config.cell, config.layers) == ("word", "lstm", 2)
    assert (config.embed, config.hidden, config.dropout) == (200, 200, 0.0)
    assert (config.batch, config.bptt, config.batching) == (20, 20, "streams")
    # the paper's lr 1 and clip 5 act on a loss summed over T=20 steps; ours is the mean
    assert (config.optimizer, config.lr, config.clip) == ("sgd", 20.0, 0.25)
    assert (config.schedule, config.decay_after, config.decay_factor) == ("epoch-decay", 4, 0.5)
    assert config.epochs == 13


def test_ptb_small_halves_the_rate_after_its_epochs_and_resumes_on_the_curve(
    cli, corpus, tmp_path
) -> None:
    """Tiny sizes on the word-level test text, decaying after the first epoch: the
    per-step rates in metrics.jsonl are 1.0 for the first epoch, then 0.5, and a
    resumed run continues the same curve."""
    out = tmp_path / "run"
    small = ["--embed", "8", "--hidden", "16", "--batch", "8", "--bptt", "8"]
    argv = ["train", "--corpus", corpus, "--preset", "ptb-small", *small, "--decay-after", "1"]
    argv += ["--lr", "1"]  # the preset's 20 is for PTB's 10k words, not this text
    assert cli(*argv, "--max-steps", "25", "--eval-every", "5", "--out", out, "--quiet").code == 0
    checkpoint = load_checkpoint(out / "last.npz")
    per_epoch = checkpoint.meta["schedule"]["steps_per_epoch"]
    assert 2 <= per_epoch < 25
    resumed = cli("train", "--resume", out / "last.npz", "--max-steps", "40", "--quiet")
    assert resumed.code == 0, resumed.err
    rates = {}
    for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] == "train":
            rates[record["step"]] = record["lr"]
    assert sorted(rates) == list(range(1, 41))
    assert rates == {s: 0.5 ** ((s - 1) // per_epoch) for s in range(1, 41)}
