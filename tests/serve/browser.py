"""Headless Chromium (Debian's chromium + chromium-driver) driven by selenium, and a way
to read the text of the served terminal.

textual-serve's page draws the terminal with xterm.js on a canvas, so the text is
not in the DOM. Before the page's scripts run, :data:`CAPTURE_TERMINAL` installs a
one-shot setter for the ``terminal`` property that the page's client object assigns
its xterm ``Terminal`` to; the terminal is then reachable as
``window.__rnnplayTerminals`` and its buffer gives each rendered row as text.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_NAMES = ("chromedriver", "chromium-driver")

CAPTURE_TERMINAL = r"""
(() => {
  window.__rnnplayTerminals = [];
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal",
        {value, writable: true, configurable: true, enumerable: true});
      if (value && value.buffer) window.__rnnplayTerminals.push(value);
    },
  });
})();
"""

READ_SCREEN = r"""
const t = (window.__rnnplayTerminals || [])[0];
if (!t) return null;
const buffer = t.buffer.active, rows = [];
for (let i = 0; i < t.rows; i++) {
  const line = buffer.getLine(buffer.viewportY + i);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\n");
"""


def find_browser() -> tuple[str, str] | None:
    """(chromium, chromedriver) paths, or None when either is missing."""
    browser = next((p for n in CHROMIUM_NAMES if (p := shutil.which(n))), None)
    driver = next((p for n in DRIVER_NAMES if (p := shutil.which(n))), None)
    if browser is None or driver is None:
        return None
    return browser, driver


def start_browser(width: int = 1280, height: int = 800) -> Any:
    """A headless Chromium whose pages expose their terminal (see module doc)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    found = find_browser()
    assert found is not None
    options = Options()
    options.binary_location = found[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        # Background tabs keep reading their terminals at full speed.
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(found[1]))


def open_page(driver: Any, url: str, *, new_tab: bool = False) -> str:
    """Load ``url`` (in a new tab if asked) with the terminal capture installed; the tab's
    handle. (The capture is per tab, so it is installed before each load.)"""
    if new_tab:
        driver.switch_to.new_window("tab")
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CAPTURE_TERMINAL})
    driver.get(url)
    return driver.current_window_handle


def screen_text(driver: Any) -> str:
    """The served terminal's rows as text ('' before the page has a terminal)."""
    return driver.execute_script(READ_SCREEN) or ""


def wait_for_screen(driver: Any, predicate: Callable[[str], bool], timeout: float = 30) -> str:
    """Poll the screen until ``predicate(text)``; returns the last text read."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen_text(driver)
        if predicate(text):
            return text
        time.sleep(0.2)
    return text


def press(driver: Any, keys: str) -> None:
    """Type ``keys`` into the terminal as a user would (focus, then key events)."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(keys)


def status_number(text: str, label: str) -> float | None:
    """The number after ``label`` in the status panel (e.g. 'step', 'tok/s' reads before)."""
    if label == "tok/s":
        match = re.search(r"([\d,.]+)\s*tok/s", text)
    else:
        match = re.search(rf"\b{re.escape(label)}\s+([\d,.]+)", text)
    if match is None:
        return None
    try:
        return float(match.group(1).replace(",", ""))
    except ValueError:
        return None


def save_screenshot(driver: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path
