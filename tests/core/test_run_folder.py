"""Run folders: one writer (an flock released by any death), race-free fresh names,
a manifest that follows the run, and list_runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rnnplay.core.store.run_folder import RunFolder, claim_fresh, claim_named
from rnnplay.core.store.run_summaries import list_runs, read_run
from rnnplay.errors import RunError

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_writer_is_refused_with_the_folder_and_the_holders_pid(tmp_path):
    first = RunFolder(tmp_path / "run").acquire()
    with pytest.raises(RunError) as refused:
        RunFolder(tmp_path / "run").acquire()
    message = str(refused.value)
    assert str(tmp_path / "run") in message and f"process {os.getpid()}" in message
    first.release()
    assert not (tmp_path / "run" / ".lock").exists()
    with RunFolder(tmp_path / "run") as again:
        assert again.locked


def test_a_lock_left_by_kill_9_does_not_block(tmp_path):
    folder = tmp_path / "run"
    code = (
        "import sys, time; from rnnplay.core.store.run_folder import RunFolder; "
        f"RunFolder({str(folder)!r}).acquire(); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(RunError, match=f"process {proc.pid}"):
            RunFolder(folder).acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert (folder / ".lock").exists(), "kill -9 leaves the file behind..."
    taken = RunFolder(folder).acquire()  # ...but not the lock
    assert taken.holder_pid() == os.getpid()
    taken.release()


def test_fresh_names_are_race_free_across_threads_and_processes(tmp_path):
    root = tmp_path / "runs"
    claimed: list[RunFolder] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        claimed.append(claim_fresh(root))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = sorted(f.path.name for f in claimed)
    assert len(set(names)) == 8 and set(names) == {f"run-{n}" for n in range(1, 9)}

    code = (
        "import sys; from rnnplay.core.store.run_folder import claim_fresh; "
        f"print(claim_fresh({str(root)!r}).path.name)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    got = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert sorted(got) == sorted(f"run-{n}" for n in range(9, 13))
    assert claim_named(root / "run-3").path.name == "run-3-2"


def test_the_manifest_follows_the_run_and_list_runs_reads_it(tmp_path):
    folder = claim_fresh(tmp_path / "runs")
    folder.start({"model": "lstm", "hidden": 8}, resumed_from=None)
    (folder.metrics).write_text(
        "\n".join(
            json.dumps(r)
            for r in (
                {"kind": "train", "step": 1, "loss": 3.0},
                {"kind": "eval", "step": 1, "loss": 2.5},
                {"kind": "train", "step": 2, "loss": 2.0},
                {"kind": "eval", "step": 2, "loss": 2.7},
            )
        )
        + '\n{"kind": "tr'
    )
    (folder.last).write_bytes(b"stand-in")
    live = read_run(folder.path)
    assert live.status == "running" and live.writer_pid == os.getpid()
    folder.update(status="done", last_step=2)
    folder.release()
    manifest = json.loads(folder.manifest_path.read_text())
    assert manifest["status"] == "done" and manifest["config"]["hidden"] == 8
    assert manifest["rnnplay"] and manifest["created"] <= manifest["updated"]

    (tmp_path / "runs" / "not-a-run").mkdir()
    [summary] = list_runs([tmp_path / "runs"])
    assert (summary.name, summary.status, summary.steps) == ("run-1", "done", 2)
    assert (summary.best_val_loss, summary.best_step) == (2.5, 1)
    assert summary.last_train_loss == 2.0 and summary.checkpoints == ["last.npz"]
    assert list_runs([folder.path, tmp_path / "runs"]) == [summary]


def test_a_run_said_running_without_a_live_writer_reads_as_stopped(tmp_path):
    folder = claim_fresh(tmp_path / "runs")
    folder.start({})
    folder.release()
    (folder.path / ".lock").write_text("999999999\n")
    assert read_run(folder.path).status == "stopped"


def test_discarding_a_run_without_checkpoints_leaves_nothing(tmp_path):
    folder = RunFolder(tmp_path / "new").acquire()
    folder.start({})
    folder.metrics.write_text("{}\n")
    assert folder.discard_if_empty()
    assert not (tmp_path / "new").exists()
    kept = RunFolder(tmp_path / "kept").acquire()
    kept.best.write_bytes(b"x")
    assert not kept.discard_if_empty() and kept.best.exists()
    kept.release()


def test_save_names_are_plain(tmp_path):
    folder = RunFolder(tmp_path / "r")
    assert folder.save_path("step-10") == tmp_path / "r" / "saves" / "step-10.npz"
    for bad in ("", "../x", ".hidden", "a/b"):
        with pytest.raises(RunError):
            folder.save_path(bad)
