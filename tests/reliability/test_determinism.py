"""Determinism: the same seed gives the same losses bit for bit, a run resumed from
any checkpoint continues exactly as if never stopped, and the playground trains
exactly like ``rnnplay train`` for the same settings and steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnplay.cli import build_parser
from rnnplay.cli.flags import config_from_args, given_settings
from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent
from rnnplay.core.train.trainer import Trainer
from tests.reliability.helpers import read_metrics, run_cli, train_losses

STEPS = 12

CONFIGS = {
    "lstm-streams-adam": {"cell": "lstm", "eval_every": 4},
    "gru-random-dropout-plateau": {
        "cell": "gru",
        "layers": 2,
        "dropout": 0.3,
        "batching": "random",
        "optimizer": "momentum",
        "lr": 0.5,
        "schedule": "plateau",
        "eval_every": 2,
        "seed": 11,
    },
    "torch-gru-tied-sgd": {"cell": "gru-torch", "embed": 16, "tie": True, "optimizer": "sgd"},
    "lstm-2layer-streams-sgd-epoch-decay": {  # ptb-small's recipe, epochs of ~4 steps
        "cell": "lstm",
        "layers": 2,
        "forget_bias": 0.0,
        "batch": 32,
        "bptt": 32,
        "batching": "streams",
        "optimizer": "sgd",
        "lr": 1.0,
        "schedule": "epoch-decay",
        "decay_after": 1,
        "clip": 5.0,
        "eval_every": 5,
    },
    "rnn-tied-float64-cosine": {
        "cell": "rnn",
        "embed": 16,
        "tie": True,
        "dtype": "float64",
        "optimizer": "rmsprop",
        "schedule": "cosine",
        "warmup_steps": 3,
        "eval_every": 3,
    },
}


def config_for(corpus: Path, name: str) -> TrainConfig:
    base = {"embed": 8, "hidden": 16, "batch": 4, "bptt": 8, "seed": 3, "max_steps": STEPS}
    return TrainConfig(corpus=str(corpus), **{**base, **CONFIGS[name]}).validate()


def trace(events) -> list[tuple]:
    """What must repeat exactly: every step's loss, gradient norm and lr; every
    evaluation; every learning-rate change (clock readings excluded)."""
    out = []
    for e in events:
        if isinstance(e, StepEvent):
            out.append(("step", e.step, e.loss, e.grad_norm, e.lr, e.tokens))
        elif isinstance(e, EvalEvent):
            out.append(("eval", e.step, e.loss))
        elif isinstance(e, LRChangeEvent):
            out.append(("lr", e.step, e.old_lr, e.new_lr))
    return out


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_resuming_from_any_saved_moment_continues_bit_for_bit(
    name: str, corpus_file: Path, tmp_path: Path
) -> None:
    """Save at every point where the CLI or the TUI may save (after each step, and
    when each evaluation arrives), resume from each, and replay the rest."""
    config = config_for(corpus_file, name)
    dataset = load_dataset(config.corpus, level="char")
    trainer = Trainer(config, dataset)
    saved = [(0, trainer.save(tmp_path / "at-start.npz"))]
    events = []
    for event in trainer.run(max_steps=STEPS):
        events.append(event)
        if isinstance(event, (StepEvent, EvalEvent)):
            path = tmp_path / f"{len(events):03d}-{type(event).__name__}-{event.step}.npz"
            saved.append((len(events), trainer.save(path)))
    full = trace(events)
    assert sum(1 for t in full if t[0] == "step") == STEPS
    if name.startswith("gru"):
        assert any(t[0] == "lr" for t in full), "the plateau schedule must act in this run"
    if "epoch-decay" in name:
        rates = sorted({t[4] for t in full if t[0] == "step"}, reverse=True)
        assert rates[:3] == [1.0, 0.5, 0.25], "the rate must halve at least twice in this run"

    again = Trainer(config, load_dataset(config.corpus, level="char"))
    assert trace(again.run(max_steps=STEPS)) == full, "same seed, same run"

    for index, path in saved:
        rest = full[index:]
        while rest and rest[0][0] == "lr":  # announced after the save, already in it
            rest = rest[1:]
        resumed = Trainer.resume(path, dataset=dataset)
        assert trace(resumed.run(max_steps=STEPS)) == rest, f"resumed from {path.name}"


def test_same_seed_same_cli_run_and_another_seed_differs(corpus_file: Path, tmp_path: Path) -> None:
    flags = ("--corpus", corpus_file, "--embed", "8", "--hidden", "16", "--batch", "4")
    flags += ("--bptt", "8", "--dropout", "0.2", "--batching", "random", "--layers", "2")
    flags += ("--max-steps", "8", "--eval-every", "4", "--quiet")
    runs = {}
    for label, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / label
        result = run_cli("train", *flags, "--seed", seed, "--out", out, cwd=tmp_path)
        assert result.returncode == 0, result.describe()
        records = read_metrics(out / "metrics.jsonl")
        runs[label] = [(r["kind"], r["step"], r["loss"]) for r in records]
    assert runs["a"] == runs["b"]
    assert len(runs["a"]) == 8 + 2
    assert runs["a"] != runs["c"]


def test_cli_runs_chained_with_resume_equal_one_run(corpus_file: Path, tmp_path: Path) -> None:
    """3 + 3 + 3 steps through `train --resume` give the losses of 9 steps in one go
    (plateau schedule and dropout included, so every piece of state must travel)."""
    flags = ("--corpus", corpus_file, "--embed", "8", "--hidden", "16", "--batch", "4")
    flags += ("--bptt", "8", "--dropout", "0.2", "--schedule", "plateau", "--lr", "0.05")
    flags += ("--eval-every", "1", "--quiet")
    straight = tmp_path / "straight"
    assert (
        run_cli("train", *flags, "--max-steps", "9", "--out", straight, cwd=tmp_path).returncode
        == 0
    )
    chained = tmp_path / "chained"
    first = run_cli("train", *flags, "--max-steps", "3", "--out", chained, cwd=tmp_path)
    assert first.returncode == 0, first.describe()
    for limit in ("6", "9"):
        result = run_cli(
            "train", "--resume", chained / "last.npz", "--max-steps", limit, "--quiet",
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.describe()
    a = read_metrics(straight / "metrics.jsonl")
    b = read_metrics(chained / "metrics.jsonl")
    assert [(r["kind"], r["step"], r["loss"], r["lr"]) for r in a] == [
        (r["kind"], r["step"], r["loss"], r["lr"]) for r in b
    ]


# -- the playground trains like the CLI ----------------------------------------------------------
TUI_FLAGS = ("--embed", "8", "--hidden", "16", "--batch", "4", "--bptt", "8", "--seed", "4")
TUI_FLAGS += ("--dropout", "0.1", "--eval-every", "3")


def playground_trainer(corpus: Path) -> Trainer:
    """The trainer the bare ``rnnplay`` command builds: the same parser, the same
    validation, the app's own ``make_trainer``."""
    from rnnplay.tui.app import make_trainer

    args = build_parser().parse_args(["--corpus", str(corpus), *TUI_FLAGS])
    return make_trainer(config_from_args(args), None, sorted(given_settings(args)))


def cli_run(corpus: Path, tmp_path: Path, steps: int) -> Path:
    out = tmp_path / "cli"
    result = run_cli(
        "train", "--corpus", corpus, *TUI_FLAGS, "--max-steps", str(steps), "--out", out,
        "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    return out


def test_the_playground_session_trains_like_the_cli(corpus_file: Path, tmp_path: Path) -> None:
    """The session's loop, with gradient-flow probes and weight snapshots between
    every step (what the app asks for while it runs), gives the CLI's losses."""
    from rnnplay.tui.messages import TrainingProgress

    steps = 10
    out = cli_run(corpus_file, tmp_path, steps)
    expected = train_losses(read_metrics(out / "metrics.jsonl"))

    from rnnplay.tui.training import TrainingSession

    posted = []
    trainer = playground_trainer(corpus_file)
    session = TrainingSession(trainer, posted.append, progress_interval=0.0, grad_flow_interval=0.0)
    for _ in range(2):  # two runs of 5, as a user pausing half way would
        session.begin()
        session.request_snapshot()
        session.run_loop(lambda: False, steps=steps // 2)
    losses = [loss for m in posted if isinstance(m, TrainingProgress) for _, loss in m.points]
    assert losses == [expected[s] for s in range(1, steps + 1)]
    final = load_checkpoint(out / "last.npz").model.params
    for mine, theirs in zip(trainer.model.params, final, strict=True):
        np.testing.assert_array_equal(mine, theirs)


async def test_the_app_n_key_trains_like_the_cli(corpus_file: Path, tmp_path: Path) -> None:
    """In the running app, n pressed 6 times trains exactly the CLI's 6 steps."""
    import asyncio

    from rnnplay.tui.app import RnnPlayApp

    steps = 6
    out = cli_run(corpus_file, tmp_path, steps)
    expected = train_losses(read_metrics(out / "metrics.jsonl"))
    app = RnnPlayApp(
        playground_trainer(corpus_file), auto_sample=False, checkpoint_dir=tmp_path / "tui"
    )
    seen = []
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(steps):
            await pilot.press("n")
            for _ in range(500):
                await pilot.pause()
                if not app.session.running:
                    break
                await asyncio.sleep(0.01)
            assert not app.session.running
            seen.append(app.session.last_step.loss)
    assert app.session.wait_idle(5.0)
    assert seen == [expected[s] for s in range(1, steps + 1)]
    final = load_checkpoint(out / "last.npz").model.params
    for mine, theirs in zip(app.session.trainer.model.params, final, strict=True):
        np.testing.assert_array_equal(mine, theirs)
