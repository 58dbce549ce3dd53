"""``--forget-bias``: the initial LSTM forget-gate bias, 1.0 by default, 0 in the book's runs."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.cli import build_parser
from rnnplay.cli.flags import config_from_args
from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.trainer import Trainer
from tests.cli.conftest import TINY


def initial_forget_bias(corpus, *flags: str) -> np.ndarray:
    args = build_parser().parse_args(["train", "--corpus", str(corpus), *TINY, *flags])
    config = config_from_args(args)
    trainer = Trainer(config, load_dataset(config.corpus, level="char"))
    params = dict(zip(trainer.model.param_names, trainer.model.params, strict=True))
    hidden = trainer.model.config.hidden
    return params["rnn0.b"][:hidden]  # gates are laid out [f|g|i|o]


def test_the_flag_sets_the_initial_forget_gate_bias(corpus) -> None:
    assert np.all(initial_forget_bias(corpus) == 1.0)
    assert np.all(initial_forget_bias(corpus, "--forget-bias", "0") == 0.0)
    assert np.all(initial_forget_bias(corpus, "--forget-bias", "-0.5") == -0.5)


def test_the_checkpoint_keeps_it_and_resume_refuses_another(cli, corpus, tmp_path) -> None:
    out = tmp_path / "run"
    argv = ["train", "--corpus", corpus, *TINY, "--forget-bias", "0", "--max-steps", "2"]
    assert cli(*argv, "--out", out, "--quiet").code == 0
    saved = load_checkpoint(out / "last.npz")
    assert saved.model.config.forget_bias == 0.0
    assert saved.meta["config"]["forget_bias"] == 0.0
    refused = cli("train", "--resume", out / "last.npz", "--forget-bias", "1", "--quiet")
    assert refused.code == 2
    assert len(refused.err_lines) == 1
    assert "--forget-bias" in refused.err


@pytest.mark.parametrize("value", ["nan", "inf", "x"])
def test_a_bad_value_is_one_line_and_exit_2(cli, corpus, tmp_path, value) -> None:
    result = cli("train", "--corpus", corpus, "--forget-bias", value, "--out", tmp_path / "o")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "--forget-bias" in result.err
    assert not (tmp_path / "o").exists()
