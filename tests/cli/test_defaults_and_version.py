"""The headless CLI at first use: one sampling temperature, eval's own corpus,
one size per corpus, and ``--version`` everywhere."""

from __future__ import annotations

import json
import re

import pytest

from rnnplay.cli import build_parser
from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
from rnnplay.tui.sampling import SampleSettings


def test_sample_and_the_playground_share_one_default_temperature() -> None:
    args = build_parser().parse_args(["sample", "x.npz"])
    assert args.temperature == DEFAULT_TEMPERATURE == SampleSettings().temperature == 0.8


def test_eval_defaults_to_the_corpus_the_checkpoint_was_trained_on(cli, trained, corpus) -> None:
    result = cli("eval", trained / "checkpoint.npz", "--json")
    assert result.code == 0, result.err
    record = json.loads(result.out)
    assert record["corpus"] == str(corpus) and record["tokens"] > 0
    assert record["split"] == "valid"  # its validation split, not the whole text (issue 24)
    argv = ("eval", trained / "checkpoint.npz", "--corpus", corpus, "--split", "valid", "--json")
    given = json.loads(cli(*argv).out)
    assert given["loss"] == record["loss"]


def test_corpora_shows_one_size_per_corpus(cli) -> None:
    result = cli("corpora")
    lines = [line for line in result.out.splitlines() if not line.startswith("(")]
    assert result.code == 0 and len(lines) == 3
    for line in lines:
        assert len(re.findall(r"\d+(\.\d+)? [KM]B", line)) == 1, line


@pytest.mark.parametrize("argv", [["--version"], ["-V"], ["train", "-V"], ["sample", "--version"]])
def test_version_works_on_every_command(argv, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(argv)
    assert done.value.code == 0
    assert re.fullmatch(r"rnnplay \d+\.\d+\.\d+\n", capsys.readouterr().out)
