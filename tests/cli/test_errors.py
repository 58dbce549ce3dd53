"""main()'s one error mechanism: user errors are one line and exit 2; a bug exits 1
with a one-line summary naming a file that holds its traceback; no import circle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rnnplay.errors import EXIT_BUG, EXIT_USAGE, RunError


def test_a_bug_exits_1_and_names_the_traceback_file(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken():
        raise ValueError("an internal invariant broke")  # a bare ValueError is a bug

    monkeypatch.setattr("rnnplay.core.data.corpus.list_builtins", broken)
    result = cli("corpora")
    assert result.code == EXIT_BUG
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert line.startswith("rnnplay: error: internal error")
    assert "ValueError: an internal invariant broke" in line
    assert "Traceback" not in result.err
    reports = list((tmp_path / "state" / "rnnplay").glob("rnnplay-crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in line
    text = reports[0].read_text()
    assert "Traceback (most recent call last)" in text and "def broken" not in text
    assert "in broken" in text and "'corpora'" in text


def test_an_rnnplay_error_anywhere_is_one_line_and_exit_2(cli, monkeypatch):
    def refuse():
        raise RunError("runs/x is locked by process 12\nsecond line")

    monkeypatch.setattr("rnnplay.core.data.corpus.list_builtins", refuse)
    result = cli("corpora")
    assert result.code == EXIT_USAGE
    assert result.err_lines == ["rnnplay: error: runs/x is locked by process 12 second line"]


def test_a_prime_the_vocabulary_lacks_is_a_user_error(cli, trained):
    result = cli("sample", trained / "last.npz", "--prime", "\u2603 snow", "--length", "3")
    assert result.code == EXIT_USAGE and len(result.err_lines) == 1
    assert "the prime has characters the vocabulary lacks" in result.err


def test_asking_for_a_test_split_that_is_absent_is_a_config_error(corpus):
    from rnnplay.core.data.corpus import load_dataset
    from rnnplay.core.train.config import TrainConfig
    from rnnplay.core.train.trainer import Trainer
    from rnnplay.errors import ConfigError

    config = TrainConfig(corpus=str(corpus), embed=8, hidden=8, batch=2, bptt=4)
    trainer = Trainer(config, load_dataset(str(corpus), level="char"))
    with pytest.raises(ConfigError, match="no test split"):
        trainer.evaluate("test")
    with pytest.raises(ConfigError, match="learning rate"):
        trainer.lr = -1.0


@pytest.mark.parametrize(
    "module",
    ["rnnplay.cli", "rnnplay.cli.train", "rnnplay.cli.race", "rnnplay.cli.serve"],
)
def test_each_command_module_imports_first_without_an_import_circle(module: str) -> None:
    """A command module imported first, before the package's parser exists, loads (an
    import circle between the parser and a command would fail here) and loads no face
    but the CLI."""
    code = (
        f"import sys, {module}; "
        "print(any(m.startswith(('rnnplay.tui', 'rnnplay.serve.')) for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    ).stdout.split()
    assert out == ["False"]
