"""Hostile checkpoints through the real CLI: refused in one line, nothing runs, memory bounded.

``tests/core/test_checkpoint.py`` proves the loader refuses these files; here
every command that opens a checkpoint (``sample``, ``eval``, ``train --resume``
and the playground's ``--checkpoint``) is shown to go through that loader, to
fail cleanly, to leave the folder untouched, and never to run the pickled
payload (it would create a marker file). The zip bombs are also measured:
the child's peak resident memory must stay near that of sampling a good file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.reliability import hostile
from tests.reliability.helpers import (
    assert_clean_failure,
    assert_unchanged,
    run_cli,
    snapshot,
)

BOMB_MIB = 256
REFUSED = sorted(hostile.REFUSED_EVERYWHERE)
TAMPERED = sorted(hostile.TRAINING_STATE_TAMPERING)
OTHER_COMMANDS = ("eval", "tui", "resume")


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory, tiny_run: Path) -> Path:
    """Every hostile file, built once from the tiny run's last.npz (a resumable checkpoint)."""
    folder = tmp_path_factory.mktemp("hostile")
    good = tiny_run / "last.npz"
    marker = folder.parent / "MARKER-hostile"
    for name, (build, _) in hostile.REFUSED_EVERYWHERE.items():
        build(good, folder / f"{name}.npz", marker)
    for name, build in hostile.TRAINING_STATE_TAMPERING.items():
        build(good, folder / f"{name}.npz", marker)
    return folder


@pytest.fixture
def marker(hostile_dir: Path):
    path = hostile_dir.parent / "MARKER-hostile"
    assert not path.exists()
    yield path
    assert not path.exists(), "a pickled payload ran"


def command_line(kind: str, path: Path, corpus: Path) -> tuple:
    return {
        "sample": ("sample", path, "--length", "5"),
        "eval": ("eval", path, "--corpus", corpus),
        "tui": ("--checkpoint", path),
        "resume": ("train", "--resume", path, "--max-steps", "6", "--quiet"),
    }[kind]


def test_the_pickle_payload_is_live(tmp_path: Path) -> None:
    """Without the loader's guard the payload does run: the marker tests are meaningful."""
    proof = tmp_path / "proof"
    (tmp_path / "payload.npy").write_bytes(hostile.pickled_object_array(proof))
    np.load(tmp_path / "payload.npy", allow_pickle=True)
    assert proof.exists()


# Every file through `sample`, and through one other command in turn, so that each
# command is shown to refuse a share of the hostile files.
REFUSAL_CASES = [("sample", name) for name in REFUSED] + [
    (OTHER_COMMANDS[i % len(OTHER_COMMANDS)], name) for i, name in enumerate(REFUSED)
]


@pytest.mark.parametrize(
    ("kind", "name"), REFUSAL_CASES, ids=[f"{k}-{n}" for k, n in REFUSAL_CASES]
)
def test_hostile_checkpoint_is_refused(
    kind: str, name: str, hostile_dir: Path, marker: Path, corpus_file: Path, tmp_path: Path
) -> None:
    path = hostile_dir / f"{name}.npz"
    _, needle = hostile.REFUSED_EVERYWHERE[name]
    before = snapshot(hostile_dir, tmp_path)
    result = run_cli(*command_line(kind, path, corpus_file), cwd=tmp_path)
    assert_clean_failure(result, path.name, needle)
    assert_unchanged(before, snapshot(hostile_dir, tmp_path))


TAMPER_CASES = [("resume" if i % 2 == 0 else "tui", name) for i, name in enumerate(TAMPERED)]


@pytest.mark.parametrize(("kind", "name"), TAMPER_CASES, ids=[f"{k}-{n}" for k, n in TAMPER_CASES])
def test_damaged_training_state_is_refused_before_training(
    kind: str, name: str, hostile_dir: Path, corpus_file: Path, tmp_path: Path
) -> None:
    """The weights are fine, the training state is not: resuming must refuse it up
    front with one line (not crash, not fail at the first step)."""
    path = hostile_dir / f"{name}.npz"
    before = snapshot(hostile_dir, tmp_path)
    result = run_cli(*command_line(kind, path, corpus_file), cwd=tmp_path)
    line = assert_clean_failure(result)
    assert path.name in line, line
    assert "metadata field meta." in line or "damaged training state" in line, line
    assert_unchanged(before, snapshot(hostile_dir, tmp_path))


def test_zip_bombs_are_refused_in_bounded_memory(
    hostile_dir: Path, tiny_run: Path, tmp_path: Path
) -> None:
    """Peak RSS of the child (its own, via wait4) stays within 32 MiB of sampling
    a good checkpoint, while the bomb would expand to 256 MiB."""
    baseline = run_cli(
        "sample", tiny_run / "last.npz", "--length", "5", cwd=tmp_path, measure_memory=True
    )
    assert baseline.returncode == 0, baseline.describe()
    for name in ("zip-bomb-lying-manifest", "zip-bomb-honest-manifest"):
        bomb = hostile_dir / f"{name}.npz"
        assert bomb.stat().st_size < BOMB_MIB * 1024**2 // 100
        result = run_cli("sample", bomb, "--length", "5", cwd=tmp_path, measure_memory=True)
        assert_clean_failure(result, bomb.name)
        assert result.max_rss_kib < baseline.max_rss_kib + 32 * 1024, (
            name,
            result.max_rss_kib,
            baseline.max_rss_kib,
        )


def test_sample_does_not_need_the_training_state(hostile_dir: Path, tmp_path: Path) -> None:
    """The tampered training state does not matter to `sample` (it never reads it):
    the weights are valid, so sampling works and prints only text."""
    result = run_cli(
        "sample", hostile_dir / "hidden-state-wrong-width.npz", "--length", "5", cwd=tmp_path
    )
    assert result.returncode == 0, result.describe()
    assert result.stderr == "" and len(result.stdout.rstrip("\n")) <= 5
