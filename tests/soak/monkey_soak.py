"""The monkey of tests/tui/monkey.py for as long as asked: seeded runs until the time is up.

    PYTHONPATH=. python tests/soak/monkey_soak.py --minutes 30
    PYTHONPATH=. python tests/soak/monkey_soak.py --seed 1234 --size 80x24 --presses 400

Each run starts a fresh playground at one of 80x24, 120x40 and 20x5 (in turn),
presses ``--presses`` seeded random keys across every screen, quits with ``q``
and checks (no exception, no worker or thread left, the app ended, run folders
unlocked and whole). One JSON line per run: seed, size, keys pressed, resizes,
screens visited and failures; a failure also prints the command that replays
it. The last line sums it all up (and the load, as the machine is shared).
Exit 1 when any run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from tests.tui.monkey import SIZES, monkey


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="soak this long")
    parser.add_argument("--presses", type=int, default=300, help="keys per run")
    parser.add_argument("--seed", type=int, help="replay this one seed (with --size)")
    parser.add_argument("--size", help="WxH of a replayed run")
    parser.add_argument("--first-seed", type=int, default=None, help="seeds count up from here")
    args = parser.parse_args()
    if args.seed is not None:
        size = tuple(int(v) for v in (args.size or "80x24").split("x"))
        plan = [(args.seed, size)]
    else:
        first = args.first_seed if args.first_seed is not None else random.randrange(10**6)
        plan = ((first + n, SIZES[n % len(SIZES)]) for n in range(10**9))
    deadline = time.monotonic() + args.minutes * 60
    totals: Counter = Counter()
    screens: Counter = Counter()
    failed: list[dict] = []
    started = time.monotonic()
    for seed, size in plan:
        with tempfile.TemporaryDirectory(prefix="rnnplay-monkey-") as folder:
            began = time.monotonic()
            try:
                outcome = asyncio.run(monkey(seed, size, args.presses, Path(folder)))
                line = outcome.summary()
            except Exception as error:  # the monkey itself broke: still a failure to replay
                outcome = None
                failure = f"the monkey failed: {type(error).__name__}: {error}"
                line = {"seed": seed, "size": f"{size[0]}x{size[1]}", "keys": 0, "resizes": 0,
                        "failures": [failure]}  # fmt: skip
        line["seconds"] = round(time.monotonic() - began, 1)
        print(json.dumps(line), flush=True)
        totals["runs"] += 1
        totals["keys"] += line["keys"]
        totals["resizes"] += line["resizes"]
        if outcome is not None:
            screens.update(outcome.screens)
        if line["failures"]:
            failed.append(line)
            replay = f"--seed {seed} --size {size[0]}x{size[1]} --presses {args.presses}"
            print(f"FAILED: replay with python tests/soak/monkey_soak.py {replay}", flush=True)
        if args.seed is not None or time.monotonic() > deadline:
            break
    summary = {
        "runs": totals["runs"],
        "keys": totals["keys"],
        "resizes": totals["resizes"],
        "screens": dict(screens),
        "failed_seeds": [line["seed"] for line in failed],
        "minutes": round((time.monotonic() - started) / 60, 1),
        "load": os.getloadavg(),
    }
    print(json.dumps({"summary": summary}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
