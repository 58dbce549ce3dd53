"""Nothing a run computes makes its own files unwritable or unreadable (issue 22).

A figure derived from training (a loss, its perplexity, a learning rate after a
schedule, a time, an epoch count, a gradient norm, tokens/s) is not chosen by
anyone: a learning-rate spike can take the loss to 246 nats, whose perplexity
exp(246) ~ 1e107 lies far beyond the schema's 1e30. Before this round the
writer refused to save such a checkpoint (exit 2, and the run's last state was
lost). The writer now stores every figure in the representation the schema
gives it (``rnnplay.core.store.validators.Figure``) while the reader's bounds
stay as they were.

The property drives real, tiny training through the CLI (in process) with the
extremes the flags accept (learning rates up to their ceiling, clip values
down to the smallest float and up to theirs, every optimizer and schedule, one
and several layers, char and word level) and checks that every file the run
wrote loads: each checkpoint through ``sample``, ``eval`` and ``train
--resume``, ``metrics.jsonl`` and ``run.json`` as strict JSON. A run may end
in divergence (exit 2, one line saying the loss or gradient became non-finite:
its earlier checkpoints are kept), never in a refusal of its own figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rnnplay.cli import main
from rnnplay.core import limits
from rnnplay.core.store.manifest import LOSS, PPL, TIME, represent_header
from rnnplay.core.store.schema import Figure, Optional
from tests.reliability.conftest import corpus_text
from tests.reliability.helpers import property_examples

TINY = ("--embed", "8", "--hidden", "12", "--batch", "3", "--bptt", "6", "--threads", "1")
DIVERGED = ("became", "not finite", "non-finite", "nonfinite", "diverged")
"""Words of the one line a run that diverged ends with (NumericalError)."""


# -- the representation itself ---------------------------------------------------------------
def test_a_perplexity_past_the_bound_is_stored_as_overflowed() -> None:
    assert PPL.represent(math.exp(246.0)) == math.inf
    PPL.check(PPL.represent(math.exp(246.0)), "ppl")  # the reader takes it


def test_a_loss_past_the_bound_saturates_and_small_figures_are_kept() -> None:
    assert LOSS.represent(1e35) == limits.MAX_LOSS
    assert LOSS.represent(-1e-9) == 0.0  # the last bit of a rounding
    assert LOSS.represent(3.25) == 3.25 and TIME.represent(1e13) == limits.MAX_ELAPSED_S


def test_nan_is_no_figure_where_a_figure_is_optional_and_a_bug_elsewhere() -> None:
    assert Optional(LOSS).represent(math.nan) is None
    assert math.isnan(LOSS.represent(math.nan))  # left for the check to name
    assert Figure(0.0, 1.0).represent("text") == "text"


def test_represent_header_leaves_the_writers_object_alone() -> None:
    meta = {"kind": "other", "history": [{"ppl": 1e200}]}
    header = {"meta": meta}
    assert represent_header(header) == header  # not a trainer's meta: no figures in it
    assert meta["history"][0]["ppl"] == 1e200


# -- the regression of the issue --------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("figures")
    (folder / "corpus.txt").write_text(corpus_text(lines=60), encoding="utf-8")
    return folder / "corpus.txt"


def test_a_loss_of_hundreds_of_nats_is_saved_and_loads(
    tmp_path: Path, texts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SGD at lr 300 without clipping takes the loss to ~90-250 nats within a few
    steps (perplexity 1e40-1e107): before, `cannot save checkpoint ... meta.history[0].ppl
    must lie in [0, 1e+30]`, exit 2 and no folder; now every file loads."""
    out = tmp_path / "o"
    code, err = run(
        capsys, "train", "--corpus", texts, *TINY, "--optimizer", "sgd", "--lr", "300",
        "--clip", "1e6", "--max-steps", "12", "--eval-every", "3", "--out", out, "--quiet",
    )  # fmt: skip
    assert code == 0, err
    meta = json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])
    assert meta["kind"] == "eval" and (meta["ppl"] is None or meta["ppl"] > limits.MAX_LOSS)
    assert_every_file_loads(out, texts, tmp_path, capsys)


# -- the property -----------------------------------------------------------------------------
def assert_every_file_loads(
    out: Path, corpus: Path, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for line in (out / "metrics.jsonl").read_text().splitlines():
        json.loads(line, parse_constant=_refuse_constant)
    manifest = json.loads((out / "run.json").read_text(), parse_constant=_refuse_constant)
    assert manifest["status"] in ("done", "failed"), manifest
    checkpoints = sorted(out.glob("*.npz")) + sorted(out.glob("saves/*.npz"))
    assert checkpoints, f"{out} holds no checkpoint"
    for n, checkpoint in enumerate(checkpoints):
        code, err = run(capsys, "sample", checkpoint, "--length", "5", "--seed", "1")
        assert code == 0, f"sample {checkpoint.name}: {err}"
        code, err = run(capsys, "eval", checkpoint, "--corpus", corpus)
        assert code == 0, f"eval {checkpoint.name}: {err}"
        step = _saved_step(checkpoint)
        code, err = run(
            capsys, "train", "--resume", checkpoint, "--max-steps", step + 2, "--quiet",
            "--out", tmp / f"resumed-{n}",
        )  # fmt: skip
        assert code == 0 or (code == 2 and _diverged(err)), f"resume {checkpoint.name}: {err}"


def _saved_step(checkpoint: Path) -> int:
    from rnnplay.core.store.summary import read_summary

    return read_summary(checkpoint).step


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"{name} in a file rnnplay wrote (not JSON)")


def _diverged(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.strip()]
    return (
        len(lines) == 1
        and lines[0].startswith("rnnplay: error:")
        and any(word in lines[0] for word in DIVERGED)
        and "cannot save" not in lines[0]
    )


LRS = st.one_of(
    st.sampled_from([limits.MAX_LR, 1e20, 1e6, 300.0, 20.0, 1e-300]),
    st.floats(1e-4, limits.MAX_LR).map(lambda x: float(f"{x:.3g}")),
)
CLIPS = st.sampled_from([5e-324, 1e-30, 1e-3, 1.0, 1e3, limits.MAX_CLIP])
CASES = st.fixed_dictionaries(
    {
        "optimizer": st.sampled_from(["sgd", "momentum", "adagrad", "rmsprop", "adam"]),
        "schedule": st.sampled_from(["constant", "plateau", "cosine"]),
        "lr": LRS,
        "clip": CLIPS,
        "layers": st.sampled_from([1, 3]),
        "level": st.sampled_from(["char", "word"]),
        "cell": st.sampled_from(["rnn", "lstm", "gru"]),
        "steps": st.integers(2, 9),
        "eval_every": st.integers(1, 3),
    }
)


def _train_and_check(case: dict, corpus: Path, tmp: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp / "run"
    code, err = run(
        capsys, "train", "--corpus", corpus, *TINY, "--level", case["level"],
        "--optimizer", case["optimizer"], "--schedule", case["schedule"], "--lr", case["lr"],
        "--clip", case["clip"], "--layers", case["layers"], "--cell", case["cell"],
        "--max-steps", case["steps"], "--eval-every", case["eval_every"], "--out", out,
        "--quiet",
    )  # fmt: skip
    assert code == 0 or (code == 2 and _diverged(err)), f"{case}: exit {code}: {err}"
    if not out.exists() or not any(out.glob("*.npz")):
        assert code == 2, f"{case}: no checkpoint after exit {code}"
        return  # diverged before its first checkpoint: nothing to load
    assert_every_file_loads(out, corpus, tmp, capsys)


SPIKE = {"optimizer": "sgd", "schedule": "plateau", "lr": 300.0, "clip": 1e6, "layers": 1}
SPIKE |= {"level": "char", "cell": "lstm", "steps": 9, "eval_every": 1}
CEILING = {"optimizer": "adam", "schedule": "cosine", "lr": limits.MAX_LR, "clip": 5e-324}
CEILING |= {"layers": 3, "level": "word", "cell": "gru", "steps": 4, "eval_every": 2}

SETTINGS = settings(
    max_examples=max(4, property_examples() // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)


@SETTINGS
@given(case=CASES)
@example(case=dict(SPIKE))
@example(case=dict(CEILING))
def test_every_file_a_run_writes_loads(
    case: dict, texts: Path, tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _train_and_check(case, texts, tmp_path_factory.mktemp("case"), capsys)


@pytest.mark.slow
@settings(SETTINGS, max_examples=max(60, property_examples() * 4), derandomize=False)
@given(case=CASES)
def test_every_file_a_run_writes_loads_long(
    case: dict, texts: Path, tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _train_and_check(case, texts, tmp_path_factory.mktemp("case"), capsys)


def test_a_rate_the_plateau_divided_to_nothing_and_huge_losses_are_saved(
    tmp_path: Path, texts: Path
) -> None:
    """Every evaluation that is not better divides the plateau's rate by 4: after about
    500 of them (an evaluation every step of a stuck run) base_lr is below the schema's
    1e-300 and then 0; a float64 model's loss may pass 1e30 nats. Both are figures:
    the checkpoint is written and resumes."""
    from rnnplay.core.data.corpus import load_dataset
    from rnnplay.core.store.summary import read_summary
    from rnnplay.core.train.config import TrainConfig
    from rnnplay.core.train.trainer import Trainer

    config = TrainConfig(
        corpus=str(texts), embed=8, hidden=12, batch=3, bptt=6, seed=3, schedule="plateau"
    )
    trainer = Trainer(config, load_dataset(config.corpus, level="char"))
    list(trainer.run(max_steps=2, eval_every=1))
    for _ in range(540):
        trainer.schedule.observe(trainer.step_count, 1e300)
    assert trainer.schedule.base_lr == 0.0
    trainer.best_val_loss = 1e250
    trainer.history[-1]["loss"] = 1e250
    path = trainer.save(tmp_path / "stuck.npz")
    assert read_summary(path).step == 2
    resumed = Trainer.resume(path)
    assert resumed.schedule.base_lr == 1e-300  # the least the schema stores: "about 0"
    assert resumed.best_val_loss == limits.MAX_LOSS  # saturated: "at least 1e30"
