"""``--threads N`` pins NumPy's BLAS pool; nonsense is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from rnnplay.core.train import threads
from tests.cli.conftest import TINY


def test_threads_flag_pins_the_blas_pool(cli, corpus: Path, tmp_path: Path) -> None:
    try:
        result = cli(
            "train", "--corpus", corpus, *TINY, "--max-steps", "2", "--threads", "1",
            "--out", tmp_path / "run", "--quiet",
        )  # fmt: skip
        assert result.code == 0, result.err
        assert threads.blas_threads() == 1
        governor = threads.governor()
        assert governor is not None and governor.pinned == 1
    finally:
        threads.uninstall()
        threads.set_blas_threads(threads.env_threads() or 2)


def test_threads_below_one_is_refused(cli, corpus: Path, tmp_path: Path) -> None:
    result = cli("train", "--corpus", corpus, "--threads", "0", "--out", tmp_path / "run")
    assert result.code == 2
    assert result.err_lines == ["rnnplay: error: --threads must be at least 1, got 0"]
    assert not (tmp_path / "run").exists()


def test_the_playground_leaves_room_for_its_ui_thread(monkeypatch) -> None:
    import argparse

    from rnnplay.cli.flags import install_threads

    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    try:
        install_threads(argparse.Namespace(), ui=True)
        governor = threads.governor()
        assert governor is not None and governor.pinned is None
        assert governor.reserve == threads.UI_SHARE
        install_threads(argparse.Namespace(), ui=False)
        assert threads.governor().reserve == 0.0
    finally:
        threads.uninstall()
        threads.set_blas_threads(threads.env_threads() or 2)
