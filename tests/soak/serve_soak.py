"""Serve soak: many sessions opened and closed against ``rnnplay serve`` on loopback.

    PYTHONPATH=. python tests/soak/serve_soak.py --sessions 100 --parallel 2

Starts ``rnnplay serve`` (tests/serve/harness.py: a free port on 127.0.0.1,
a small model) and opens ``--sessions`` sessions through textual-serve's
websocket, as the page does, ``--parallel`` at a time. Each one waits for
the playground's first screen, then ends in one of three ways, in turn:

- ``close``: trains a moment (space), then the tab closes its websocket;
- ``mid-step``: presses ``n`` (one step) or space and closes at once, while
  the step is under way;
- ``kill``: trains, then the socket is torn down without a websocket close
  (the TCP connection aborted, as when a laptop lid shuts or a tab crashes).

After each session it waits (15 s at most) for the session's process to end.
Every ten sessions, and at the end once everything settled, it measures the
server: resident memory (VmRSS), open file descriptors, child processes, and
the run folders: ``.lock`` files left, temporary files, ``run.json`` saying
``running``. One JSON line per sample; the last line holds the figures
(start, end and peak of memory and descriptors, leaked processes, locks and
files, the machine's load). Exit 1 when anything leaked. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.serve.harness import ServedClassroom, alive, children, wait_until

KINDS = ("close", "mid-step", "kill")
SESSION_END_S = 15.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def folder_leftovers(runs: Path) -> dict[str, list[str]]:
    """Locks, temporary files and manifests still saying running (once all ended)."""
    found: dict[str, list[str]] = {"locks": [], "tmp": [], "running": []}
    for path in runs.rglob("*") if runs.exists() else []:
        if path.name == ".lock":
            found["locks"].append(str(path.parent.name))
        elif path.name.endswith(".tmp"):
            found["tmp"].append(str(path))
        elif path.name == "run.json":
            try:
                status = json.loads(path.read_text()).get("status")
            except (OSError, ValueError):
                status = "unreadable"
            if status in ("running", "unreadable"):
                found["running"].append(f"{path.parent.name}: {status}")
    return found


async def one_session(url: str, kind: str, server_pid: int) -> dict:
    """Open a session, use it a little, end it the ``kind`` way; what happened."""
    import aiohttp

    before = set(children(server_pid))
    client = aiohttp.ClientSession()
    started = time.monotonic()
    try:
        websocket = await client.ws_connect(url.replace("http", "ws") + "ws?width=100&height=30")
        received = b""
        while b"Status" not in received and time.monotonic() - started < 60:
            message = await websocket.receive(timeout=60)
            if message.type != aiohttp.WSMsgType.BINARY:
                break
            received += message.data
        if b"Status" not in received:
            return {"kind": kind, "error": "no first screen within 60 s"}
        pids = sorted(set(children(server_pid)) - before)
        if kind == "mid-step":
            await websocket.send_json(["stdin", "n" if len(pids) % 2 else " "])
            await asyncio.sleep(0.05)
            await websocket.close()
        elif kind == "close":
            await websocket.send_json(["stdin", " "])
            await asyncio.sleep(1.0)
            await websocket.close()
        else:
            await websocket.send_json(["stdin", " "])
            await asyncio.sleep(1.0)
            transport = websocket._response.connection.transport  # type: ignore[union-attr]
            transport.abort()  # no close frame: the connection is simply gone
    finally:
        await client.close()
    ended = await asyncio.to_thread(
        wait_until, lambda: not any(alive(p) for p in pids), SESSION_END_S
    )
    return {
        "kind": kind,
        "pids": pids,
        "ended": ended,
        "seconds": round(time.monotonic() - started, 1),
    }


async def soak(classroom: ServedClassroom, sessions: int, parallel: int, runs: Path) -> dict:
    server = classroom.pid
    samples = []

    def sample(done: int) -> dict:
        point = {
            "sessions_done": done,
            "server_rss_kib": rss_kib(server),
            "server_fds": fds(server),
            "children": len(children(server)),
            "load": os.getloadavg()[0],
        }
        samples.append(point)
        print(json.dumps(point), flush=True)
        return point

    first = sample(0)
    kinds: Counter = Counter()
    not_ended: list[dict] = []
    errors: list[dict] = []
    done = 0
    queue = [KINDS[n % len(KINDS)] for n in range(sessions)]
    while queue:
        batch, queue = queue[:parallel], queue[parallel:]
        results = await asyncio.gather(
            *(one_session(classroom.url, kind, server) for kind in batch), return_exceptions=True
        )
        for kind, result in zip(batch, results, strict=True):
            done += 1
            if isinstance(result, BaseException):
                errors.append({"kind": kind, "error": f"{type(result).__name__}: {result}"})
                continue
            if "error" in result:
                errors.append(result)
                continue
            kinds[kind] += 1
            if not result["ended"]:
                not_ended.append(result)
        if done % 10 == 0 or not queue:
            sample(done)
    await asyncio.to_thread(wait_until, lambda: not children(server), 30)
    await asyncio.sleep(2)  # let the server close what it holds of the last ones
    last = sample(done)
    leftovers = folder_leftovers(runs)
    rss = [s["server_rss_kib"] for s in samples]
    return {
        "sessions": done,
        "ended_by": dict(kinds),
        "errors": errors,
        "sessions_not_ended_within_15s": len(not_ended),
        "processes_left": children(server),
        "server_fds": {
            "start": first["server_fds"],
            "end": last["server_fds"],
            "max": max(s["server_fds"] for s in samples),
        },
        "server_rss_kib": {
            "start": first["server_rss_kib"],
            "end": last["server_rss_kib"],
            "max": max(rss),
            "after_10": samples[1]["server_rss_kib"] if len(samples) > 1 else None,
        },
        "run_folders": len([p for p in runs.iterdir() if p.is_dir()]) if runs.exists() else 0,
        "locks_left": leftovers["locks"],
        "tmp_files_left": leftovers["tmp"],
        "manifests_running": leftovers["running"],
        "load": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnnplay-serve-soak-") as folder:
        runs = Path(folder) / "runs"
        max_sessions = str(max(args.parallel, 2))
        flags = ("--hidden", "32", "--embed", "16", "--eval-every", "20")
        with ServedClassroom(runs, *flags, max_sessions=int(max_sessions)) as classroom:
            figures = asyncio.run(soak(classroom, args.sessions, args.parallel, runs))
            figures["server_exit"] = classroom.stop()
    print(json.dumps({"figures": figures}), flush=True)
    leaked = (
        figures["processes_left"]
        or figures["locks_left"]
        or figures["tmp_files_left"]
        or figures["manifests_running"]
        or figures["sessions_not_ended_within_15s"]
        or figures["errors"]
        or figures["server_fds"]["end"] > figures["server_fds"]["start"]
    )
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main())
