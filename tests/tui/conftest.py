"""Shared set-up for the TUI tests: make every frame deterministic.

Snapshot tests compare SVG screenshots byte for byte, so anything that can
change a frame between runs or machines is pinned here: no animations, colour
on (NO_COLOR cleared), the default dark theme, no extra filters, and a fixed
colour system. Textual reads these variables once, when `textual.constants`
is first imported, so they are set at import time of this conftest (before
any test module imports textual) and re-applied to the already-imported
constants for safety when another conftest imported textual first.
"""

from __future__ import annotations

import os
import sys

import pytest

_PINNED_ENV = {
    "TEXTUAL_ANIMATIONS": "none",
    "TEXTUAL_THEME": "textual-dark",
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
    "TEXTUAL_FILTERS": "",
}
_CLEARED_ENV = ("NO_COLOR", "TEXTUAL_DEBUG", "TEXTUAL_PRESS", "TEXTUAL_SCREENSHOT")

os.environ.update(_PINNED_ENV)
for _name in _CLEARED_ENV:
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True)
def deterministic_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the environment and textual's cached constants for each TUI test."""
    for name, value in _PINNED_ENV.items():
        monkeypatch.setenv(name, value)
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    constants = sys.modules.get("textual.constants")
    if constants is not None:
        monkeypatch.setattr(constants, "TEXTUAL_ANIMATIONS", "none")
        monkeypatch.setattr(constants, "DEFAULT_THEME", "textual-dark")
        monkeypatch.setattr(constants, "COLOR_SYSTEM", "truecolor")
        monkeypatch.setattr(constants, "FILTERS", "")
