"""How ``rnnplay train`` reports progress to people, on stderr.

(The run's files are written by :class:`rnnplay.core.runs.recorder.Recorder`.)
:func:`make_reporter` picks what a person sees on stderr: a rich progress
bar with loss, perplexity and tokens/s plus a short sample after each
evaluation when stderr is a terminal; when it is not, one line per
evaluation and a progress line with tokens/s every ten seconds (a log file
stays readable); nothing with ``--quiet``. rich is imported
only for the terminal reporter.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from rnnplay.core.train.events import EvalEvent, StepEvent
from rnnplay.core.train.units import to_perplexity


class Reporter:
    """What a person sees while training; this base shows nothing (``--quiet``)."""

    wants_samples = False

    def start(self, *, step: int, total: int | None, out: Path) -> None:
        pass

    def step(self, event: StepEvent) -> None:
        pass

    def evaluation(self, event: EvalEvent, best: bool, sample: str | None = None) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


PROGRESS_EVERY_S = 10.0
"""How often a log (stderr not a terminal) gets a progress line between evaluations."""


class LineReporter(Reporter):
    """Plain lines for logs and pipes: one per evaluation and per note, and a progress
    line (step, loss, tokens/s) every ``every_s`` seconds of wall time in between."""

    def __init__(
        self,
        stream: IO[str],
        every_s: float = PROGRESS_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.every_s = every_s
        self._clock = clock
        self._last = clock()

    def step(self, event: StepEvent) -> None:
        now = self._clock()
        if now - self._last < self.every_s:
            return
        self._last = now
        ppl = to_perplexity(event.loss)
        self._print(
            f"step {event.step} epoch {event.epoch:.2f}: train loss {event.loss:.4f} "
            f"perplexity {ppl:.3f}, {event.tokens_per_s:,.0f} tokens/s, "
            f"{event.elapsed_s:.0f} s trained"
        )

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, *, step: int, total: int | None, out: Path) -> None:
        until = f" of {total}" if total else ""
        self._print(f"training from step {step}{until}, writing to {out}")

    def evaluation(self, event: EvalEvent, best: bool, sample: str | None = None) -> None:
        self._print(_eval_line(event, best))
        self._last = self._clock()

    def note(self, text: str) -> None:
        self._print(text)


def _eval_line(event: EvalEvent, best: bool) -> str:
    name = "validation" if event.kind == "eval" else "test"
    mark = " (best so far)" if best else ""
    return (
        f"step {event.step} epoch {event.epoch:.2f}: {name} loss {event.loss:.4f} "
        f"perplexity {event.ppl:.3f}{mark}"
    )


class RichReporter(Reporter):
    """A live progress bar on a terminal, with evaluation lines and samples above it."""

    wants_samples = True

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(file=stream, highlight=False)
        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  ppl {task.fields[ppl]}"),
            TextColumn("val {task.fields[val]}"),
            TextColumn("{task.fields[speed]} tok/s"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.task = None
        self._smoothed: float | None = None

    def start(self, *, step: int, total: int | None, out: Path) -> None:
        self.console.print(f"writing to [bold]{out}[/]")
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=total, completed=step, loss="-", ppl="-", val="-", speed="-"
        )

    def step(self, event: StepEvent) -> None:
        s = self._smoothed
        self._smoothed = event.loss if s is None else 0.95 * s + 0.05 * event.loss
        self.progress.update(
            self.task,
            completed=event.step,
            loss=f"{self._smoothed:.3f}",
            ppl=f"{to_perplexity(self._smoothed):.2f}",
            speed=f"{event.tokens_per_s:,.0f}",
        )

    def evaluation(self, event: EvalEvent, best: bool, sample: str | None = None) -> None:
        if event.kind == "eval":
            self.progress.update(self.task, val=f"{event.ppl:.2f}")
        self.console.print(_eval_line(event, best))
        if sample:
            from rich.markup import escape

            self.console.print(f"[dim]{escape(sample)}[/]")

    def note(self, text: str) -> None:
        self.console.print(text)

    def close(self) -> None:
        self.progress.stop()


def make_reporter(quiet: bool, stream: IO[str] | None = None) -> Reporter:
    """The reporter for ``stream`` (stderr by default): rich on a terminal, lines otherwise."""
    stream = sys.stderr if stream is None else stream
    if quiet or stream is None:  # stderr closed: nobody to tell
        return Reporter()
    if stream.isatty():
        return RichReporter(stream)
    return LineReporter(stream)
