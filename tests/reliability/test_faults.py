"""Faults during training: kill -9, Ctrl-C, SIGTERM, a full disk. Nothing saved is lost.

- ``kill -9`` at random moments, half of them aimed at checkpoint writes (the
  process is killed the moment a temporary checkpoint file appears): every
  checkpoint left in OUT loads and resumes. ``RNNPLAY_FAULT_REPS`` sets the
  number of kills (4 in CI, 20 in the documented full run).
- SIGINT and SIGTERM save ``last.npz`` at the step reached and exit 130; the
  run resumed from it gives the same losses as a run never interrupted.
- A disk that fills up while a checkpoint is written (a patched write in
  process, and a real too-small tmpfs where the system allows mounting one)
  ends with one line saying the previous checkpoint is intact, and it is.
"""

from __future__ import annotations

import errno
import io
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from tests.reliability.helpers import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    TINY_MODEL,
    assert_clean_failure,
    cli_env,
    command,
    fault_reps,
    file_digest,
    read_metrics,
    run_cli,
    train_losses,
    wait_for,
)

FAULT_SEED = int(os.environ.get("RNNPLAY_FAULT_SEED", "20240611"))

KILL_MODEL = ("--embed", "32", "--hidden", "128", "--batch", "4", "--bptt", "8")
"""Big enough that writing a checkpoint (about 1 MB, fsync'ed) takes a visible while."""


def start_training(corpus: Path, out: Path, *flags: str, cwd: Path) -> subprocess.Popen:
    argv = command(("train", "--corpus", corpus, *flags, "--out", out, "--quiet"))
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env=cli_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def temporary_files(out: Path) -> list[str]:
    try:
        return [entry.name for entry in os.scandir(out) if entry.name.endswith(".tmp")]
    except FileNotFoundError:
        return []


def checkpoint_step(path: Path) -> int:
    return int(load_checkpoint(path).meta["step"])


def test_kill_9_at_random_moments_and_during_writes_loses_no_checkpoint(
    tmp_path: Path, corpus_file: Path
) -> None:
    rng = random.Random(FAULT_SEED)
    reps = fault_reps()
    hits_in_writes = 0
    resumes = 0
    for rep in range(reps):
        out = tmp_path / f"kill-{rep}"
        aim_at_writes = rep % 2 == 1
        proc = start_training(
            corpus_file,
            out,
            *KILL_MODEL,
            "--max-steps",
            "100000",
            "--eval-every",
            str(rng.choice((1, 2, 3))),
            "--seed",
            str(rep),
            cwd=tmp_path,
        )
        try:
            wait_for(lambda: (out / "last.npz").exists(), 60, "the first checkpoint")  # noqa: B023
            if aim_at_writes:
                wait_for(lambda: temporary_files(out), 30, "a checkpoint write", 0.0002)  # noqa: B023
            else:
                time.sleep(rng.uniform(0.0, 0.5))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        if temporary_files(out):
            hits_in_writes += 1

        checkpoints = sorted(out.glob("*.npz"))  # checkpoint.npz before last.npz
        assert checkpoints[-1] == out / "last.npz"
        records = read_metrics(out / "metrics.jsonl", allow_partial_last=True)
        last_logged = max(r["step"] for r in records if r["kind"] == "train")
        for path in checkpoints:
            step = checkpoint_step(path)
            assert 0 < step <= last_logged
            # The best checkpoint continues elsewhere; last.npz in place, as a user
            # would (which also rewrites OUT/metrics.jsonl up to its step).
            in_place = path.name == "last.npz"
            target = out if in_place else tmp_path / f"resumed-{rep}-{path.stem}"
            result = run_cli(
                "train", "--resume", path, "--max-steps", str(step + 2),
                *(() if in_place else ("--out", target)), "--quiet", cwd=tmp_path,
            )  # fmt: skip
            assert result.returncode == 0, result.describe()
            resumes += 1
            logged = [
                r["step"] for r in read_metrics(target / "metrics.jsonl") if r["kind"] == "train"
            ]
            expected = list(range(1, step + 3)) if in_place else [step + 1, step + 2]
            assert logged == expected, "each step logged once, in order"
    # Kills aimed at writes do land inside them: such a kill leaves the temporary
    # file behind (never read, never mistaken for a checkpoint). A kill can still
    # arrive just after the rename, so not every aimed kill has to count.
    assert hits_in_writes >= max(1, reps // 4)
    print(f"kill -9: {reps} kills, {hits_in_writes} inside a checkpoint write, {resumes} resumes")


@pytest.mark.parametrize(
    ("sig", "said"),
    [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "SIGTERM")],
    ids=["INT", "TERM"],
)
def test_a_signal_saves_last_and_the_resumed_run_loses_nothing(
    sig: signal.Signals, said: str, tmp_path: Path, corpus_file: Path
) -> None:
    rng = random.Random(FAULT_SEED + sig)
    out = tmp_path / "run"
    flags = (*TINY_MODEL, "--dropout", "0.1", "--batching", "random", "--seed", "9")
    proc = start_training(
        corpus_file, out, *flags, "--max-steps", "1000000", "--eval-every", "25", cwd=tmp_path
    )
    target = rng.randint(5, 60)
    try:
        wait_for(
            lambda: (
                (out / "metrics.jsonl").exists()
                and len(read_metrics(out / "metrics.jsonl", allow_partial_last=True)) >= target
            ),
            60,
            f"{target} metrics records",
        )
    finally:
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and said in lines[0] and str(out / "last.npz") in lines[0], stderr
    assert "--resume" in lines[0]

    stopped_at = checkpoint_step(out / "last.npz")
    logged = train_losses(read_metrics(out / "metrics.jsonl"))
    assert stopped_at == max(logged), "last.npz holds the step reached, not an older one"

    more = stopped_at + 3
    resumed = run_cli(
        "train", "--resume", out / "last.npz", "--max-steps", str(more), "--quiet", cwd=tmp_path
    )
    assert resumed.returncode == 0, resumed.describe()
    straight_out = tmp_path / "straight"
    straight = run_cli(
        "train", "--corpus", corpus_file, *flags, "--max-steps", str(more), "--eval-every", "25",
        "--out", straight_out, "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert straight.returncode == 0, straight.describe()
    expected = train_losses(read_metrics(straight_out / "metrics.jsonl"))
    got = train_losses(read_metrics(out / "metrics.jsonl"))
    assert got == expected, "interrupted + resumed must equal uninterrupted, bit for bit"


def test_a_second_ctrl_c_gives_up_at_once_and_leaves_loadable_files(
    tmp_path: Path, corpus_file: Path
) -> None:
    out = tmp_path / "run"
    proc = start_training(
        corpus_file, out, *KILL_MODEL, "--max-steps", "100000", "--eval-every", "1", cwd=tmp_path
    )
    try:
        wait_for(lambda: (out / "last.npz").exists(), 60, "the first checkpoint")
        wait_for(lambda: temporary_files(out), 30, "a checkpoint write", 0.0002)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    for path in out.glob("*.npz"):
        load_checkpoint(path)


# -- a full disk --------------------------------------------------------------------------------
def test_full_disk_while_saving_keeps_the_previous_checkpoint(
    tmp_path: Path, corpus_file: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """In process: the third checkpoint write runs out of space half way through.

    This proves the handling of ENOSPC from the write itself (the partial
    temporary file, the message, the exit code); the tmpfs test below proves
    it against a real file system where one can be mounted.
    """
    from rnnplay import cli

    real_savez = np.savez
    out = tmp_path / "run"
    calls = []
    before_failure: dict[str, str] = {}

    def savez_on_a_filling_disk(file, *args, **kwargs):
        calls.append(1)
        if len(calls) < 3:
            return real_savez(file, *args, **kwargs)
        for path in out.glob("*.npz"):
            before_failure[path.name] = file_digest(path)
        buffer = io.BytesIO()
        real_savez(buffer, *args, **kwargs)
        file.write(buffer.getvalue()[: buffer.tell() // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "savez", savez_on_a_filling_disk)
    args = ["train", "--corpus", str(corpus_file), *TINY_MODEL, "--max-steps", "6"]
    code = cli.main([*args, "--eval-every", "2", "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "No space left on device" in lines[0] and "intact" in lines[0]
    assert len(calls) == 3 and set(before_failure) == {"checkpoint.npz", "last.npz"}
    for name, digest in before_failure.items():
        assert file_digest(out / name) == digest, f"{name} changed"
        load_checkpoint(out / name)
    assert temporary_files(out) == []


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """Mount a tiny tmpfs (root with CAP_SYS_ADMIN only); yields (mount point, mount)."""
    point = tmp_path / "small-disk"
    point.mkdir()
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")

    def mount_with(size_bytes: int) -> Path:
        done = subprocess.run(
            [mount, "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(point)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        return point

    yield mount_with
    subprocess.run(["umount", str(point)], capture_output=True)


def test_a_real_full_disk_keeps_the_previous_checkpoint(
    small_tmpfs, tmp_path: Path, corpus_file: Path
) -> None:
    """A tmpfs holding two checkpoints and a half: the first evaluation saves both,
    the second runs out of space while writing its temporary file."""
    flags = (*KILL_MODEL, "--eval-every", "2", "--quiet")
    reference = tmp_path / "reference"
    first = run_cli(
        "train", "--corpus", corpus_file, *flags, "--max-steps", "2", "--out", reference,
        cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.describe()
    size = (reference / "last.npz").stat().st_size
    disk = small_tmpfs(int(size * 2.5) // 4096 * 4096)
    out = disk / "run"
    result = run_cli(
        "train", "--corpus", corpus_file, *flags, "--max-steps", "4", "--out", out, cwd=tmp_path
    )
    assert_clean_failure(result, "No space left on device", "intact")
    assert temporary_files(out) == []
    for name in ("checkpoint.npz", "last.npz"):
        saved = load_checkpoint(out / name)
        kept = load_checkpoint(reference / name)
        assert saved.meta["step"] == 2
        for a, b in zip(saved.model.params, kept.model.params, strict=True):
            np.testing.assert_array_equal(a, b)
