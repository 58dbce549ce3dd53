"""Input at the edges: numbers at the edge of their dtype, corpora that are not
regular files or too big, checkpoints with non-finite weights or hostile stored
corpus paths, and SIGTERM before the first step.

Same promise as ``test_refusals_touch_nothing.py`` (one line, exit 2, no traceback, the
folder unchanged, no hang), and no warning line leaks (``--quiet`` or not).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core import limits
from rnnplay.core.train.config import TrainConfig
from tests.reliability.helpers import (
    EXIT_INTERRUPTED,
    TINY_MODEL,
    assert_clean_failure,
    assert_unchanged,
    cli_env,
    command,
    header_of,
    npy_bytes,
    read_members,
    run_cli,
    snapshot,
    with_header,
    write_members,
)
from tests.reliability.test_refusals_touch_nothing import CKPT, Case, build_workspace, train

CASES = [
    # -- numbers: a finite range in the dtype each ends up in ---------------------------------
    Case("forget-bias-1e39", train("--forget-bias", "1e39"), ("--forget-bias", "1000")),
    Case("lr-1e39", train("--lr", "1e39"), ("--lr", "1e+30")),
    Case("lr-inf", train("--lr", "inf"), ("--lr", "finite")),
    Case("epochs-1e308", train("--epochs", "1e308"), ("--epochs", "1e+06")),
    Case("max-seconds-1e300", train("--max-seconds", "1e300"), ("--max-seconds",)),
    Case("clip-1e300", train("--clip", "1e300"), ("--clip", "1e+06")),
    Case("max-steps-10e30", train("--max-steps", str(10**30)), ("--max-steps",)),
    Case("eval-every-huge", train("--eval-every", str(10**30)), ("--eval-every",)),
    Case("layers-1e9", train("--layers", str(10**9)), ("--layers", "64")),
    Case("seed-2e64", train("--seed", str(2**64)), ("--seed",)),
    Case("max-vocab-huge", train("--max-vocab", str(10**12)), ("--max-vocab",)),
    Case("tui-forget-bias-1e39", ("--forget-bias", "1e39"), ("--forget-bias",)),
    Case("sample-length-1e13", ("sample", CKPT, "--length", str(10**13)), ("--length",)),
    Case("sample-temperature-1e300", ("sample", CKPT, "--temperature", "1e300"), ("--temp",)),
    Case("sample-seed-2e64", ("sample", CKPT, "--seed", str(2**64)), ("--seed",)),
    # -- corpora: only regular files, bounded ---------------------------------------------------
    Case("corpus-fifo", train(corpus="../special/pipe"), ("pipe", "named pipe", "regular files")),
    Case("corpus-dev-zero", train(corpus="/dev/zero"), ("/dev/zero", "character device")),
    Case("corpus-dev-null", train(corpus="/dev/null"), ("/dev/null", "character device")),
    Case("corpus-socket", train(corpus="../special/sock"), ("sock", "socket")),
    Case("corpus-too-big", train(corpus="../special/huge.txt"), ("huge.txt", "MiB", "head -c")),
    Case("valid-fifo", train("--valid", "../special/pipe"), ("pipe", "named pipe")),
    Case("eval-corpus-fifo", ("eval", CKPT, "--corpus", "../special/pipe"), ("pipe", "named pipe")),
    Case("tui-corpus-fifo", ("--corpus", "../special/pipe"), ("pipe", "named pipe")),
    # -- checkpoints: non-finite weights, hostile stored corpus paths -----------------------
    Case("sample-nan-weights", ("sample", "broken/nan.npz"), ("nan.npz", "non-finite")),
    Case("eval-nan-weights", ("eval", "broken/nan.npz", "--json"), ("nan.npz", "non-finite")),
    Case("resume-inf-state", ("train", "--resume", "broken/inf-state.npz"), ("non-finite",)),
    Case("tui-nan-weights", ("--checkpoint", "broken/nan.npz"), ("non-finite",)),
    Case("resume-stored-fifo", ("train", "--resume", "broken/fifo-corpus.npz"), ("named pipe",)),
    Case("resume-stored-dev-zero", ("train", "--resume", "broken/zero-corpus.npz"), ("/dev/zero",)),
    Case("eval-stored-fifo", ("eval", "broken/fifo-corpus.npz"), ("named pipe",)),
    Case("tui-stored-fifo", ("--checkpoint", "broken/fifo-corpus.npz"), ("named pipe",)),
    Case("tui-stored-dev-zero", ("--checkpoint", "broken/zero-corpus.npz"), ("/dev/zero",)),
    Case(
        "resume-escape-in-name",
        ("train", "--resume", "broken/escape.npz"),
        ("escape.npz", "\\x1b[2J"),
    ),
]


def _with_stored(members: dict, edit) -> dict:
    header = header_of(members)
    edit(header)
    return with_header(members, header)


def build_edge_files(root: Path, special: Path) -> None:
    """The edge cases' files: broken checkpoints in the round-1 workspace ``root``,
    special files (which a snapshot cannot read) in the folder ``special`` beside it."""
    special.mkdir()
    os.mkfifo(special / "pipe")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(special / "sock"))
    server.close()
    with open(special / "huge.txt", "wb") as huge:  # sparse: no disk spent
        huge.truncate(limits.MAX_CORPUS_BYTES + 1)
    broken = root / "broken"
    members = read_members(root / "run" / "last.npz")
    nan = dict(members)
    weights = np.load(root / "run" / "last.npz")["param/embed.W"].copy()
    weights[0, 0] = np.nan
    nan["param/embed.W.npy"] = npy_bytes(weights)
    write_members(broken / "nan.npz", nan)
    state = [name for name in members if name.startswith("extra/state.0.h")]
    inf = dict(members)
    carried = np.load(root / "run" / "last.npz")[state[0][: -len(".npy")]].copy()
    carried[0, 0] = np.inf
    inf[state[0]] = npy_bytes(carried)
    write_members(broken / "inf-state.npz", inf)

    def stored(corpus: str):
        return lambda h: h["meta"]["config"].update(corpus=corpus)

    write_members(broken / "fifo-corpus.npz", _with_stored(members, stored(str(special / "pipe"))))
    write_members(broken / "zero-corpus.npz", _with_stored(members, stored("/dev/zero")))
    escape = _with_stored(members, lambda h: h["meta"].update(step="\x1b[2J"))
    write_members(broken / "escape.npz", escape)


@pytest.fixture
def workspace(tmp_path: Path, tiny_run: Path, corpus_file: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    build_workspace(root, tiny_run, corpus_file)
    build_edge_files(root, tmp_path / "special")
    return root


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_edge_input_is_refused_in_one_line_and_touches_nothing(case: Case, workspace: Path) -> None:
    before = snapshot(workspace)
    result = run_cli(*case.args, cwd=workspace, timeout=30)
    line = assert_clean_failure(result, *case.needles)
    assert "Warning" not in result.stderr and "\x1b" not in line
    assert_unchanged(before, snapshot(workspace))


def test_a_huge_learning_rate_inside_its_range_ends_without_a_traceback(
    corpus_file: Path, tmp_path: Path
) -> None:
    """--lr 1e20 is finite in float32: it trains, and the final report (the best
    perplexity overflows math.exp) must still end in one line, not a traceback."""
    args = ("train", "--corpus", corpus_file, *TINY_MODEL, "--lr", "1e20", "--max-steps", "6")
    result = run_cli(*args, "--eval-every", "3", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode in (0, 2), result.describe()
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


def test_every_flag_range_keeps_the_value_finite_in_float32() -> None:
    """The largest accepted values, where they end up, stay finite."""
    top = np.finfo(np.float32).max
    assert top > limits.MAX_LR * limits.MAX_CLIP
    assert top > limits.MAX_FORGET_BIAS and top > limits.MAX_TEMPERATURE
    assert np.finfo(np.float64).max > limits.MAX_EPOCHS * limits.MAX_COUNT
    TrainConfig(lr=limits.MAX_LR, clip=limits.MAX_CLIP, epochs=limits.MAX_EPOCHS).validate()


def test_eval_json_is_always_valid_json(tiny_run: Path, corpus_file: Path, tmp_path: Path) -> None:
    result = run_cli("eval", tiny_run / "checkpoint.npz", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.describe()

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    record = json.loads(result.stdout, parse_constant=refuse)
    assert record["corpus"] == str(corpus_file) and record["tokens"] > 0


def test_sigterm_while_the_corpus_is_read_exits_130_with_a_line(tmp_path: Path) -> None:
    """SIGTERM arrives while ``train`` has the (large) corpus open: exit 130 and one
    line, and no run folder is left."""
    corpus = tmp_path / "big.txt"
    corpus.write_bytes(b"the quick brown fox jumps over the lazy dog\n" * 600_000)  # 26 MB
    proc = subprocess.Popen(
        command(("train", "--corpus", corpus, "--max-steps", "1", "--out", tmp_path / "out")),
        cwd=tmp_path,
        env=cli_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    fds = Path(f"/proc/{proc.pid}/fd")
    deadline = time.monotonic() + 60
    opened = False
    while time.monotonic() < deadline and proc.poll() is None and not opened:
        with contextlib.suppress(OSError):
            opened = any(os.readlink(fd) == str(corpus) for fd in fds.iterdir())
        time.sleep(0.002)
    assert opened, "the corpus was never seen open"
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert len(lines) == 1 and "SIGTERM" in lines[0], err
    assert not (tmp_path / "out" / "metrics.jsonl").exists()


def _address_space(limit: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def test_a_model_beyond_the_memory_available_is_refused_before_anything(tmp_path: Path) -> None:
    """Inside the 8 GiB estimate limit, beyond what ``ulimit -v`` leaves: one line
    with the estimate (not a numpy MemoryError traceback), no run folder."""
    flags = ("--hidden", "2048", "--batch", "256", "--bptt", "128", "--embed", "64")
    params, activations = TrainConfig(hidden=2048, batch=256, bptt=128).estimate_memory(80)
    assert 2 * 1024**3 < params + activations < 8 * 1024**3
    before = snapshot(tmp_path)
    args = ("train", "--corpus", "shakespeare", *flags, "--max-steps", "1", "--out", "out")
    done = subprocess.run(
        command(args),
        cwd=tmp_path,
        env=cli_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_address_space(3 * 1024**3 // 2),
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "available now" in lines[0] and "--batch 256" in lines[0], lines
    assert_unchanged(before, snapshot(tmp_path))
