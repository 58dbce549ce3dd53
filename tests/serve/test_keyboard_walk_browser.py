"""The keyboard walk in Chromium (issue 24, "Done when"): keys only, no click, ever.

At a small window (720x510, the browser's 80x24) and at 1400x757 (where the
issue saw the Controls cut above "apply & reset"): the first key works
before any click, Tab reaches every field of the Controls panel and the
button, each drawn lit inside the browser's viewport when it has the keys
(the panel scrolls to it). At the small window every key of the key table
then acts as the help says (tests/serve/browser_walk.py), ending with q.
The labels walked are the Controls panel's own (``controls.LABELS``), so a
field added there is walked too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rnnplay.tui import keys
from rnnplay.tui.widgets.controls import LABELS
from tests.serve.browser import find_browser, open_page, save_screenshot, status_number
from tests.serve.browser_walk import CHECKS, Walk, send, shows
from tests.serve.harness import ServedClassroom
from tests.serve.terminal_cells import APPLY, focused_control, read_cells

pytestmark = pytest.mark.slow

SMALL, LARGE = (720, 510), (1400, 757)
"""Viewports: 720x510 gives an 80x24 terminal (16 px Roboto Mono); 1400x757 is where
the issue saw the Controls cut (a 155x36 terminal: every panel on screen)."""


@pytest.fixture
def window(request, needs_serve_extra):
    """A headless Chromium of the size the test is parametrized with."""
    if importlib.util.find_spec("selenium") is None:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    if find_browser() is None:
        pytest.skip("no chromium + chromedriver (apt-get install chromium chromium-driver)")
    from tests.serve.browser import start_browser

    width, height = request.param
    driver = start_browser(width, height)
    try:
        # The window's size includes the browser's own bars: grow it so the page
        # itself (the viewport) has the size asked for.
        driver.get("about:blank")
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
        yield driver
    finally:
        driver.quit()


VIEWPORT = "return [window.innerWidth, window.innerHeight]"


def _ready(text: str) -> bool:
    return "Status" in text and status_number(text, "step") is not None and "? Help" in text


def _first_key(driver) -> None:
    """The page just opened, nothing clicked: ? shows the help, escape closes it."""
    shows(driver, _ready, "the playground did not start", timeout=60)
    send(driver, "question_mark")
    shows(driver, lambda t: "q close" in t, "the first key (?) did nothing before a click")
    send(driver, "escape")
    shows(driver, lambda t: "q close" not in t, "escape did not close the help")


def _focused(driver, labels: list[str]):
    cells = read_cells(driver)
    assert cells is not None
    return cells, focused_control(cells, labels)


def _tab_until(driver, labels: list[str], target: str, limit: int) -> None:
    """Tab until ``target`` is drawn focused (from wherever the focus starts), one Tab
    at a time: the next once the screen changed, the target taken once it stays lit
    (something else changing the screen must not make the walk overshoot)."""
    import time

    for _ in range(limit):
        cells, found = _focused(driver, labels)
        if found is not None and found[0] == target:
            time.sleep(1.0)  # still there once every tab sent has been drawn?
            cells, found = _focused(driver, labels)
            if found is not None and found[0] == target:
                return
            continue
        send(driver, "tab")
        deadline = time.monotonic() + 3
        while read_cells(driver) == cells and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)
    raise AssertionError(f"tab never reached {target}:\n{cells.text}")


def _step(driver, key: str, labels: list[str], expected: str) -> None:
    """One ``key``: the next control drawn focused must be ``expected``, its row inside
    the viewport (waits for the screen to change, so a slow session is no failure)."""
    before = _focused(driver, labels)[1]
    send(driver, key)
    text = shows(
        driver,
        lambda _t: _focused(driver, labels)[1] not in (None, before),
        f"{key} after {before} lit nothing new (expected {expected})",
    )
    cells, (label, row) = _focused(driver, labels)
    assert label == expected, f"{key} after {before}: {label}, not {expected}\n{text}"
    assert cells.row_in_viewport(row), f"{label} has the keys outside the viewport"


@pytest.mark.parametrize("window", [SMALL, LARGE], indirect=True, ids=["720x510", "1400x757"])
def test_tab_reaches_every_control_inside_the_viewport(window, artifacts: Path, tmp_path):
    labels = list(LABELS.values())
    size = "x".join(str(v) for v in window.execute_script(VIEWPORT))
    with ServedClassroom(tmp_path / "runs", max_sessions=1) as classroom:
        open_page(window, classroom.url)
        _first_key(window)
        cells = read_cells(window)
        assert cells is not None and cells.fits_width(), "the terminal is wider than the page"
        if "4 Controls" in cells.text:  # narrow: the Controls tab first (help: 1 - 4)
            send(window, sorted(keys.keys_of("show_tab('controls')"))[0])
        _tab_until(window, labels, labels[0], 2 * len(labels) + 6)
        send(window, "x")  # a change, so "apply & reset" can take the keys
        shows(window, lambda t: f"changed: {labels[0]}" in t, "typing did not edit the field")
        order = [*labels, APPLY]
        for expected in order[1:]:  # one tab each, in the panel's order
            _step(window, "tab", labels, expected)
        save_screenshot(window, artifacts / f"walk-apply-{size}.png")
        for expected in reversed(order[:-1]):  # and back, one shift+tab each
            _step(window, "shift+tab", labels, expected)
        save_screenshot(window, artifacts / f"walk-first-field-{size}.png")


@pytest.mark.parametrize("window", [SMALL], indirect=True, ids=["720x510"])
def test_every_key_of_the_help_acts_in_the_browser(window, artifacts: Path, tmp_path):
    runs = tmp_path / "runs"
    with ServedClassroom(runs, max_sessions=1) as classroom:
        open_page(window, classroom.url)
        _first_key(window)
        tabs = "1 Train" in (read_cells(window) or read_cells(window)).text
        actions = [a for a in keys.ACTIONS if keys.applies(a, tabs=tabs, field=True)]
        assert not [a.action for a in actions if a.action not in CHECKS], "unchecked keys"
        walk = Walk(window, runs)
        for action in actions:
            if action.action != "quit":
                CHECKS[action.action](walk, action.keys.split(",")[0])
        save_screenshot(window, artifacts / "walk-keys-720x510.png")
        quit_key = next(a for a in actions if a.action == "quit").keys.split(",")[0]
        CHECKS["quit"](walk, quit_key)
