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

from textual import work
from textual.app import App, SystemCommand
from textual.command import CommandList, CommandPalette
from textual.screen import Screen

from rnnplay.errors import RnnplayError, one_line
from rnnplay.tui import keys
from rnnplay.tui.screens.closing import ClosesOnce

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp


class Palette(ClosesOnce, CommandPalette):
    """Textual's command palette, without a crash found by the monkey test.

    A key typed into the palette just before it closes (escape, or a command
    chosen) makes it search while it is being taken down: when its list went
    away during the search, showing the results failed with
    NoMatches('CommandList') in the worker and took the app down (exit 1).
    The "No matches found" countdown did the same from its timer (the third
    place the monkey found). PageUp/PageDown before the list was first drawn
    failed in Textual's OptionList (KeyError), and is ignored here. And a
    palette whose parts are gone neither searches nor shows anything."""

    def _parts_gone(self) -> bool:
        return not self.is_attached or not self.query(CommandList)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        if self._parts_gone():
            return  # nothing to show the results in
        await CommandPalette._gather_commands.__wrapped__(self, search_value)  # type: ignore[attr-defined]

    def _start_no_matches_countdown(self, search_value: str) -> None:
        super()._start_no_matches_countdown(search_value)
        timer = self._no_matches_timer
        if timer is None:
            return
        show = timer._callback  # Textual's own "No matches found", guarded below
        timer.stop()
        self._no_matches_timer = self.set_timer(
            self._NO_MATCHES_COUNTDOWN, lambda: None if self._parts_gone() else show()
        )

    def _action_command_list(self, action: str) -> None:
        if self._parts_gone():
            return
        try:
            super()._action_command_list(action)
        except KeyError:
            # Textual's OptionList pages through the lines it lays out when drawn; with
            # commands found but the list not drawn yet (ctrl+p then PageUp at once, a
            # hidden list) it has none. Nothing to page through yet.
            if action not in ("page_up", "page_down"):
                raise

    def _watch__list_visible(self) -> None:
        if not self._parts_gone():
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if not self._parts_gone():
            await super()._watch__show_busy()


class PaletteCommands:
    """get_system_commands generated from the keys table, and the screenshot."""

    def action_screenshot(
        self: RnnPlayApp, filename: str | None = None, path: str | None = None
    ) -> None:
        """Save an SVG of the screen into the run folder (or runs_dir/exports) and say where."""
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
        for action in keys.ACTIONS:
            if not keys.works_over(screen, action.action):
                continue  # the main view's keys do nothing over the Compare/Runs screens
            lesson = self.lesson is not None
            if action.in_palette and keys.applies(
                action, tabs=self.tabs_shown, lesson=lesson, hidden=self.hidden
            ):
                help_text = f"{action.display}: {action.description}"
                yield SystemCommand(action.title, help_text, functools.partial(self._soon, action))

    def action_command_palette(self: RnnPlayApp) -> None:
        """ctrl+p: the palette, unless one is open anywhere in the screen stack.

        Textual asks only the top screen; with a palette under the too-small note
        (the terminal shrank while it was open) it pushed a second palette with the
        same id, and the app crashed (DuplicateIds). Found by the monkey test."""
        if any(isinstance(screen, CommandPalette) for screen in self.screen_stack):
            return
        if self.use_command_palette:
            self.push_screen(Palette(id="--command-palette"))

    def _soon(self: RnnPlayApp, action: keys.KeyAction) -> None:
        self.call_later(self.run_action, action.action)
