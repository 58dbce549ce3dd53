"""The command palette's entries and the screenshot command, for the app.

The palette lists Textual's own theme and maximize entries, a screenshot
that is saved into the run folder (Textual's saves into ~/Downloads, which
may not exist, and does not say where), and every key of the table in
:mod:`rnnplay.tui.keys` that applies here (over the Compare view and the Runs
screen only the app's keys that still work there, ``keys.SCREEN_ACTIONS``).
Textual's "Keys" panel is left out: it squeezed the loss chart, and the help
screen (``?``) lists the keys.
A mixin of :class:`~rnnplay.tui.app.RnnPlayApp`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.screen import Screen

from rnnplay.errors import RnnplayError, one_line
from rnnplay.tui import keys
from rnnplay.tui.screens.compare import CompareScreen
from rnnplay.tui.screens.runs import RunsScreen

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp


class PaletteCommands:
    """get_system_commands generated from the keys table, and the screenshot."""

    def action_screenshot(
        self: RnnPlayApp, filename: str | None = None, path: str | None = None
    ) -> None:
        """Save an SVG of the screen into the run folder (or the current folder) and say where."""
        try:
            folder = self.place.screenshot_folder(path or None)
            written = self.save_screenshot(filename, str(folder))
        except (OSError, RnnplayError) as error:
            self.notify(one_line(error), title="screenshot failed", severity="error")
            return
        self.notify(f"saved {written}", title="screenshot", timeout=6)

    def setup_line(self: RnnPlayApp) -> str:
        """The command line that opens this session's settings (and its lesson)."""
        from rnnplay.core.runs.setup_line import setup_line

        lesson = self.lesson
        if lesson is None:
            return setup_line(self.session.config)
        return setup_line(self.session.config, lesson=lesson.source, base=lesson.config())

    def action_copy_setup(self: RnnPlayApp) -> None:
        """Copy :meth:`setup_line` (Textual's OSC 52 clipboard) and show it: a terminal
        or a browser that refuses the clipboard still shows the line to copy by hand."""
        line = self.setup_line()
        self.copy_to_clipboard(line)
        self.notify(line, title="setup line copied", timeout=15, markup=False)

    def get_system_commands(self: RnnPlayApp, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's theme and maximize entries, a screenshot that says where it went,
        and every key of the table that applies here (generated, never listed twice)."""
        for command in App.get_system_commands(self, screen):
            if command.title not in ("Keys", "Screenshot", "Quit"):
                yield command
        yield SystemCommand(
            "Screenshot", "save an SVG of the screen in the run folder", self.action_screenshot
        )
        yield SystemCommand(
            "Copy setup line",
            "the rnnplay command that opens this setup (or lesson), to the clipboard",
            self.action_copy_setup,
        )
        on_own_keys = isinstance(screen, CompareScreen | RunsScreen)
        for action in keys.ACTIONS:
            if on_own_keys and keys.action_name(action.action) not in keys.SCREEN_ACTIONS:
                continue  # the main view's keys do nothing over the Compare/Runs screens
            lesson = self.lesson is not None
            if action.in_palette and keys.applies(
                action, tabs=self.tabs_shown, lesson=lesson, hidden=self.hidden
            ):
                help_text = f"{action.display}: {action.description}"
                yield SystemCommand(action.title, help_text, functools.partial(self._soon, action))

    def _soon(self: RnnPlayApp, action: keys.KeyAction) -> None:
        self.call_later(self.run_action, action.action)
