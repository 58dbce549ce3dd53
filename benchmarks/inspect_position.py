"""How long the inspector takes to answer one position (issue 19's target: under 50 ms
for a 256-hidden LSTM over 200 characters).

Answering a position means what the Inspect view needs when its cursor
lands on a token of a text it has already read: the blame of that
prediction (a forward and a backward pass over the text up to the cursor).
Reading the whole text once (the distribution, surprise and every layer's
states at every position) is timed too, and both together: the cost of a
fresh text or of new weights, then one position.

The peer, when torch is installed: the same blame in PyTorch (``nn.LSTM``
over the text up to the cursor, batch 1, autograd back to the input
embeddings), timed in the same process, turn about with ours;
``ratio_to_torch`` = our median / torch's (the machine's load hits both).

Prints one JSON line per measure with the median and p90 over the repeats,
the target, and the load average; ``--threads`` limits BLAS (and torch) to
N threads (set before NumPy loads). Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/inspect_position.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = (
    "From fairest creatures we desire increase,\n"
    "That thereby beauty's rose might never die,\n"
    "But as the riper should by time decease,\n"
    "His tender heir might bear his memory:\n"
    "But thou contracted to thine own bright eyes,\n"
)
TARGET_MS = 50.0


def torch_blame(args: argparse.Namespace, V: int, steps: int):
    """The peer: blame of the last prediction over ``steps`` tokens in PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    embed = torch.nn.Embedding(V, args.embed)
    lstm = torch.nn.LSTM(args.embed, args.hidden, num_layers=args.layers, batch_first=True)
    out = torch.nn.Linear(args.hidden, V)
    ids = torch.randint(0, V, (1, steps))

    def run() -> None:
        x = embed(ids).detach().requires_grad_(True)
        h, _ = lstm(x)
        log_p = torch.log_softmax(out(h[0, -1]), dim=0)[0]
        log_p.backward()
        x.grad.norm(dim=2)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--chars", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads is not None:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.threads)

    from rnnplay.core.data.vocab import Vocabulary
    from rnnplay.core.inspect import Inspector
    from rnnplay.core.nn.model import RNNLM

    text = (TEXT * (args.chars // len(TEXT) + 1))[: args.chars]
    vocab = Vocabulary.build(TEXT + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "char")
    model = RNNLM(len(vocab), args.embed, args.hidden, cell=args.cell, layers=args.layers, seed=0)
    inspector = Inspector(model, vocab)
    last = len(text) - 2  # the cursor near the end: the longest backward pass

    def timed(*fns) -> list[list[float]]:
        """Each of ``fns`` timed ``repeats`` times, in turn (so load hits all alike)."""
        for fn in fns:
            fn()  # warm up
        out: list[list[float]] = [[] for _ in fns]
        for _ in range(args.repeats):
            for times, fn in zip(out, fns, strict=True):
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1000)
        return out

    peer = torch_blame(args, len(vocab), len(text) - 1) if args.cell == "lstm" else None
    measures = {
        "blame_one_position": lambda: inspector.blame(text, last),
        "read_whole_text": lambda: inspector.read(text),
        "read_then_blame": lambda: (inspector.read(text), inspector.blame(text, last)),
    }
    peer_times = None
    for name, fn in measures.items():
        if name == "blame_one_position" and peer is not None:
            times, peer_times = timed(fn, peer)
        else:
            (times,) = timed(fn)
        record = {
            "bench": "inspect_position",
            "measure": name,
            "median_ms": round(statistics.median(times), 2),
            "p90_ms": round(sorted(times)[int(0.9 * (len(times) - 1))], 2),
            "target_ms": TARGET_MS,
            "cell": args.cell,
            "hidden": args.hidden,
            "layers": args.layers,
            "chars": len(text),
            "threads": args.threads,
            "loadavg": os.getloadavg()[0],
        }
        if peer_times is not None and name == "blame_one_position":
            torch_ms = statistics.median(peer_times)
            record["torch_median_ms"] = round(torch_ms, 2)
            record["ratio_to_torch"] = round(record["median_ms"] / torch_ms, 2)
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
