"""The loss chart's reference lines: uniform, unigram, and n-gram models of the training text.

Uniform and unigram cost nothing and are drawn at once. The n-gram lines
(interpolated Kneser-Ney of orders 2-5, :func:`rnnplay.core.inspect.ngram_references`)
take seconds on a large corpus, so a thread worker fits them, once per corpus:
the figures are kept in memory for the process and in a small JSON file in
the user's cache folder (not when paths are confined, as in a served
classroom, where nothing is written outside the runs folder). The chart
converts them to the unit shown like every other loss.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rnnplay.core.data.stats import reference_lines
from rnnplay.core.inspect.loss_split import DEFAULT_ORDERS, ngram_references

if TYPE_CHECKING:
    from textual.app import App

    from rnnplay.core.data.corpus import Dataset

Lines = list[tuple[str, float]]


def cache_folder() -> Path:
    """Where the n-gram figures are kept between sessions ($XDG_CACHE_HOME/rnnplay)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "rnnplay"


def base_lines(dataset: Dataset) -> Lines:
    """(label, nats): the uniform baseline and the unigram entropy."""
    return [(line.label, line.nats) for line in reference_lines(dataset)]


def ngram_lines(dataset: Dataset, orders: Sequence[int], cache: Path | None) -> Lines:
    """(label, nats) of each n-gram model of the training text on the validation text."""
    figures = ngram_references(
        dataset.train, dataset.valid, len(dataset.vocab), tuple(orders), cache_dir=cache
    )
    return [(f"{name} (Kneser-Ney)", nats) for name, nats in figures.items()]


class ReferenceLines:
    """Draws the reference lines of the session on screen, the n-grams once fitted."""

    def __init__(
        self, app: App, *, orders: Sequence[int] = DEFAULT_ORDERS, confine: bool = False
    ) -> None:
        self.app = app
        self.orders = tuple(orders)
        self.cache = None if confine else cache_folder()
        self._wanted: dict[str, object] = {}
        self.fitted = 0
        """How many sets of n-gram lines arrived (tests wait on it)."""

    def show(self, dataset: Dataset, draw: Callable[[Lines], None], chart: str = "main") -> None:
        """``draw`` the base lines now, and all of them once the n-grams are fitted
        (if ``chart`` still shows this dataset then: a session replaced meanwhile
        drops them)."""
        base = base_lines(dataset)
        draw(base)
        self._wanted[chart] = dataset
        if not self.orders:
            return
        self.app.run_worker(
            partial(self._fit, dataset, base, draw, chart),
            name="ngram references",
            group="references",
            thread=True,
            exit_on_error=False,
        )

    def _fit(
        self, dataset: Dataset, base: Lines, draw: Callable[[Lines], None], chart: str
    ) -> None:
        try:
            lines = ngram_lines(dataset, self.orders, self.cache)
        except (MemoryError, ValueError):  # a reference is a nicety: the chart goes on
            return
        try:
            self.app.call_from_thread(self._arrived, dataset, base + lines, draw, chart)
        except RuntimeError:  # the app has closed meanwhile
            return

    def _arrived(
        self, dataset: Dataset, lines: Lines, draw: Callable[[Lines], None], chart: str
    ) -> None:
        if dataset is self._wanted.get(chart):
            self.fitted += 1
            draw(lines)
