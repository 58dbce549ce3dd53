"""Where the keys go in the main view: tab to the prime, typed text held back.

Tab from no field goes to the prime (on narrow screens its tab is shown
first); escape leaves a field; ``p`` jumps to the prime. With no field
focused, text typed by a person who thinks they are in a field runs no
command (:mod:`rnnplay.tui.typing_guard`): a notice says how to reach the
prime instead. A mixin of :class:`~rnnplay.tui.app.RnnPlayApp`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import events
from textual.widgets import Input

from rnnplay.tui.widgets.controls import Controls

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp


TYPING_NOTICE_S = 3.0
"""How long the "no field has the keys" notice shows; text typed meanwhile adds none."""


class KeyboardFocus:
    """Focus moves and the typing guard, for the app."""

    typing_noticed_at = -float("inf")
    """When the last "no field has the keys" notice was shown (monotonic seconds)."""

    def action_focus_next(self: RnnPlayApp) -> None:
        """Tab: from no field, the first field of the Controls tab when that tab is
        shown (narrow screens show one tab at a time, so its fields are the only ones
        Tab can reach there), else the prime (the field people want; on narrow
        screens its tab is shown); then on in order."""
        if self.screen is self.screen_stack[0] and self.focused is None:
            fields = self.query_one(Controls).query("*")
            first = next((w for w in fields if w.focusable), None)
            if self.tabs_shown and self._tab == "controls" and first is not None:
                self.screen.set_focus(first)  # at once: see action_focus_prime
            else:
                self.action_focus_prime()
        else:
            super().action_focus_next()  # type: ignore[misc]

    async def on_event(self: RnnPlayApp, event: events.Event) -> None:
        """Text typed with no field focused runs no command (:mod:`.typing_guard`); the
        main view's keys act as they are read, so a field tab moved to takes the letters
        typed right behind it."""
        if isinstance(event, events.Key) and not event.is_forwarded and not self.app_focus:
            # A key means the terminal has the keyboard (a browser tab may not have said
            # so yet): Textual gives the field its focus back on this, but only after
            # the typing guard would have taken the key for stray text.
            self.app_focus = True
        if (
            isinstance(event, events.Key)
            and self.focused is None
            and self.screen is self.screen_stack[0]
            and not event.is_forwarded
        ):
            if self.typing.is_typing(event.key, event.character):
                self._typing_notice()
                return
            # The key's binding runs now, in the order the keys came, instead of after a
            # hop through the screen's queue (behind which a letter typed right after tab
            # found no field yet and was taken for stray text).
            if await self._check_bindings(event.key, priority=True):
                return
            if await self._check_bindings(event.key):
                return
        await super().on_event(event)  # type: ignore[misc]

    def _typing_notice(self: RnnPlayApp) -> None:
        now = time.monotonic()
        if now - self.typing_noticed_at >= TYPING_NOTICE_S:  # one notice, not one a key
            self.typing_noticed_at = now
            self.notify(
                "no field has the keys: press p (or tab) to type the prime",
                title="typing?",
                severity="warning",
                timeout=TYPING_NOTICE_S,
            )

    def action_leave_field(self: RnnPlayApp) -> None:
        self.screen.set_focus(None)

    def action_focus_prime(self: RnnPlayApp) -> None:
        """p: jump to the prime (on narrow screens its tab is shown first)."""
        if self.tabs_shown:
            self._show_tab("sample")
        # Focused now, not after the keys already queued (Widget.focus waits): a letter
        # typed right after tab or p goes into the field, not to the typing guard.
        self.screen.set_focus(self.query_one("#prime", Input))
