"""Text typed while no field has focus does not run commands.

A learner who thinks they are in the prime field types ``hello world``; with
no field focused every letter that is a key runs its command, and the space
starts training (a run folder). A person pressing commands presses keys that
do something; text always holds letters that do nothing (a, e, h, ...). So a
key that comes within :data:`TYPING_GAP_S` of such a letter is taken as
typing: it runs nothing, and the app says how to reach the prime instead.
Keys pressed one by one (or the same command repeated: ``n n n``) still work,
and quitting is never taken for text: ``q`` quits at once whatever came before
(the one key that must always work, and it writes no folder).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

TYPING_GAP_S = 0.8
"""Keys closer than this to a letter that does nothing are taken as typing."""


class TypingGuard:
    """Tells typed text (to swallow) from command keys (to run)."""

    def __init__(
        self,
        command_keys: Iterable[str],
        clock: Callable[[], float] = time.monotonic,
        *,
        never_text: Iterable[str] = (),
    ) -> None:
        self.command_keys = frozenset(command_keys)
        self.never_text = frozenset(never_text)
        """Keys always run as commands (quitting)."""
        self.clock = clock
        self._last_text_key = -float("inf")

    def is_typing(self, key: str, character: str | None) -> bool:
        """Whether ``key`` (pressed with no field focused) is part of typed text.

        A printable key that is no command marks the time (and is text itself);
        a command key within :data:`TYPING_GAP_S` of it is text too.
        """
        if key in self.never_text:
            return False
        printable = character is not None and character.isprintable() and len(character) == 1
        now = self.clock()
        if key not in self.command_keys:
            if printable:
                self._last_text_key = now
                return True
            return False
        if printable and now - self._last_text_key < TYPING_GAP_S:
            self._last_text_key = now
            return True
        return False
