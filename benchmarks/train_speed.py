"""Training (and sampling) speed of rnnplay's NumPy core, side by side with PyTorch.

One command prints one JSON line per configuration: tokens per second of a
full float32 training step (forward, backward, clip_grads, Adam update) of
:class:`rnnplay.core.RNNLM` on seeded random token ids, the matmul GFLOP/s
that implies, and, where torch is importable, the same for the equivalent
PyTorch model timed in the same run, with the ratio rnnplay / torch and the
bars of issue 2 (against the book's NumPy code) and issue 5 (against
PyTorch). A last line gives single-stream sampling speed of the char LSTM.

rnnplay and torch take turns: every repeat times a block of rnnplay steps and
then a block of torch steps, so background load hits both sides alike; the
figures are medians over repeats and the ratio is the median of the per-repeat
ratios. ``ratio_of_best`` compares each side's fastest block instead, the
least disturbed one when other processes compete for the cores. Run it as
(see benchmarks/README.md)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/train_speed.py

``loop`` says whether rnnplay ran the compiled time loop (numba, the ``fast``
extra) or the NumPy one; ``--numpy-loop`` also times the NumPy loop in the
same run (``numpy_loop_tokens_per_s``, ``numpy_loop_ratio``), the "before"
of issue 21. The char GRU is timed against ``nn.GRU``, whose reset gate acts
after the recurrent product (rnnplay's, the book's, before it).
"""

from __future__ import annotations

import rnnplay  # noqa: F401  (first: it sets OpenBLAS's idle spin before NumPy loads)

# isort: split

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _torch_peer
from _machine import limit_blas, load_average

from rnnplay.core import RNNLM, Adam, clip_grads

LEARNING_RATE = 1e-3
MAX_GRAD_NORM = 0.25  # small enough that clipping really rescales every step
DISTINCT_BATCHES = 4  # the step cycles through this many seeded random batches


@dataclass(frozen=True)
class BenchConfig:
    """One model size with the figures it is measured against (tokens/s)."""

    name: str
    cell: str
    V: int
    D: int
    H: int
    N: int
    T: int
    book: float | None  # the book's NumPy code on this machine, 2 threads (issue 2)
    torch_reference: float | None  # PyTorch 2.13 as measured when the issues were filed
    issue2_factor: float  # the issue-2 bar is this many times the book's figure
    issue5_ratio: float  # the target for rnnplay / torch (issues 5 and 21)

    @property
    def gates(self) -> int:
        return {"lstm": 4, "gru": 3}.get(self.cell, 1)

    def matmul_flops_per_step(self) -> int:
        """Multiply-add FLOPs (2 per MAC) of every matmul in forward + backward.

        Forward: input projection (NT x D x GH), recurrent (NT x H x GH) and
        affine (NT x H x V). Backward: for each of the three, the weight
        gradient and the input gradient, each as large as the forward
        matmul. So 3 x forward. Elementwise work is not counted.
        """
        tokens = self.N * self.T
        forward = 2 * tokens * (self.D * self.gates * self.H + self.H * self.gates * self.H)
        forward += 2 * tokens * self.H * self.V
        return 3 * forward


CONFIGS: dict[str, BenchConfig] = {
    c.name: c
    for c in (
        BenchConfig("char_lstm", "lstm", 65, 64, 256, 32, 64, 49.1e3, 138.5e3, 2.0, 1.0),
        BenchConfig("char_rnn", "rnn", 65, 64, 256, 32, 64, 147.7e3, 153.8e3, 1.0, 1.5),
        BenchConfig("word_lstm", "lstm", 10000, 100, 100, 20, 35, 10.4e3, 16.0e3, 2.0, 1.0),
        # The book's GRU applies the reset gate before the recurrent product,
        # tanh(x Wx_c + (r * h) Wh_c), so each step has two products one after the
        # other; PyTorch's nn.GRU applies it after, tanh(x W_in + r * (h W_hn + b_hn)),
        # so its three gates share one product per step. Issue 21: keep >= 1.5x.
        BenchConfig("char_gru", "gru", 65, 64, 256, 32, 64, None, None, 2.0, 1.5),
    )
}


# -- environment -----------------------------------------------------------------


def blas_info() -> dict[str, Any]:
    """What threadpoolctl sees of NumPy's BLAS, plus the OpenBLAS tuning variables."""
    info: dict[str, Any] = {
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "OPENBLAS_THREAD_TIMEOUT": os.environ.get("OPENBLAS_THREAD_TIMEOUT"),
    }
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        info["threadpoolctl"] = "not installed"
        return info
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    info["libraries"] = [
        {
            "internal_api": p.get("internal_api"),
            "version": p.get("version"),
            "architecture": p.get("architecture"),
            "threading_layer": p.get("threading_layer"),
            "num_threads": p.get("num_threads"),
            "file": Path(p.get("filepath", "")).name,
        }
        for p in blas
    ]
    return info


def loop_kind(cell: str) -> str:
    """Which time loop rnnplay runs for ``cell``: the compiled one (numba, the
    ``fast`` extra) or the NumPy reference (``RNNPLAY_KERNELS=numpy``, or no numba)."""
    from rnnplay.core.nn import fused

    compiled_cells = {"rnn", "lstm", "gru"}
    return "numba" if cell in compiled_cells and fused.kernels() is not None else "numpy"


def limit_threads(threads: int) -> Any:
    """Cap NumPy's BLAS pool (via threadpoolctl) and torch's pool at ``threads``.

    Returns the threadpoolctl limiter (keep it alive), or None without threadpoolctl.
    """
    limiter = limit_blas(threads)
    if _torch_peer.available():
        _torch_peer.set_threads(threads)
    return limiter


# -- timing ----------------------------------------------------------------------


def random_batches(cfg: BenchConfig, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """DISTINCT_BATCHES seeded (xs, ts) pairs of random token ids (N, T)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(DISTINCT_BATCHES):
        ids = rng.integers(0, cfg.V, size=(cfg.N, cfg.T + 1), dtype=np.int32)
        out.append((ids[:, :-1].copy(), ids[:, 1:].copy()))
    return out


def rnnplay_train_step(
    cfg: BenchConfig, batches: list[tuple[np.ndarray, np.ndarray]], seed: int
) -> Callable[[], float]:
    """A closure running one full rnnplay training step on the next batch."""
    model = RNNLM(cfg.V, cfg.D, cfg.H, cell=cfg.cell, seed=seed, dtype="float32")
    model.train()
    optimizer = Adam(lr=LEARNING_RATE)
    slot = {"k": 0}

    def step() -> float:
        xs, ts = batches[slot["k"] % len(batches)]
        slot["k"] += 1
        loss = model.forward(xs, ts)
        model.backward()
        clip_grads(model.grads, MAX_GRAD_NORM)
        optimizer.update(model.params, model.grads)
        return loss

    return step


def time_block(step: Callable[[], Any], steps: int) -> float:
    """Seconds taken by ``steps`` calls of ``step``."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


def interleaved_rates(
    sides: dict[str, Callable[[], Any]], units_per_call: int, steps: int, warmup: int, repeats: int
) -> dict[str, list[float]]:
    """Units per second of each side for every repeat, the sides taking turns."""
    for step in sides.values():
        time_block(step, warmup)
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, step in sides.items():
            rates[name].append(units_per_call * steps / time_block(step, steps))
    return rates


def summary(rates: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
    }


# -- the two benchmarks ----------------------------------------------------------


def numpy_loop_step(
    cfg: BenchConfig, batches: list[tuple[np.ndarray, np.ndarray]], seed: int
) -> Callable[[], float]:
    """rnnplay's step with the NumPy time loop even where the compiled one loads
    (the "before" of issue 21, timed in the same run)."""
    from rnnplay.core.nn import fused

    step = rnnplay_train_step(cfg, batches, seed)

    def numpy_step() -> float:
        fused.use(False)
        try:
            return step()
        finally:
            fused.use(None)

    return numpy_step


def bench_training(
    cfg: BenchConfig,
    *,
    steps: int,
    warmup: int,
    repeats: int,
    seed: int,
    use_torch: bool,
    numpy_loop: bool = False,
) -> dict[str, Any]:
    """The JSON record of one configuration."""
    batches = random_batches(cfg, seed)
    sides = {"rnnplay": rnnplay_train_step(cfg, batches, seed)}
    if numpy_loop:
        sides["numpy_loop"] = numpy_loop_step(cfg, batches, seed)
    if use_torch:
        sides["torch"] = _torch_peer.make_train_step(
            cfg.cell,
            cfg.V,
            cfg.D,
            cfg.H,
            batches,
            lr=LEARNING_RATE,
            max_norm=MAX_GRAD_NORM,
            seed=seed,
        )
    tokens = cfg.N * cfg.T
    rates = interleaved_rates(sides, tokens, steps, warmup, repeats)
    flops = cfg.matmul_flops_per_step()
    ours = summary(rates["rnnplay"])
    record: dict[str, Any] = {
        "benchmark": "train_speed",
        "config": cfg.name,
        "cell": cfg.cell,
        "V": cfg.V,
        "D": cfg.D,
        "H": cfg.H,
        "N": cfg.N,
        "T": cfg.T,
        "dtype": "float32",
        "step": f"forward+backward+clip_grads({MAX_GRAD_NORM})+Adam({LEARNING_RATE})",
        "steps": steps,
        "warmup": warmup,
        "repeats": repeats,
        "rnnplay_tokens_per_s": round(ours["median"]),
        "rnnplay_tokens_per_s_min_max": [round(ours["min"]), round(ours["max"])],
        "rnnplay_ms_per_step": round(1e3 * tokens / ours["median"], 3),
        "matmul_gflop_per_step": round(flops / 1e9, 4),
        "rnnplay_gflops": round(flops / (tokens / ours["median"]) / 1e9, 2),
        "book_tokens_per_s": cfg.book,
        "issue2_bar_tokens_per_s": None if cfg.book is None else cfg.issue2_factor * cfg.book,
        "meets_issue2_bar": None
        if cfg.book is None
        else ours["median"] >= cfg.issue2_factor * cfg.book,
        "issue5_target_ratio": cfg.issue5_ratio,
        "loop": loop_kind(cfg.cell),
    }
    if numpy_loop:
        before = summary(rates["numpy_loop"])
        record["numpy_loop_tokens_per_s"] = round(before["median"])
        record["compiled_over_numpy_loop"] = round(
            statistics.median(
                [a / b for a, b in zip(rates["rnnplay"], rates["numpy_loop"], strict=True)]
            ),
            3,
        )
        if use_torch:
            record["numpy_loop_ratio"] = round(
                statistics.median(
                    [a / b for a, b in zip(rates["numpy_loop"], rates["torch"], strict=True)]
                ),
                3,
            )
    if use_torch:
        theirs = summary(rates["torch"])
        paired = [a / b for a, b in zip(rates["rnnplay"], rates["torch"], strict=True)]
        ratio = statistics.median(paired)
        record.update(
            {
                "torch_tokens_per_s": round(theirs["median"]),
                "torch_tokens_per_s_min_max": [round(theirs["min"]), round(theirs["max"])],
                "torch_gflops": round(flops / (tokens / theirs["median"]) / 1e9, 2),
                "ratio": round(ratio, 3),
                "ratio_min_max": [round(min(paired), 3), round(max(paired), 3)],
                "ratio_of_best": round(ours["max"] / theirs["max"], 3),
                "meets_issue5_target": ratio >= cfg.issue5_ratio,
            }
        )
    else:
        record.update({"torch_tokens_per_s": None, "ratio": None, "meets_issue5_target": None})
    return record


SAMPLE_TARGET_TOKENS_PER_S = 10_000


def _sampler_step(cfg: BenchConfig, seed: int) -> tuple[Callable[[], Any], str, int] | None:
    """One-token step of rnnplay's Sampler, or None while the Sampler does not exist yet."""
    try:
        from rnnplay.core.data.vocab import Vocabulary
        from rnnplay.core.sampling.sampler import Sampler
    except ImportError:
        return None
    alphabet = "".join(chr(c) for c in range(33, 33 + cfg.V))
    vocab = Vocabulary.build(alphabet, "char")
    model = RNNLM(len(vocab), cfg.D, cfg.H, cell=cfg.cell, seed=seed)
    sampler = Sampler(model, vocab, seed=seed)
    sampler.start(alphabet[0])
    return sampler.step, "rnnplay.core.sampling.sampler.Sampler.step", len(vocab)


def _predict_step(cfg: BenchConfig, seed: int) -> Callable[[], int]:
    """One token by model.predict on a (1, 1) input, softmax and an inverse-CDF draw."""
    model = RNNLM(cfg.V, cfg.D, cfg.H, cell=cfg.cell, seed=seed)
    model.eval()
    rng = np.random.default_rng(seed)
    token = np.zeros((1, 1), dtype=np.int32)

    def step() -> int:
        logits = model.predict(token)[0, -1]
        probs = np.exp(logits - logits.max())
        cdf = np.cumsum(probs)
        token[0, 0] = min(int(np.searchsorted(cdf, rng.random() * cdf[-1])), cfg.V - 1)
        return int(token[0, 0])

    return step


def bench_sampling(
    cfg: BenchConfig, *, tokens: int, repeats: int, seed: int, use_torch: bool
) -> dict[str, Any]:
    """Single-stream generation speed (tokens/s) of the char LSTM."""
    found = _sampler_step(cfg, seed)
    if found is not None:
        ours, method, V = found
    else:
        ours = _predict_step(cfg, seed)
        method = (
            "model.predict on (1,1) inputs + numpy softmax/inverse-CDF draw "
            "(rnnplay.core.sampling.sampler.Sampler not available yet)"
        )
        V = cfg.V
    sides: dict[str, Callable[[], Any]] = {"rnnplay": ours}
    if use_torch:
        sides["torch"] = _torch_peer.make_sample_step(cfg.cell, V, cfg.D, cfg.H, seed=seed)
    rates = interleaved_rates(sides, 1, tokens, min(200, tokens), repeats)
    mine = summary(rates["rnnplay"])
    record: dict[str, Any] = {
        "benchmark": "sample_speed",
        "config": cfg.name,
        "cell": cfg.cell,
        "V": V,
        "D": cfg.D,
        "H": cfg.H,
        "method": method,
        "tokens_per_repeat": tokens,
        "repeats": repeats,
        "rnnplay_tokens_per_s": round(mine["median"]),
        "rnnplay_tokens_per_s_min_max": [round(mine["min"]), round(mine["max"])],
        "rnnplay_us_per_token": round(1e6 / mine["median"], 1),
        "issue5_target_tokens_per_s": SAMPLE_TARGET_TOKENS_PER_S,
        "meets_issue5_target": mine["median"] >= SAMPLE_TARGET_TOKENS_PER_S,
    }
    if use_torch:
        theirs = summary(rates["torch"])
        record["torch_tokens_per_s"] = round(theirs["median"])
        record["torch_method"] = "nn.Module on (1,1) under no_grad + softmax + multinomial"
        record["ratio"] = round(mine["median"] / theirs["median"], 3)
    return record


# -- command line ----------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Tokens/s of a full training step: rnnplay vs PyTorch, as JSON lines."
    )
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"comma-separated subset of {', '.join(CONFIGS)} (default: all)",
    )
    parser.add_argument("--steps", type=int, default=20, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=5, help="timed blocks per side")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch side")
    parser.add_argument(
        "--numpy-loop",
        action="store_true",
        help="also time rnnplay with the NumPy time loop (where the compiled one loads)",
    )
    parser.add_argument(
        "--sample-tokens",
        type=int,
        default=2000,
        help="tokens per repeat for the sampling line (0 skips it)",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or not names:
        parser.exit(2, f"train_speed: unknown config {unknown}; choose from {list(CONFIGS)}\n")
    for flag in ("steps", "repeats", "threads"):
        if getattr(args, flag) < 1:
            parser.exit(2, f"train_speed: --{flag} must be at least 1\n")
    if args.warmup < 0 or args.sample_tokens < 0:
        parser.exit(2, "train_speed: --warmup and --sample-tokens must not be negative\n")
    args.config_names = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_torch = not args.no_torch and _torch_peer.available()
    limiter = limit_threads(args.threads)  # noqa: F841  (kept alive for the whole run)
    common = {
        "threads": args.threads,
        "numpy": np.__version__,
        "torch": _torch_peer.version() if use_torch else None,
        "blas": blas_info(),
    }
    for name in args.config_names:
        record = bench_training(
            CONFIGS[name],
            steps=args.steps,
            warmup=args.warmup,
            repeats=args.repeats,
            seed=args.seed,
            use_torch=use_torch,
            numpy_loop=args.numpy_loop and loop_kind(CONFIGS[name].cell) == "numba",
        )
        print(json.dumps({**record, **common, "loadavg": load_average()}), flush=True)
    if args.sample_tokens:
        record = bench_sampling(
            CONFIGS["char_lstm"],
            tokens=args.sample_tokens,
            repeats=args.repeats,
            seed=args.seed,
            use_torch=use_torch,
        )
        print(json.dumps({**record, **common, "loadavg": load_average()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
