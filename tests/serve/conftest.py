"""Fixtures of the serve tests: the extra, the browser, a place for artifacts."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.serve.browser import find_browser

ARTIFACTS_ENV = "RNNPLAY_TEST_ARTIFACTS"
"""Folder for the browser test's screenshots (default: the test's tmp folder)."""


@pytest.fixture
def needs_serve_extra() -> None:
    if importlib.util.find_spec("textual_serve") is None:
        pytest.skip("textual-serve is not installed (pip install -e '.[serve]')")


@pytest.fixture
def browser(needs_serve_extra: None):
    if importlib.util.find_spec("selenium") is None:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    if find_browser() is None:
        pytest.skip("no chromium + chromedriver (apt-get install chromium chromium-driver)")
    from tests.serve.browser import start_browser

    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
