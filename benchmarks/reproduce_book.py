"""Reproduce the book's language-model experiments through the real ``rnnplay`` CLI.

Each experiment is one ``rnnplay train`` run (plus, for ch05, one
``rnnplay eval``) in a subprocess, exactly as a user would type it; the
figures are read back from the run's ``metrics.jsonl``. One JSON line per
experiment goes to stdout: the command, the figures, the book's figure next
to ours, the wall time and the machine's load while it ran (on a shared
machine the wall time means little without it).

- ``ch05``: a plain RNN on the first 1000 words of the PTB training text
  (D=H=100, N=10, T=5, SGD lr 0.1, 100 epochs, no clipping). The book
  prints the training perplexity of every epoch (the mean loss of its
  batches, exponentiated); we compute the same from the per-step losses,
  and also score the final weights on the same 1000 words with
  ``rnnplay eval``.
- ``ch06``: a word LSTM on PTB (D=H=100, N=20, T=35, SGD lr 20, clip 0.25,
  4 epochs, constant learning rate and forget-gate bias 0 as in the book's
  basic run), validation once per epoch, test perplexity at the end; the
  book's trained weights score 136.08 on the test text. ``ch06-fb1`` (only
  when asked for) is the same run with rnnplay's default forget-gate bias 1;
  ``ch06-cosine`` (also on request) decays the lr from 20 to 2 along a
  cosine after 50 warm-up steps, everything else as ``ch06``.
- ``char``: the default recipe on tinyshakespeare (last 10% held out) for
  180 s of training; validation loss over the whole held-out text in nats
  per char.

The PTB and tinyshakespeare files live in ``../shared/corpora`` (never in
the repo); without them every experiment is skipped with a message and the
script exits 0. Derived files (the 1000-word text) and run folders go to a
fresh folder under the system temp dir. Usage::

    .venv/bin/python benchmarks/reproduce_book.py               # all three
    .venv/bin/python benchmarks/reproduce_book.py --only ch05,char
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
EXPERIMENT_NAMES = ("ch05", "ch06", "char")
OPTIONAL_NAMES = ("ch06-fb1", "ch06-cosine")  # run only when named in --only

CH05_WORDS = 1000
CH06_BOOK_TEST_PPL = 136.08
CHAR_SECONDS = 180.0
LOAD_POLL_S = 5.0

NEEDS = {
    "ch05": ("ptb.train.txt",),
    "ch06": ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"),
    "ch06-fb1": ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"),
    "ch06-cosine": ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"),
    "char": ("tinyshakespeare.txt",),
}


# -- running the CLI ------------------------------------------------------------------
def _shown(path: Path) -> str:
    """A path as typed from the repo root: relative next to the repo, else absolute."""
    path = path.resolve()
    if path.is_relative_to(REPO.parent):
        return os.path.relpath(path, REPO)
    return str(path)


def run_cli(args: list[str]) -> dict[str, Any]:
    """Run ``rnnplay ARGS`` from the repo root; wall time and load average while it ran.

    The load average is sampled every few seconds: above the number of cores,
    other work competed for the CPU and the wall time is inflated.
    """
    command = [sys.executable, "-m", "rnnplay", *args]
    loads = [os.getloadavg()[0]]
    start = time.perf_counter()
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=LOAD_POLL_S)
                break
            except subprocess.TimeoutExpired:
                loads.append(os.getloadavg()[0])
    wall = time.perf_counter() - start
    loads.append(os.getloadavg()[0])
    if proc.returncode != 0:
        raise RuntimeError(
            f"rnnplay {shlex.join(args)} exited {proc.returncode}: {stderr.strip()[-500:]}"
        )
    return {
        "command": "rnnplay " + shlex.join(args),
        "wall_s": round(wall, 1),
        "loadavg_mean": round(sum(loads) / len(loads), 2),
        "loadavg_max": round(max(loads), 2),
        "stdout": stdout,
    }


def read_metrics(out: Path) -> list[dict[str, Any]]:
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def epoch_train_ppl(records: list[dict[str, Any]]) -> list[float]:
    """The book's training perplexity per epoch: exp of the mean batch loss of each epoch.

    An epoch is ``ceil(L / (N*T))`` steps (L predictable training tokens),
    as the trainer counts them; L and N*T come from the records themselves.
    """
    steps = [r for r in records if r["kind"] == "train"]
    last = steps[-1]
    per_step = last["tokens"] / last["step"]
    targets = round(last["tokens"] / last["epoch"])
    steps_per_epoch = math.ceil(targets / per_step)
    epochs: dict[int, list[float]] = {}
    for record in steps:
        epochs.setdefault((record["step"] - 1) // steps_per_epoch, []).append(record["loss"])
    return [round(math.exp(sum(v) / len(v)), 2) for _, v in sorted(epochs.items())]


def median_tokens_per_s(records: list[dict[str, Any]]) -> float:
    """Median over the steps of the trainer's tokens/s (its moving average of step times)."""
    rates = sorted(r["tokens_per_s"] for r in records if r["kind"] == "train")
    return round(rates[len(rates) // 2])


def evaluations(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        {"step": r["step"], "epoch": round(r["epoch"], 3), "loss": r["loss"], "ppl": r["ppl"]}
        for r in records
        if r["kind"] == kind
    ]


# -- the experiments ------------------------------------------------------------------
def write_first_words(source: Path, count: int, target: Path) -> int:
    """Write the first ``count`` word tokens of ``source`` (``<eos>`` as newlines) to target.

    Tokenized again by rnnplay the file gives exactly those tokens, which is
    the book's ``corpus[:1000]`` of the whole training text. Returns the
    number of distinct words (the book's vocabulary size).
    """
    from rnnplay.core.data.vocab import EOS, tokenize

    words = tokenize(source.read_text(encoding="utf-8"), "word")[:count]
    lines: list[list[str]] = [[]]
    for word in words:
        if word == EOS:
            lines.append([])
        else:
            lines[-1].append(word)
    target.write_text("\n".join(" ".join(line) for line in lines), encoding="utf-8")
    if tokenize(target.read_text(encoding="utf-8"), "word") != words:
        raise RuntimeError(f"{target} does not tokenize back to the first {count} words")
    return len(set(words))


def ch05(corpora: Path, work: Path) -> dict[str, Any]:
    text = work / "ptb.train.first1000.txt"
    vocab = write_first_words(corpora / "ptb.train.txt", CH05_WORDS, text)
    out = work / "ch05"
    args = [
        "train", "--corpus", _shown(text), "--valid", _shown(text), "--level", "word",
        "--model", "rnn", "--embed", "100", "--hidden", "100",
        "--batch", "10", "--bptt", "5", "--batching", "streams",
        "--optimizer", "sgd", "--lr", "0.1", "--clip", "1e9",
        "--epochs", "100", "--eval-every", "20", "--seed", "1",
        "--out", _shown(out), "--quiet",
    ]  # fmt: skip
    run = run_cli(args)
    records = read_metrics(out)
    train_ppl = epoch_train_ppl(records)
    scored = run_cli(["eval", _shown(out / "last.npz"), "--corpus", _shown(text), "--json"])
    final = json.loads(scored["stdout"])
    return {
        "experiment": "ch05",
        "command": run["command"],
        "eval_command": scored["command"],
        "vocab_size": vocab,
        "epochs": len(train_ppl),
        "steps": records[-1]["step"],
        "train_ppl_per_epoch": train_ppl,
        "final_train_ppl": train_ppl[-1],
        "final_weights_ppl_on_the_1000_words": round(final["ppl"], 3),
        "valid_ppl_every_epoch": [round(e["ppl"], 2) for e in evaluations(records, "eval")],
        "book": "training perplexity near 5-6 after 100 epochs (its ch05 plot)",
        "wall_s": run["wall_s"],
        "loadavg_mean": run["loadavg_mean"],
        "loadavg_max": run["loadavg_max"],
    }


def ch06(
    corpora: Path, work: Path, forget_bias: float = 0.0, schedule: str = "constant"
) -> dict[str, Any]:
    """The book's basic ch06 run; ``forget_bias`` 0 and a constant lr are the book's."""
    name = "ch06" if forget_bias == 0.0 else f"ch06-fb{forget_bias:g}"
    if schedule != "constant":
        name += f"-{schedule}"
    out = work / name
    train = corpora / "ptb.train.txt"
    # One validation per epoch: ceil(929588 / (20*35)) = 1328 steps.
    args = [
        "train", "--corpus", _shown(train),
        "--valid", _shown(corpora / "ptb.valid.txt"), "--test", _shown(corpora / "ptb.test.txt"),
        "--level", "word", "--model", "lstm", "--embed", "100", "--hidden", "100",
        "--forget-bias", f"{forget_bias:g}",
        "--batch", "20", "--bptt", "35", "--batching", "streams",
        "--optimizer", "sgd", "--lr", "20", "--clip", "0.25", "--schedule", schedule,
        "--epochs", "4", "--eval-every", "1328", "--seed", "1",
        "--out", _shown(out), "--quiet",
    ]  # fmt: skip
    run = run_cli(args)
    records = read_metrics(out)
    test = evaluations(records, "test")
    test_ppl = test[-1]["ppl"]
    steps = [r for r in records if r["kind"] == "train"]
    return {
        "experiment": name,
        "command": run["command"],
        "steps": steps[-1]["step"],
        "train_ppl_per_epoch": epoch_train_ppl(records),
        "valid_ppl_per_epoch": [round(e["ppl"], 2) for e in evaluations(records, "eval")],
        "test_ppl": round(test_ppl, 2),
        "book_test_ppl": CH06_BOOK_TEST_PPL,
        "meets_book": test_ppl <= CH06_BOOK_TEST_PPL,
        "train_elapsed_s": round(steps[-1]["elapsed_s"], 1),
        "tokens_per_s_median": median_tokens_per_s(records),
        "wall_s": run["wall_s"],
        "loadavg_mean": run["loadavg_mean"],
        "loadavg_max": run["loadavg_max"],
    }


def char(corpora: Path, work: Path, seconds: float = CHAR_SECONDS) -> dict[str, Any]:
    out = work / "char"
    args = [
        "train", "--corpus", _shown(corpora / "tinyshakespeare.txt"),
        "--max-seconds", f"{seconds:g}", "--out", _shown(out), "--quiet",
    ]  # fmt: skip
    run = run_cli(args)
    records = read_metrics(out)
    evals = evaluations(records, "eval")
    last = evals[-1]
    steps = [r for r in records if r["kind"] == "train"]
    return {
        "experiment": "char",
        "command": run["command"],
        "steps": steps[-1]["step"],
        "tokens": steps[-1]["tokens"],
        "epochs": round(steps[-1]["epoch"], 3),
        "final_valid_nats_per_char": round(last["loss"], 4),
        "final_valid_bits_per_char": round(last["loss"] / math.log(2), 4),
        "best_valid_nats_per_char": round(min(e["loss"] for e in evals), 4),
        "tokens_per_s_median": median_tokens_per_s(records),
        "valid_curve": [(e["step"], round(e["loss"], 4)) for e in evals],
        "wall_s": run["wall_s"],
        "loadavg_mean": run["loadavg_mean"],
        "loadavg_max": run["loadavg_max"],
    }


EXPERIMENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "ch05": ch05,
    "ch06": ch06,
    "ch06-fb1": functools.partial(ch06, forget_bias=1.0),
    "ch06-cosine": functools.partial(ch06, schedule="cosine"),
    "char": char,
}


# -- entry ----------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    import numpy

    from rnnplay import __version__

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "rnnplay": __version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA, help="folder with ptb.*.txt"
    )
    parser.add_argument(
        "--only",
        default=",".join(EXPERIMENT_NAMES),
        help="comma-separated: ch05,ch06,char (the default), ch06-fb1, ch06-cosine",
    )
    parser.add_argument(
        "--work", type=Path, default=None, help="folder for derived files and runs (new)"
    )
    parser.add_argument(
        "--char-seconds", type=float, default=CHAR_SECONDS, help="training time of 'char'"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        known = ", ".join(EXPERIMENT_NAMES + OPTIONAL_NAMES)
        parser.error(f"unknown experiments {unknown}; choose from {known}")
    corpora = args.corpora
    if not corpora.is_dir():
        print(
            f"reproduce_book: skipped: no corpora folder at {corpora} "
            f"(put ptb.*.txt and tinyshakespeare.txt there, or pass --corpora)",
            file=sys.stderr,
        )
        print(json.dumps({"skipped": f"no corpora folder at {corpora}"}), flush=True)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="rnnplay-book-"))
    work.mkdir(parents=True, exist_ok=True)
    common = machine()
    for name in names:
        missing = [f for f in NEEDS[name] if not (corpora / f).is_file()]
        if missing:
            reason = f"{', '.join(missing)} not found in {corpora}"
            print(f"reproduce_book: {name} skipped: {reason}", file=sys.stderr)
            print(json.dumps({"experiment": name, "skipped": reason}), flush=True)
            continue
        kwargs = {"seconds": args.char_seconds} if name == "char" else {}
        result = EXPERIMENTS[name](corpora, work, **kwargs)
        print(json.dumps({**result, **common, "work": str(work)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
