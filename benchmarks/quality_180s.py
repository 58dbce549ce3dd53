"""Quality per second: validation loss of a char-level LM after 60, 120 and 180 s of training.

Trains rnnplay's :class:`~rnnplay.core.train.trainer.Trainer` in-process on
tinyshakespeare (first 90% train, last 10% validation, char level) for
``--seconds`` of wall time and measures the loss in nats per char over the
whole validation split at each mark (every ``--every`` seconds). The clock
is paused for evaluation: training runs as ``run(max_seconds=...)`` slices
between the marks, so evaluation time never eats into the training budget.

Where torch is importable, the same-size PyTorch LSTM (1 layer, H=256,
Adam 2e-3, random windows, 2 threads; flags ``--torch-*``) trains for the
same wall time with the same marks, is scored by the very same evaluation
code (:func:`rnnplay.core.train.evaluation.sequence_loss` through a small
adapter), and a last line gives the difference rnnplay - torch per mark.

One JSON line per mark and side: elapsed training seconds, steps, tokens,
validation loss, tokens/s, the load average (the machine is shared: read
every figure with it) and the recipe. The recipe flags (``--hidden``,
``--layers``, ``--batch``, ``--bptt``, ``--lr``, ``--schedule``,
``--dropout``, ``--batching``, ...) default to ``TrainConfig``'s, so
recipes can be compared. ``--schedule cosine`` decays over a step budget:
``--total-steps N``, or estimated from the speed measured over the first
``--probe-seconds`` of training so that the decay ends near the budget.

Run (see docs/performance.md, "Quality per second")::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/quality_180s.py
"""

from __future__ import annotations

import rnnplay  # noqa: F401  (first: it sets OpenBLAS's idle spin before NumPy loads)

# isort: split

import argparse
import contextlib
import json
import math
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _torch_peer
from _machine import load_average

from rnnplay.core.data.corpus import Dataset, load_dataset
from rnnplay.core.runs.opening import new_trainer
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.evaluation import sequence_loss
from rnnplay.core.train.presets import PRESETS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "tinyshakespeare.txt"
RECIPE_FLAGS = (
    "cell",
    "optimizer",
    "embed",
    "hidden",
    "layers",
    "dropout",
    "batch",
    "bptt",
    "batching",
    "lr",
    "schedule",
    "warmup_steps",
    "clip",
    "seed",
)


def _marks(seconds: float, every: float) -> list[float]:
    marks = [every * k for k in range(1, int(seconds // every) + 1)]
    if not marks or marks[-1] < seconds - 1e-9:
        marks.append(seconds)
    return marks


def _line(**fields_: Any) -> None:
    print(json.dumps(fields_), flush=True)


def _blas_threads(threads: int) -> Any:
    """A context limiting NumPy's BLAS pool to ``threads`` (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


# -- rnnplay ---------------------------------------------------------------------


def _config(args: argparse.Namespace, total_steps: int | None) -> TrainConfig:
    recipe = {name: getattr(args, name) for name in RECIPE_FLAGS}
    return TrainConfig(corpus=str(args.corpus), level="char", max_steps=total_steps, **recipe)


def _probe_speed(args: argparse.Namespace, dataset: Dataset) -> float:
    """Steps per second of this recipe, measured on a throwaway trainer."""
    trainer = new_trainer(
        _config(args, None).replace(schedule="constant"), headless=False, dataset=dataset
    )
    for _ in trainer.run(max_steps=3, eval_every=0, final_eval=False):
        pass
    start = time.perf_counter()
    done = trainer.step_count
    for _ in trainer.run(max_seconds=args.probe_seconds, eval_every=0, final_eval=False):
        pass
    return (trainer.step_count - done) / (time.perf_counter() - start)


def run_rnnplay(args: argparse.Namespace, dataset: Dataset) -> list[dict[str, Any]]:
    """Train rnnplay for ``args.seconds``, evaluating at each mark; one record per mark."""
    total_steps = args.total_steps
    steps_per_s = None
    if args.schedule == "cosine" and total_steps is None:
        steps_per_s = _probe_speed(args, dataset)
        total_steps = max(1, round(steps_per_s * args.seconds))
    config = _config(args, total_steps)
    trainer = new_trainer(config, headless=False, dataset=dataset)
    recipe = {name: getattr(config, name) for name in RECIPE_FLAGS}
    recipe.update(total_steps=total_steps, probed_steps_per_s=steps_per_s, preset=args.preset)
    records = []
    trained = 0.0
    for mark in _marks(args.seconds, args.every):
        start = time.perf_counter()
        for _ in trainer.run(max_seconds=mark - trained, eval_every=0, final_eval=False):
            pass
        trained += time.perf_counter() - start
        loss = trainer.evaluate("valid").loss
        record = {
            "side": "rnnplay",
            "elapsed_s": round(trained, 1),
            "steps": trainer.step_count,
            "tokens": trainer.tokens_seen,
            "epochs": round(trainer.epoch, 2),
            "val_loss": round(loss, 4),
            "tokens_per_s": round(trainer.tokens_seen / trained),
            "lr": trainer.lr,
            "loadavg": load_average(),
            "threads": args.threads,
            "config": recipe,
        }
        _line(**record)
        records.append(record)
    return records


# -- PyTorch ---------------------------------------------------------------------


class _TorchLM:
    """Just enough of RNNLM's interface for ``sequence_loss`` to score a torch model."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.state: Any = None
        self.training = True

    def train(self) -> None:
        self.training = True
        self.model.train()

    def eval(self) -> None:
        self.training = False
        self.model.eval()

    def reset_state(self) -> None:
        self.state = None

    def get_state(self) -> list[dict[str, np.ndarray]] | None:
        if self.state is None:
            return None
        h, c = self.state
        return [{"h": h[0].numpy().copy(), "c": c[0].numpy().copy()}]

    def set_state(self, state: list[dict[str, np.ndarray]] | None) -> None:
        import torch

        if state is None:
            self.state = None
            return
        self.state = (
            torch.from_numpy(state[0]["h"]).unsqueeze(0),
            torch.from_numpy(state[0]["c"]).unsqueeze(0),
        )

    def _logits(self, xs: np.ndarray) -> Any:
        import torch

        with torch.no_grad():
            logits, self.state = self.model(torch.from_numpy(xs.astype(np.int64)), self.state)
        return logits

    def predict(self, xs: np.ndarray) -> np.ndarray:
        return self._logits(xs).numpy()

    def forward(self, xs: np.ndarray, ts: np.ndarray) -> float:
        import torch

        logits = self._logits(xs)
        targets = torch.from_numpy(ts.astype(np.int64)).reshape(-1)
        scores = logits.reshape(-1, logits.shape[-1])
        return float(torch.nn.functional.cross_entropy(scores, targets))


def run_torch(args: argparse.Namespace, dataset: Dataset) -> list[dict[str, Any]]:
    """The PyTorch LSTM peer: random windows, state reset per batch, constant Adam lr."""
    import torch

    _torch_peer.set_threads(args.threads)
    V = len(dataset.vocab)
    D, H, N, T = args.embed, args.torch_hidden, args.torch_batch, args.torch_bptt
    model = _torch_peer._build("lstm", V, D, H, args.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.torch_lr)
    params = list(model.parameters())
    train = torch.from_numpy(dataset.train.astype(np.int64))
    rng = np.random.default_rng(args.seed)
    scorer = _TorchLM(model)
    recipe = {"hidden": H, "layers": 1, "batch": N, "bptt": T, "lr": args.torch_lr, "clip": 1.0}
    recipe.update(batching="random", schedule="constant", threads=args.threads)
    records = []
    steps = 0
    trained = 0.0
    for mark in _marks(args.seconds, args.every):
        scorer.train()
        start = time.perf_counter()
        while time.perf_counter() - start < mark - trained:
            offsets = torch.from_numpy(rng.integers(0, len(train) - T - 1, size=N))
            windows = train[offsets[:, None] + torch.arange(T + 1)]
            logits, _ = model(windows[:, :-1], None)
            targets = windows[:, 1:].reshape(-1)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            steps += 1
        trained += time.perf_counter() - start
        loss_value, _ = sequence_loss(scorer, dataset.valid, N, T)  # type: ignore[arg-type]
        record = {
            "side": "torch",
            "torch": _torch_peer.version(),
            "elapsed_s": round(trained, 1),
            "steps": steps,
            "tokens": steps * N * T,
            "val_loss": round(loss_value, 4),
            "tokens_per_s": round(steps * N * T / trained),
            "loadavg": load_average(),
            "config": recipe,
        }
        _line(**record)
        records.append(record)
    return records


# -- main ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--seconds", type=float, default=180.0, help="training wall time")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between marks")
    parser.add_argument(
        "--threads", type=int, default=2, help="BLAS threads of rnnplay and torch threads"
    )
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch peer")
    parser.add_argument("--torch-only", action="store_true", help="skip rnnplay")
    parser.add_argument("--torch-hidden", type=int, default=256)
    parser.add_argument("--torch-batch", type=int, default=32)
    parser.add_argument("--torch-bptt", type=int, default=64)
    parser.add_argument("--torch-lr", type=float, default=2e-3)
    for name in RECIPE_FLAGS:
        kind = type(defaults[name]) if defaults[name] is not None else int
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=defaults[name])
    parser.add_argument(
        "--total-steps", type=int, default=None, help="cosine horizon (default: probed)"
    )
    parser.add_argument(
        "--probe-seconds", type=float, default=5.0, help="speed probe for the cosine horizon"
    )
    parser.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        default=None,
        help="take the recipe from this `rnnplay train --preset` (its max_steps is the "
        "cosine horizon); recipe flags typed beside it win",
    )
    return parser


def _parse(
    argv: list[str] | None, parser: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """The flags (of ``parser``, default :func:`_parser`'s), with a ``--preset``'s
    settings as the defaults of the recipe flags."""
    parser = parser or _parser()
    args = parser.parse_args(argv)
    if args.preset is not None:
        settings = dict(PRESETS[args.preset].settings)
        total = settings.pop("max_steps", None)
        unknown = set(settings) - set(RECIPE_FLAGS)
        if unknown:
            parser.error(f"preset {args.preset} sets {sorted(unknown)}, not recipe flags here")
        parser.set_defaults(**settings, total_steps=total)
        args = parser.parse_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if not args.corpus.is_file():
        print(f"skipped: corpus {args.corpus} not found", file=sys.stderr)
        return 0
    dataset = load_dataset(str(args.corpus), level="char", val_fraction=0.1)
    ours = []
    if not args.torch_only:
        with _blas_threads(args.threads):
            ours = run_rnnplay(args, dataset)
    if args.no_torch or not _torch_peer.available():
        if not args.no_torch:
            print("torch not importable: PyTorch peer skipped", file=sys.stderr)
        return 0
    theirs = run_torch(args, dataset)
    if ours:
        pairs = zip(ours, theirs, strict=True)
        _line(
            side="difference rnnplay - torch",
            elapsed_s=[r["elapsed_s"] for r in ours],
            val_loss=[round(a["val_loss"] - b["val_loss"], 4) for a, b in pairs],
            ok_1_50=bool(math.isfinite(ours[-1]["val_loss"]) and ours[-1]["val_loss"] <= 1.50),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
