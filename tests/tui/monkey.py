"""A monkey for the playground: seeded random keys across every screen, then checks.

:func:`monkey` runs the real app (a tiny seeded session, its runs in a
folder of the test's) under Textual's Pilot at one terminal size and presses
``presses`` keys drawn from a seeded generator: every key of the key table
(:mod:`rnnplay.tui.keys`: the app's, the Compare view's and the Runs
screen's), arrows, Tab, shift+Tab, Escape, Enter, Backspace, ctrl+p, letters,
digits and punctuation as text, terminal resizes (80x24, 120x40, 20x5 and
others) and short waits that let training, races and samples run. Keys that
open the screens (``?`` help, ctrl+p palette, ``o`` open dialog, ``m``
Compare, ``b`` Runs, ``i`` Inspect) are drawn more often so every screen is visited. ``q``
and ctrl+c/ctrl+q are kept for the end.

After the keys it leaves whatever screen it is on (Escape, at most a few
times) and presses ``q``; then it checks what the issue asks: no exception
(the app's crash guard holds none and the exit code is 0), the app ended
after ``q`` (waited for with a timeout, never timed), no worker still
running and no thread of the app left alive, and every run folder it wrote
unlocked and whole (no ``.lock``, no temporary file, every checkpoint loads,
every ``run.json`` and metrics line parses, no run says it is still running).

The suite runs a short seeded monkey (``test_monkey.py``); ``tests/soak/
monkey_soak.py`` runs it for as long as asked and prints each seed.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

from rnnplay.tui import keys as key_table
from tests.tui.app_helpers import make_app, tiny_config

SIZES = ((80, 24), (120, 40), (20, 5))
"""The sizes the issue names; a run starts at one and resizes among these and more."""
RESIZES = (*SIZES, (60, 20), (110, 32), (200, 60), (40, 12))

QUIT_KEYS = frozenset({"q", "ctrl+q", "ctrl+c"})
NAVIGATION = ("up", "down", "left", "right", "tab", "shift+tab", "escape", "enter", "backspace",
              "home", "end", "pageup", "pagedown", "ctrl+p", "space", "delete")  # fmt: skip
TEXT = (*"abcdefhijklmnoprstuvwxyz0123456789.,;:-_/~ ", "y", "Y", "N")
SCREEN_OPENERS = ("question_mark", "ctrl+p", "o", "m", "b", "i")

QUIT_TIMEOUT_S = 20.0
"""How long ``q`` may take before the monkey calls the app stuck (a hang guard: the
app's own quit waits at most 2 s for a step)."""


def table_keys() -> list[str]:
    """Every key the key table binds (the app's and the screens'), but the quitting ones."""
    found: list[str] = []
    for action in key_table.ACTIONS:
        found += action.keys.split(",")
    for screen_keys in (key_table.COMPARE_KEYS, key_table.RUNS_KEYS, key_table.INSPECT_KEYS):
        for key in screen_keys:
            found += key.keys.split(",")
    return sorted({k for k in found if k not in QUIT_KEYS})


@dataclass
class Outcome:
    """What one monkey run did and found."""

    seed: int
    size: tuple[int, int]
    pressed: Counter = field(default_factory=Counter)
    screens: Counter = field(default_factory=Counter)
    resizes: int = 0
    failures: list[str] = field(default_factory=list)
    last_keys: deque = field(default_factory=lambda: deque(maxlen=12))
    stuck_on: str = ""
    """The screen on top when q did not end the app."""

    def summary(self) -> dict:
        return {
            "seed": self.seed,
            "size": f"{self.size[0]}x{self.size[1]}",
            "keys": sum(self.pressed.values()),
            "distinct_keys": len(self.pressed),
            "resizes": self.resizes,
            "screens": dict(self.screens),
            "failures": self.failures,
            **({"last_keys": list(self.last_keys)} if self.failures else {}),
        }


def choose(rng: random.Random, keys: list[str]) -> str:
    roll = rng.random()
    if roll < 0.1:
        return "escape"  # out of a field or a dialog, so the openers work again
    if roll < 0.22:
        return rng.choice(SCREEN_OPENERS)
    if roll < 0.55:
        return rng.choice(keys)
    if roll < 0.8:
        return rng.choice(NAVIGATION)
    return rng.choice(TEXT)


async def monkey(seed: int, size: tuple[int, int], presses: int, folder: Path) -> Outcome:
    """Press ``presses`` seeded random keys into a fresh app at ``size``; the outcome."""
    rng = random.Random(seed)
    outcome = Outcome(seed, size)
    keys = table_keys()
    runs = folder / "runs"
    threads_before = set(threading.enumerate())
    app = make_app(config=tiny_config(seed=seed % 1000 + 1), checkpoint_dir=runs)
    try:
        quit_seen = await _drive(app, rng, keys, presses, size, outcome)
    except Exception as error:  # the app crashed: Pilot re-raises what ended it
        outcome.failures.append(_describe(error))
        return outcome
    outcome.failures += _check_app(app, quit_seen, outcome.stuck_on)
    outcome.failures += await _check_threads(threads_before)
    outcome.failures += check_run_folders(runs)
    return outcome


async def _drive(app, rng, keys, presses, size, outcome) -> bool | None:
    """The keys themselves; True when q ended the app, False when it did not (the
    screen on top is kept in ``outcome.stuck_on``), None when the app had ended
    before q was pressed. Told apart here, while the app is still up: once Pilot's
    context is left it has shut the app down, whatever ended it."""
    quit_seen: bool | None = None
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(presses):
            roll = rng.random()
            key_pressed = "(wait)"
            if roll < 0.04:
                width, height = rng.choice(RESIZES)
                await pilot.resize_terminal(width, height)
                outcome.resizes += 1
                key_pressed = f"(resize {width}x{height})"
            elif roll < 0.10:
                await pilot.pause(rng.uniform(0.0, 0.3))  # let training, races, samples run
            else:
                key = choose(rng, keys)
                outcome.pressed[key] += 1
                key_pressed = key
                await press(app, key)
            if app.crash is not None or not app.is_running:
                break
            outcome.screens[type(app.screen).__name__] += 1
            outcome.last_keys.append(key_pressed)
        if app.crash is None and app.is_running:
            for _ in range(6):  # back to the main view: q is text in a field or dialog
                if type(app.screen).__name__ in ("Screen", "TooSmallScreen", "CompareScreen"):
                    break
                await pilot.press("escape")
            await pilot.press("escape")  # leave a focused field
            await press(app, "q")
            quit_seen = await _wait(lambda: not app.is_running, QUIT_TIMEOUT_S)
            if not quit_seen:
                stack = app.screen_stack
                outcome.stuck_on = type(stack[-1]).__name__ if stack else "none"
    return quit_seen


def _describe(error: BaseException) -> str:
    """One failure line with the traceback of what really failed (a worker's own error)."""
    import traceback

    inner = getattr(error, "error", None) or error.__cause__ or error
    text = "".join(traceback.format_exception(type(inner), inner, inner.__traceback__))
    return f"exception: {type(error).__name__}: {error}\n{text}"


async def press(app, key: str) -> None:
    """Type ``key`` as the terminal's driver would, and let the event loop run a moment.

    Pilot's own ``press`` waits for the whole process to go idle after each key,
    which never happens while training runs in its thread (a second per key);
    a monkey types on regardless, as a person does."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)
    await asyncio.sleep(0.01)


async def _wait(condition, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def _check_app(app, quit_seen: bool | None, stuck_on: str = "") -> list[str]:
    failures = []
    if app.crash is not None:
        failures.append(f"exception: {type(app.crash).__name__}: {app.crash}")
    elif quit_seen is None:
        failures.append(f"the app ended before q, by itself (exit code {app.return_code})")
    elif not quit_seen:
        failures.append(f"q did not end the app within {QUIT_TIMEOUT_S:g} s (screen {stuck_on})")
    elif app.return_code not in (0, None):
        failures.append(f"exit code {app.return_code}")
    if app.changing:
        failures.append("a session replacement (open, reset, apply) never finished")
    if app.session.running:
        failures.append("the training loop still runs after the app ended")
    running = [w for w in app.workers if w.is_running]
    if running:
        failures.append(f"workers still running: {[w.name for w in running]}")
    return failures


async def _check_threads(before: set[threading.Thread]) -> list[str]:
    def extra() -> list[threading.Thread]:
        # asyncio_N: the event loop's executor threads (they end with the loop, not the app)
        return [
            t
            for t in threading.enumerate()
            if t not in before and t.is_alive() and not t.name.startswith("asyncio_")
        ]

    await _wait(lambda: not extra(), QUIT_TIMEOUT_S)
    left = extra()
    return [f"threads left alive: {[t.name for t in left]}"] if left else []


def check_run_folders(runs: Path) -> list[str]:
    """Every run folder under ``runs`` unlocked and whole; the problems found."""
    from rnnplay.core.store.checkpoint import load_checkpoint
    from rnnplay.errors import RnnplayError

    problems: list[str] = []
    if not runs.exists():
        return problems
    for path in sorted(runs.rglob("*")):
        name = path.name
        if name == ".lock":
            problems.append(f"left locked: {path.parent}")
        elif name.endswith(".tmp"):
            problems.append(f"half-written file left: {path}")
        elif name.endswith(".npz"):
            try:
                load_checkpoint(path)
            except (RnnplayError, OSError, ValueError) as error:
                problems.append(f"checkpoint does not load: {path}: {error}")
        elif name in ("run.json", "race.json"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                problems.append(f"{path} is not JSON: {error}")
                continue
            if isinstance(data, dict) and data.get("status") == "running":
                problems.append(f"{path} still says running")
        elif name == "metrics.jsonl":
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                try:
                    json.loads(line)
                except ValueError:
                    problems.append(f"{path}:{number} is not JSON")
                    break
    return problems
