"""What each key of the key table must visibly do in the served page (the browser walk).

The Pilot walk (tests/tui/walk_checks.py) proves each key's effect inside the
app; here each key goes through the browser (selenium keystrokes to whatever
has focus, xterm.js, the websocket) and the test reads what a student sees:
the screen's text, a file in the runs folder. One check per action of
:data:`rnnplay.tui.keys.ACTIONS`; an action without one fails the walk by name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
from rnnplay.tui import keys
from rnnplay.tui.bounds import next_temperature
from tests.serve.browser import screen_text, status_number, wait_for_screen

SPECIAL = {
    "space": " ",
    "question_mark": "?",
    "plus": "+",
    "equals_sign": "=",
    "minus": "-",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
}


def send(driver: Any, key: str) -> None:
    """Press the Textual key ``key`` in the browser, to whatever has focus (no click)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    named = {"escape": Keys.ESCAPE, "up": Keys.UP, "down": Keys.DOWN, "tab": Keys.TAB}
    chain = ActionChains(driver)
    if key.startswith("ctrl+"):
        chain.key_down(Keys.CONTROL).send_keys(key[5:]).key_up(Keys.CONTROL)
    elif key == "shift+tab":
        chain.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
    elif key in named or key in SPECIAL or len(key) == 1:
        chain.send_keys(named.get(key) or SPECIAL.get(key) or key)
    else:
        raise AssertionError(f"no browser keystroke for Textual key {key!r}: add it here")
    chain.perform()


def shows(driver: Any, predicate: Callable[[str], bool], what: str, timeout: float = 15) -> str:
    text = wait_for_screen(driver, predicate, timeout=timeout)
    assert predicate(text), f"{what}; the screen:\n{text}"
    return text


def footer_of(table: tuple[keys.ScreenKey, ...]) -> str:
    """The first footer entry of a screen's key table (what its footer shows first)."""
    first = next(k for k in table if k.show)
    return f"{first.display} {first.footer}"


class Walk:
    """The page under test: its driver, the runs folder, what the test knows changed."""

    def __init__(self, driver: Any, runs: Path) -> None:
        self.driver = driver
        self.runs = runs
        self.temperature = DEFAULT_TEMPERATURE

    def key(self, key: str) -> None:
        send(self.driver, key)

    def shows(self, predicate: Callable[[str], bool], what: str, timeout: float = 15) -> str:
        return shows(self.driver, predicate, what, timeout)

    def wrote(self, pattern: str, what: str, timeout: float = 15) -> list[Path]:
        """The files under the runs folder matching ``pattern``, once there are any."""
        import time

        deadline = time.monotonic() + timeout
        while not (found := sorted(self.runs.rglob(pattern))) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert found, f"{what}: no {pattern} under {self.runs}\n{screen_text(self.driver)}"
        return found

    def opens(self, key: str, marker: str) -> None:
        """``key`` shows ``marker``; escape takes it away again."""
        self.key(key)
        self.shows(lambda t: marker in t, f"{key} did not show {marker!r}")
        self.key("escape")
        self.shows(lambda t: marker not in t, f"escape did not close {marker!r}")

    def step(self) -> float:
        return status_number(self.shows(lambda t: "Status" in t, "no status"), "step") or 0


Check = Callable[[Walk, str], None]
CHECKS: dict[str, Check] = {}


def check(*actions: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        for action in actions:
            CHECKS[action] = fn
        return fn

    return register


@check("help")
def _help(walk: Walk, key: str) -> None:
    walk.opens(key, "q close")  # the help box's border: "esc / ? / q close"


@check("inspect")
def _inspect(walk: Walk, key: str) -> None:
    walk.opens(key, footer_of(keys.INSPECT_KEYS))


@check("compare")
def _compare(walk: Walk, key: str) -> None:
    walk.opens(key, footer_of(keys.COMPARE_KEYS))


@check("runs")
def _runs(walk: Walk, key: str) -> None:
    walk.opens(key, footer_of(keys.RUNS_KEYS))


@check("open")
def _open(walk: Walk, key: str) -> None:
    walk.opens(key, "a path (.npz written by rnnplay)")


@check("reset")
def _reset(walk: Walk, key: str) -> None:
    walk.opens(key, "Reset?")


@check("toggle_training")
def _toggle_training(walk: Walk, key: str) -> None:
    before = walk.step()
    walk.key(key)
    walk.shows(lambda t: (status_number(t, "step") or 0) > before, "space did not train")
    walk.key(key)
    walk.shows(lambda t: "paused" in t, "space again did not pause")


@check("step_once")
def _step_once(walk: Walk, key: str) -> None:
    before = walk.step()
    walk.key(key)
    walk.shows(lambda t: status_number(t, "step") == before + 1, "n did not step once")


@check("new_sample")
def _new_sample(walk: Walk, key: str) -> None:
    walk.key("2")
    walk.key(key)
    walk.shows(lambda t: "no sample yet" not in t and "prime" in t, "g did not sample")
    walk.key("1")


@check("focus_prime", "leave_field")
def _prime(walk: Walk, key: str) -> None:
    field = keys.keys_of("leave_field")
    leave = next(a for a in keys.ACTIONS if a.action == "leave_field")
    marker = f"{leave.key_display} {leave.footer}"
    walk.key("p")
    walk.shows(lambda t: marker in t, "p did not focus the prime (no 'esc Leave field')")
    walk.key(sorted(field)[0] if key == "p" else key)
    walk.shows(lambda t: marker not in t, "escape did not leave the prime")
    walk.key("1")


@check("save")
def _save(walk: Walk, key: str) -> None:
    walk.key(key)
    walk.wrote("saves/*.npz", "s wrote no checkpoint")


@check("save_sample")
def _save_sample(walk: Walk, key: str) -> None:
    walk.key(key)
    walk.wrote("sample-step*.txt", "w wrote no sample file")


@check("export_curves")
def _export_curves(walk: Walk, key: str) -> None:
    walk.key(key)
    walk.wrote("curves-step*.csv", "e wrote no CSV")


@check("temperature(1)", "temperature(-1)")
def _temperature(walk: Walk, key: str) -> None:
    walk.temperature = next_temperature(walk.temperature, 1 if key != "minus" else -1)
    walk.key(key)
    walk.shows(lambda t: f"temperature {walk.temperature:.2f}" in t, f"{key}: no new temperature")


@check("scale_lr(2.0)", "scale_lr(0.5)")
def _scale_lr(walk: Walk, key: str) -> None:
    before = status_number(walk.shows(lambda t: "lr" in t, "no lr"), "lr") or 0
    factor = 2 if key == "right_square_bracket" else 0.5

    def scaled(text: str) -> bool:
        after = status_number(text, "lr") or 0
        return abs(after - before * factor) <= 0.01 * before * factor

    walk.key(key)
    walk.shows(scaled, f"{key}: the learning rate did not scale by {factor}")


@check("cycle_unit")
def _cycle_unit(walk: Walk, key: str) -> None:
    walk.key(key)
    walk.shows(lambda t: "losses in" in t, "u said no unit")


@check("toggle_colour")
def _toggle_colour(walk: Walk, key: str) -> None:
    walk.key(key)
    walk.shows(lambda t: "sample coloured by" in t, "c said nothing")


@check("select_unit(-1)", "select_unit(1)")
def _select_unit(walk: Walk, key: str) -> None:
    walk.key("3")
    text = walk.shows(lambda t: "unit " in t, "the heatmap shows no unit (sample first)")
    if key == "up":
        walk.key("down")
        text = walk.shows(lambda t: "unit 0 " not in t, "down did not move")
    before = next(w for w in text.split("unit ")[1:]).split()[0]
    walk.key(key)
    walk.shows(lambda t: f"unit {before} " not in t, f"{key} kept unit {before}")
    walk.key("1")


@check("toggle_sort")
def _toggle_sort(walk: Walk, key: str) -> None:
    walk.key("3")
    walk.shows(lambda t: "unit " in t, "the heatmap shows no unit")
    walk.key(key)
    walk.shows(lambda t: " var" in t, "v did not sort by variance")
    walk.key(key)
    walk.shows(lambda t: " var" not in t, "v again did not sort by index")
    walk.key("1")


@check("show_tab('train')", "show_tab('sample')", "show_tab('network')", "show_tab('controls')")
def _show_tab(walk: Walk, key: str) -> None:
    marker = {"1": "Status", "2": "prime", "3": "Hidden state", "4": "apply & reset"}[key]
    walk.key(key)
    walk.shows(lambda t: marker in t, f"tab {key} did not show {marker!r}")
    walk.key("1")


@check("quit")
def _quit(walk: Walk, key: str) -> None:
    walk.key(key)
    closed = "return document.body.classList.contains('-closed')"
    wait_for_screen(walk.driver, lambda _t: walk.driver.execute_script(closed), timeout=15)
    assert walk.driver.execute_script(closed), "q did not end the session"
