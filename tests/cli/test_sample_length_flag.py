"""``rnnplay --sample-length``: the Sample panel's length from the command line (issue 24).

``auto`` (the default) fills the panel; a number overrides it; anything else is
one line and exit 2 before the screen changes. The length travels in the typed
options a served tab reads.
"""

from __future__ import annotations

import json

import pytest

from rnnplay.cli import build_parser
from rnnplay.cli.playground import options_from_args
from rnnplay.core.runs.options import PlaygroundOptions
from rnnplay.core.train.config import TrainConfig
from rnnplay.errors import ConfigError


@pytest.mark.parametrize(("typed", "length"), [([], None), (["auto"], None), (["1,500"], 1500)])
def test_the_flag_gives_the_sessions_sample_length(typed, length) -> None:
    flag = ["--sample-length", *typed] if typed else []
    options = options_from_args(build_parser().parse_args(flag))
    assert options.sample_length == length
    assert PlaygroundOptions.from_json(options.to_json()) == options


@pytest.mark.parametrize("bad", ["0", "-3", "many", "20001"])
def test_a_length_that_cannot_be_used_is_one_line_and_exit_2(cli, bad) -> None:
    result = cli("--sample-length", bad)
    assert result.code == 2
    assert result.err_lines == [
        f"rnnplay: error: --sample-length must be auto or a whole number from 1 to 20,000, "
        f"got {bad!r}"
    ]


@pytest.mark.parametrize("bad", [0, True, "200", 10**9])
def test_options_refuse_a_sample_length_that_is_not_a_count(bad) -> None:
    data = json.loads(PlaygroundOptions(TrainConfig()).to_json())
    data["sample_length"] = bad
    with pytest.raises(ConfigError, match="'sample_length'"):
        PlaygroundOptions.from_json(json.dumps(data))
