"""What a live inspector costs training (issue 19's target: training keeps >= 95% of its
speed with the Inspect view open).

The engine side of the Inspect view, without the view: the training thread
runs ``Trainer.step``; an inspector thread, every ``--every`` seconds, asks
for a snapshot, which the training thread takes between two steps
(``frozen_copy``, as the playground does for samples), then reads a
200-character text with it (distribution, surprise, every layer's states)
and blames one position, as a view following the live model would on each
refresh. Blocks of plain training and of training beside the inspector take
turns (so background load hits both alike); ``ratio`` is the median of the
per-pair inspected/plain speeds. Prints JSON lines with the load average.
Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/inspect_live.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per block")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between refreshes")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads is not None:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.threads)

    from rnnplay.core.data.corpus import load_dataset
    from rnnplay.core.inspect import Inspector
    from rnnplay.core.nn.stepper import frozen_copy
    from rnnplay.core.train.config import TrainConfig
    from rnnplay.core.train.trainer import Trainer

    config = TrainConfig()
    dataset = load_dataset(config.corpus)
    trainer = Trainer(config, dataset)
    text = dataset.valid[:200]
    wanted, handed = threading.Event(), threading.Event()
    box: dict = {}
    refreshes = [0]

    def inspector_loop(stop: threading.Event) -> None:
        while not stop.is_set():
            handed.clear()
            wanted.set()
            if not handed.wait(timeout=10) or stop.is_set():
                return
            inspector = Inspector(box["model"], dataset.vocab, weights="live")
            inspector.read(text)
            inspector.blame(text, len(text) - 2)
            refreshes[0] += 1
            stop.wait(args.every)

    def block(inspect: bool) -> float:
        stop = threading.Event()
        worker = threading.Thread(target=inspector_loop, args=(stop,)) if inspect else None
        if worker is not None:
            worker.start()
        tokens, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            trainer.step()
            tokens += config.batch * config.bptt
            if wanted.is_set():
                wanted.clear()
                box["model"] = frozen_copy(trainer.model)
                handed.set()
        elapsed = time.perf_counter() - start
        stop.set()
        handed.set()
        if worker is not None:
            worker.join()
        return tokens / elapsed

    block(False)  # warm up
    ratios, plain_speeds, inspected_speeds = [], [], []
    for _ in range(args.repeats):
        plain = block(False)
        inspected = block(True)
        plain_speeds.append(plain)
        inspected_speeds.append(inspected)
        ratios.append(inspected / plain)
    print(
        json.dumps(
            {
                "bench": "inspect_live",
                "plain_tokens_per_s": round(statistics.median(plain_speeds)),
                "inspected_tokens_per_s": round(statistics.median(inspected_speeds)),
                "ratio": round(statistics.median(ratios), 3),
                "ratios": [round(r, 3) for r in ratios],
                "refreshes": refreshes[0],
                "every_s": args.every,
                "cell": config.cell,
                "hidden": config.hidden,
                "threads": args.threads,
                "loadavg": os.getloadavg()[0],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
