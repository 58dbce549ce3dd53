"""How a classroom shares the machine: N browser sessions of ``rnnplay serve`` training at once.

For each N (default 1, 2, 4) it starts ``rnnplay serve --max-sessions N`` on a
free loopback port, opens N tabs in one headless Chromium (background tabs not
throttled), presses space in each, lets them warm up, then prints one JSON line:

- ``tokens_per_s``: per session, tokens trained per second over the measured
  window (read from each tab's status panel, i.e. through the browser path),
  with their mean and ``min_over_max`` (1.0 = perfectly fair sharing);
- ``cpu_percent``: per session process, over the same window;
- ``key_to_screen_ms``: p50 / p95 / max over ``--presses`` presses in the first
  tab while all N train: from the key entering the page's terminal (xterm's
  ``input``, what a key press does) until the changed learning rate (keys ]
  and [, alternately) has been drawn on the page (xterm's render event);
- ``loadavg`` (1, 5, 15 min) before and after, and the CPU count: the machine
  is shared, so read the figures next to the load.

Run it on a quiet machine (nothing else training) for figures worth comparing::

    .venv/bin/python benchmarks/serve_load.py                 # default recipe
    .venv/bin/python benchmarks/serve_load.py --sessions 1,2,4 --seconds 20 -- --hidden 64

Needs the serve extra, selenium and Debian's chromium + chromium-driver.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serve.browser import (  # noqa: E402
    open_page,
    press,
    screen_text,
    start_browser,
    status_number,
    wait_for_screen,
)
from tests.serve.harness import ServedClassroom  # noqa: E402

MEASURE_KEY = r"""
const key = arguments[0], done = arguments[arguments.length - 1];
const t = window.__rnnplayTerminals[0];
const lr = () => {
  const b = t.buffer.active;
  for (let i = 0; i < t.rows; i++) {
    const line = b.getLine(b.viewportY + i);
    const m = line && line.translateToString(true).match(/\blr\s+([0-9.e+-]+)/);
    if (m) return m[1];
  }
  return null;
};
const before = lr();
let finished = false;
const finish = (value) => { if (!finished) { finished = true; sub.dispose(); done(value); } };
const sub = t.onRender(() => { if (lr() !== before) finish(performance.now() - t0); });
setTimeout(() => finish(null), 5000);
const t0 = performance.now();
t.input(key, true);
"""


def tokens_seen(text: str) -> float | None:
    """The status panel's token count ('204,800' or '1.23M')."""
    import re

    match = re.search(r"\btokens\s+([\d,.]+)(M?)", text)
    if match is None:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * 1e6 if match.group(2) else value


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(n: int, flags: list[str], seconds: float, warmup: float, presses: int) -> dict:
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory() as runs,
        ServedClassroom(Path(runs), *flags, max_sessions=n) as classroom,
    ):
        driver = start_browser()
        try:
            tabs = []
            for i in range(n):
                tabs.append(open_page(driver, classroom.url, new_tab=i > 0))
                wait_for_screen(driver, lambda t: status_number(t, "step") is not None, 60)
                press(driver, " ")
            pids = classroom.sessions()
            time.sleep(warmup)

            def snapshot() -> tuple[list[float], float, list[float]]:
                seen = []
                for tab in tabs:
                    driver.switch_to.window(tab)
                    seen.append(tokens_seen(screen_text(driver)) or 0.0)
                return seen, time.monotonic(), [cpu_seconds(pid) for pid in pids]

            tokens0, t0, cpu0 = snapshot()
            time.sleep(seconds)
            tokens1, t1, cpu1 = snapshot()
            rates = [(b - a) / (t1 - t0) for a, b in zip(tokens0, tokens1, strict=True)]
            cpu = [100 * (b - a) / (t1 - t0) for a, b in zip(cpu0, cpu1, strict=True)]

            driver.switch_to.window(tabs[0])
            driver.set_script_timeout(10)
            latencies = []
            for i in range(presses):
                value = driver.execute_async_script(MEASURE_KEY, "]" if i % 2 == 0 else "[")
                if value is not None:
                    latencies.append(float(value))
                time.sleep(0.3)
        finally:
            driver.quit()
        classroom.stop()
    return {
        "bench": "serve_load",
        "sessions": n,
        "flags": flags,
        "tokens_per_s": [round(r) for r in rates],
        "mean_tokens_per_s": round(statistics.mean(rates)),
        "min_over_max": round(min(rates) / max(rates), 3) if max(rates) > 0 else None,
        "cpu_percent": [round(c) for c in cpu],
        "key_to_screen_ms": {
            "p50": round(percentile(latencies, 0.5), 1) if latencies else None,
            "p95": round(percentile(latencies, 0.95), 1) if latencies else None,
            "max": round(max(latencies), 1) if latencies else None,
            "presses": presses,
            "seen": len(latencies),
        },
        "seconds": seconds,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,2,4", help="comma-separated N (default 1,2,4)")
    parser.add_argument("--seconds", type=float, default=15, help="measured window (default 15)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before it (default 5)")
    parser.add_argument("--presses", type=int, default=20, help="latency presses (default 20)")
    parser.add_argument("flags", nargs="*", help="rnnplay flags for the sessions (after --)")
    args = parser.parse_args(argv)
    flags: list[Any] = args.flags or ["--eval-every", "100"]
    for n in (int(x) for x in args.sessions.split(",")):
        print(json.dumps(measure(n, flags, args.seconds, args.warmup, args.presses)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
