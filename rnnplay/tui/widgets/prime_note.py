"""The note beside the prime field: what of the prime the model cannot read.

A prime with characters (or words) the vocabulary lacks is never refused
silently: the note says which, and that samples start from the rest (or from
a line start when nothing is left). It is empty, and takes no room, when the
whole prime can be read.
"""

from __future__ import annotations

from textual.widgets import Static

from rnnplay.core.sampling.prime import ReadablePrime, describe_missing


class PrimeNote(Static):
    """One line after the prime: ``'@' unknown: left out`` (short: it shares the
    prime's row, 80 columns at least)."""

    DEFAULT_CSS = """
    PrimeNote { width: auto; max-width: 60%; height: 1; color: $warning; padding: 0 0 0 1; }
    PrimeNote.-empty { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", classes="-empty", markup=False, **kwargs)
        self.text = ""

    def show(self, prime: ReadablePrime) -> None:
        """Say what ``prime`` lacks (or nothing when all of it can be read)."""
        if prime.complete:
            self.text = ""
        else:
            rest = "left out" if prime.text.strip() else "from a line start"
            self.text = f"{describe_missing(prime.missing)} unknown: {rest}"
        self.update(self.text)
        self.set_class(not self.text, "-empty")
