"""Numerical faults: a NaN/inf loss or gradient stops (CLI) or pauses (TUI) with a
clear message naming the step and suggesting a lower learning rate, and the last
good checkpoint survives; exploding (finite) gradients are clipped and reported."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import StepEvent, StopEvent
from rnnplay.core.train.optim import clip_grads
from rnnplay.core.train.trainer import Trainer
from tests.reliability.helpers import (
    TINY_MODEL,
    assert_clean_failure,
    file_digest,
    read_metrics,
    run_cli,
    train_losses,
)


def make_trainer(corpus: Path, **changes) -> Trainer:
    config = TrainConfig(
        corpus=str(corpus), embed=8, hidden=16, batch=4, bptt=8, seed=3, eval_every=1000
    ).replace(**changes)
    return Trainer(config, load_dataset(config.corpus, level="char"))


def training_state(trainer: Trainer) -> dict:
    """Everything a step may change, copied."""
    return {
        "params": [p.copy() for p in trainer.model.params],
        "optim": {k: np.array(v, copy=True) for k, v in trainer.optimizer.state_dict().items()},
        "batcher": trainer.batcher.state_dict(),
        "state": trainer.model.get_state(),
        "rng": trainer.model.rng.bit_generator.state,
        "step": trainer.step_count,
        "tokens": trainer.tokens_seen,
    }


def assert_same_state(a: dict, b: dict) -> None:
    for x, y in zip(a["params"], b["params"], strict=True):
        np.testing.assert_array_equal(x, y)
    assert a["optim"].keys() == b["optim"].keys()
    for key in a["optim"]:
        np.testing.assert_array_equal(a["optim"][key], b["optim"][key])
    assert a["batcher"] == b["batcher"] and a["rng"] == b["rng"]
    assert (a["step"], a["tokens"]) == (b["step"], b["tokens"])
    for s, t in zip(a["state"] or [], b["state"] or [], strict=True):
        for key in s:
            np.testing.assert_array_equal(s[key], t[key])


def poison(trainer: Trainer, monkeypatch: pytest.MonkeyPatch, at_step: int, where: str) -> None:
    """Make training step ``at_step`` produce a NaN loss or an infinite gradient."""
    model = trainer.model
    forward, backward = model.forward, model.backward

    def bad_forward(xs, ts):
        loss = forward(xs, ts)
        if model.training and trainer.step_count + 1 == at_step and where == "loss":
            return float("nan")
        return loss

    def bad_backward(*args, **kwargs):
        result = backward(*args, **kwargs)
        if trainer.step_count + 1 == at_step and where == "grad":
            model.grads[0][0, 0] = np.inf
        return result

    monkeypatch.setattr(model, "forward", bad_forward)
    monkeypatch.setattr(model, "backward", bad_backward)


@pytest.mark.parametrize(("where", "said"), [("loss", "loss became nan"), ("grad", "gradient")])
def test_a_nonfinite_step_stops_the_run_and_changes_nothing(
    where: str, said: str, corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = make_trainer(corpus_file)
    poison(trainer, monkeypatch, at_step=4, where=where)
    events = []
    good = None
    for event in trainer.run(max_steps=20):
        events.append(event)
        if isinstance(event, StepEvent) and event.step == 3:
            good = training_state(trainer)
    stop = events[-1]
    assert isinstance(stop, StopEvent) and stop.reason == "nonfinite"
    assert said in stop.message and "step 4" in stop.message
    assert "lower learning rate" in stop.message and "\n" not in stop.message
    assert [e.step for e in events if isinstance(e, StepEvent)] == [1, 2, 3]
    assert_same_state(good, training_state(trainer))
    assert all(np.isfinite(p).all() for p in trainer.model.params)


def test_the_playground_pauses_on_a_nan_with_the_message(
    corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI's session (its side of the training thread, driven here directly)
    reports the stop to the app with the engine's message, and stays usable."""
    from rnnplay.tui.messages import TrainingStopped
    from rnnplay.tui.training import TrainingSession

    trainer = make_trainer(corpus_file)
    poison(trainer, monkeypatch, at_step=3, where="loss")
    posted = []
    session = TrainingSession(trainer, posted.append, grad_flow_interval=1e9)
    session.begin()
    session.run_loop(lambda: False, steps=10)
    stopped = [m for m in posted if isinstance(m, TrainingStopped)]
    assert len(stopped) == 1 and stopped[0].error is None
    assert stopped[0].event.reason == "nonfinite" and "step 3" in stopped[0].event.message
    assert not session.running and trainer.step_count == 2


def test_cli_nan_stops_with_one_line_and_keeps_the_good_checkpoints(
    fresh_run: Path, tmp_path: Path
) -> None:
    """Resume a good run with the largest learning rate the flag allows (1e30): the
    first update makes the weights enormous and a step or two later the weights or
    the loss are no longer finite. The run stops with exit 2; last.npz and
    checkpoint.npz stay exactly as they were (not replaced by the weights that made
    the NaN), and resuming from them with a sane learning rate works."""
    before = {name: file_digest(fresh_run / name) for name in ("last.npz", "checkpoint.npz")}
    saved_step = load_checkpoint(fresh_run / "last.npz").meta["step"]
    result = run_cli(
        "train", "--resume", fresh_run / "last.npz", "--lr", "1e30", "--max-steps", "50",
        "--quiet", cwd=tmp_path,
    )  # fmt: skip
    line = assert_clean_failure(result, "lower learning rate")
    stopped_at = int(re.search(r"at step (\d+)", line).group(1))
    assert saved_step < stopped_at <= saved_step + 2, line
    assert str(fresh_run / "last.npz") in line
    assert {name: file_digest(fresh_run / name) for name in before} == before

    again = run_cli(
        "train", "--resume", fresh_run / "last.npz", "--max-steps", str(saved_step + 3),
        "--out", tmp_path / "continued", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert again.returncode == 0, again.describe()
    losses = train_losses(read_metrics(tmp_path / "continued" / "metrics.jsonl"))
    assert sorted(losses) == [saved_step + 1, saved_step + 2, saved_step + 3]
    assert all(math.isfinite(v) for v in losses.values())


def test_exploding_gradients_are_clipped_and_reported(corpus_file: Path) -> None:
    """Output weights scaled up 1000x make the gradients huge. With SGD the update of
    a step is lr * clipped gradient: its global norm must be exactly lr * clip,
    while the event reports the norm before clipping."""
    trainer = make_trainer(corpus_file, optimizer="sgd", lr=0.5, clip=0.25)
    trainer.model.output.params[0] *= 1000.0
    for _ in range(5):
        before = [p.astype(np.float64) for p in trainer.model.params]
        event = trainer.step()
        assert math.isfinite(event.loss) and event.grad_norm > 100 * 0.25
        delta = math.sqrt(
            sum(
                float(((p - b) ** 2).sum())
                for p, b in zip(trainer.model.params, before, strict=True)
            )
        )
        assert delta == pytest.approx(0.5 * 0.25, rel=1e-3)
        assert all(np.isfinite(p).all() for p in trainer.model.params)


def test_clipping_handles_norms_that_overflow_float32_squares() -> None:
    """A finite gradient of norm 3e20 (its float32 square overflows) is clipped,
    not mistaken for a non-finite one; a truly infinite one reports nan."""
    grads = [np.full((10,), 1e20, np.float32), np.ones((3, 3), np.float32)]
    norm = clip_grads(grads, 1.0)
    assert norm == pytest.approx(math.sqrt(10) * 1e20, rel=1e-6)
    total = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    assert total == pytest.approx(1.0, rel=1e-4)
    assert math.isnan(clip_grads([np.array([np.inf, 1.0], np.float32)], 1.0))


def test_cli_reports_the_norm_before_clipping(tmp_path: Path, corpus_file: Path) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "train", "--corpus", corpus_file, *TINY_MODEL, "--optimizer", "sgd", "--lr", "2",
        "--clip", "0.01", "--max-steps", "20", "--eval-every", "10", "--out", out, "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    steps = [r for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "train"]
    assert len(steps) == 20
    assert all(r["grad_norm"] > 0.01 for r in steps), "clipping is reported, not hidden"
    assert all(math.isfinite(r["loss"]) for r in steps)
    assert all(np.isfinite(p).all() for p in load_checkpoint(out / "last.npz").model.params)
