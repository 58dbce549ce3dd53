"""TrainConfig: defaults in one place, one-line refusals of absurd values, memory estimate."""

from __future__ import annotations

import math

import pytest

from rnnplay.core.train.config import MEMORY_LIMIT_BYTES, ConfigError, TrainConfig


def test_defaults_are_valid_and_round_trip_through_json() -> None:
    config = TrainConfig().validate()
    assert config.cell == "lstm" and config.corpus == "sonnets"
    assert TrainConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"embed": 0}, "--embed"),
        ({"hidden": -3}, "--hidden"),
        ({"layers": 0}, "--layers"),
        ({"batch": 0}, "--batch"),
        ({"bptt": -1}, "--bptt"),
        ({"lr": 0.0}, "--lr"),
        ({"lr": -0.1}, "--lr"),
        ({"lr": math.nan}, "--lr"),
        ({"lr": math.inf}, "--lr"),
        ({"clip": 0.0}, "--clip"),
        ({"max_steps": 0}, "--max-steps"),
        ({"epochs": 0.0}, "--epochs"),
        ({"max_seconds": -1.0}, "--max-seconds"),
        ({"eval_every": 0}, "--eval-every"),
        ({"dropout": 1.0}, "--dropout"),
        ({"dropout": -0.01}, "--dropout"),
        ({"val_fraction": 0.0}, "--val-fraction"),
        ({"val_fraction": 1.0}, "--val-fraction"),
        ({"tie": True}, "--tie"),
        ({"cell": "transformer"}, "--cell"),
        ({"optimizer": "lbfgs"}, "--optimizer"),
        ({"schedule": "step"}, "--schedule"),
        ({"batching": "shuffle"}, "--batching"),
        ({"level": "byte"}, "--level"),
        ({"max_vocab": 1}, "--max-vocab"),
        ({"seed": -1}, "--seed"),
        ({"hidden": 2.5}, "--hidden"),
    ],
)
def test_absurd_values_are_refused_with_one_line_naming_the_flag(changes, flag) -> None:
    with pytest.raises(ConfigError) as info:
        TrainConfig(**changes).validate()
    message = str(info.value)
    assert flag in message and "\n" not in message


def test_tie_is_fine_when_embed_equals_hidden() -> None:
    TrainConfig(tie=True, embed=32, hidden=32).validate()


def test_huge_models_are_refused_up_front_with_the_estimate() -> None:
    with pytest.raises(ConfigError, match=r"about [\d.e+]+ GiB") as info:
        TrainConfig(hidden=100_000).validate()
    assert "limit" in str(info.value)
    # astronomically many layers are refused by their range (limits.MAX_LAYERS)
    with pytest.raises(ConfigError, match=r"--layers must be a whole number in \[1, 64\]"):
        TrainConfig(layers=10**12).validate()


def test_memory_estimate_grows_with_vocabulary_and_batch() -> None:
    config = TrainConfig()
    params_small, acts_small = config.estimate_memory(100)
    params_big, acts_big = config.estimate_memory(10_000)
    assert params_big > params_small and acts_big > acts_small
    assert sum(config.replace(batch=64).estimate_memory(100)) > params_small + acts_small
    # a big word vocabulary with a big batch goes over the limit only at check time
    wide = TrainConfig(level="word", hidden=1024, embed=1024, batch=256, bptt=256)
    wide.validate()
    with pytest.raises(ConfigError, match="GiB"):
        wide.check_memory(vocab_size=50_000)
    assert sum(wide.estimate_memory(50_000)) > MEMORY_LIMIT_BYTES


def test_from_json_refuses_unknown_settings() -> None:
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        TrainConfig.from_json({"colour": "red"})
