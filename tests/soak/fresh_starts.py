"""Fresh playground starts in tmux, as issue 22's freeze was reported: counts freezes.

    PYTHONPATH=. python tests/soak/fresh_starts.py --starts 20
    PYTHONPATH=. python tests/soak/fresh_starts.py --starts 20 --extra-path /tmp/tpc36

Each start runs the bare ``rnnplay`` (this tree, a tiny model, a folder of its
own, an empty n-gram cache with ``--cold-cache``) in a tmux session of
``--size`` with ``NO_COLOR=1`` and ``OPENBLAS_NUM_THREADS=1``; waits for the
first frame (the Status and Controls panels on screen), presses ``n``
``--n-after`` seconds later and ``q`` a random ``--q-after`` later. A start
that has not ended 20 s after ``q`` is frozen: its screen and its hang file
(``rnnplay-hang-*.txt``, written by the app after 10 s without a beat) are
kept in its folder and the process is killed. ``--extra-path`` goes first on
PYTHONPATH (e.g. an older threadpoolctl unpacked there). One JSON line per
start (first frame, when q came, how long quitting took, whether the step was
written), then a summary with the load. Exit 1 when any start froze. Needs
tmux; reads the screen with ``capture-pane``, so nothing blocks on output.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUIT_LIMIT_S = 20.0
TINY = ["--embed", "16", "--hidden", "32", "--batch", "4", "--bptt", "8"]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def one_start(number: int, folder: Path, args: argparse.Namespace, rng: random.Random) -> dict:
    here = folder / f"start{number}"
    here.mkdir()
    path = f"{args.extra_path}:{ROOT}" if args.extra_path else str(ROOT)
    cache = f"XDG_CACHE_HOME={here}/cache " if args.cold_cache else ""
    command = (
        f"cd {here} && NO_COLOR=1 OPENBLAS_NUM_THREADS=1 XDG_STATE_HOME={here}/state {cache}"
        f"PYTHONPATH={path} exec {sys.executable} -m rnnplay --runs-dir {here}/runs "
        + " ".join(TINY)
    )
    width, height = args.size.split("x")
    session = f"fresh{os.getpid()}_{number}"
    tmux("new-session", "-d", "-s", session, "-x", width, "-y", height,
         f"TERM=xterm-256color sh -c '{command}'; echo $? > {here}/rc; sleep 3600")  # fmt: skip
    row: dict = {"start": number}
    began = time.monotonic()
    try:
        while time.monotonic() - began < 60 and not (here / "rc").exists():
            screen = tmux("capture-pane", "-p", "-t", session)
            if "Status" in screen and "Controls" in screen:
                row["first_frame_s"] = round(time.monotonic() - began, 2)
                break
            time.sleep(0.05)
        if "first_frame_s" not in row:
            row["outcome"] = "no first frame"
            return row
        time.sleep(args.n_after)
        tmux("send-keys", "-t", session, "n")
        row["q_after_n_s"] = round(rng.uniform(*args.q_after), 2)
        time.sleep(row["q_after_n_s"])
        pressed = time.monotonic()
        tmux("send-keys", "-t", session, "q")
        while time.monotonic() - pressed < QUIT_LIMIT_S and not (here / "rc").exists():
            time.sleep(0.05)
        if (here / "rc").exists():
            row["outcome"] = "quit"
            row["quit_s"] = round(time.monotonic() - pressed, 2)
            row["exit_code"] = (here / "rc").read_text().strip()
        else:
            row["outcome"] = "FROZEN"
            (here / "screen.txt").write_text(tmux("capture-pane", "-p", "-t", session))
            row["hang_files"] = glob.glob(f"{here}/state/rnnplay/rnnplay-hang-*.txt")
            shell = tmux("display", "-p", "-t", session, "#{pane_pid}").strip()
            children = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True)
            for pid in children.stdout.split():
                os.kill(int(pid), signal.SIGKILL)
        metrics = glob.glob(f"{here}/runs/*/metrics.jsonl")
        row["step_written"] = bool(metrics) and Path(metrics[0]).read_text().strip() != ""
        return row
    finally:
        tmux("kill-session", "-t", session)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--size", default="120x40", help="the terminal, WxH")
    parser.add_argument("--n-after", type=float, default=1.5, help="n this long after the frame")
    parser.add_argument("--q-after", type=float, nargs=2, default=(0.2, 3.0), metavar=("LO", "HI"),
                        help="q a random time in [LO, HI] s after n")  # fmt: skip
    parser.add_argument("--extra-path", default="", help="put first on PYTHONPATH")
    parser.add_argument("--cold-cache", action="store_true", help="an empty n-gram cache")
    parser.add_argument("--keep", type=Path, help="keep the start folders here")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("fresh_starts: tmux is not installed", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rnnplay-starts-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for number in range(args.starts):
        rows.append(one_start(number, folder, args, rng))
        print(json.dumps(rows[-1]), flush=True)
    frozen = [row for row in rows if row.get("outcome") == "FROZEN"]
    summary = {
        "starts": len(rows),
        "quit": sum(row.get("outcome") == "quit" for row in rows),
        "frozen": len(frozen),
        "steps_written": sum(bool(row.get("step_written")) for row in rows),
        "folder": str(folder),
        "load": os.getloadavg(),
    }
    print(json.dumps({"summary": summary}), flush=True)
    if not frozen and args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if frozen else 0


if __name__ == "__main__":
    sys.exit(main())
