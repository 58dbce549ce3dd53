"""Samples for the app, generated from a snapshot of the weights in their own thread.

Why a snapshot and not the live model between training steps: the sample
is paced (a few dozen tokens a second, so a person can watch it being
written) and a sample lasts seconds, while a training step lasts tens of
milliseconds. Sampling in the training thread would either stall training
for the length of a sample or make tokens arrive in bursts at the step rate;
reading the live model from another thread would see half-updated weights.
So the training thread takes a :func:`~rnnplay.core.nn.stepper.frozen_copy`
of the model between two steps (about a millisecond for the default model),
and each sample runs on that copy, in a thread worker of its own, with its
own Sampler and RNG. Training never waits for it and
its state is never touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
from rnnplay.core.sampling.sampler import Sampler
from rnnplay.tui.messages import SampleFinished, SampleStarted, SampleTokens

Post = Callable[[Any], Any]

BATCH_INTERVAL_S = 0.2
"""Send the tokens produced so far at most this often (5 messages a second,
the rate at which the app repaints the sample panels)."""


def sample_length(level: str) -> int:
    """Tokens per sample: a few lines of text."""
    return 200 if level == "char" else 50


def token_pace(level: str, length: int | None = None) -> float:
    """Seconds between tokens: text appears at a readable speed (30 characters
    or about 8 words a second), a few tokens per repaint. A sample longer than a
    few lines (``length`` tokens, filling a large panel) comes faster, so that it
    takes no longer than a few lines would: a training model's next sample, with
    what it learned meanwhile, follows within seconds, not half a minute."""
    pace = 1 / 30 if level == "char" else 0.12
    if length is None or length <= sample_length(level):
        return pace
    return pace * sample_length(level) / length


class SampleSettings:
    """The live sampling settings (temperature, top-k), shared by every run.

    The UI thread writes them; the sampling thread copies them onto its
    Sampler before every token, so a change applies to the running sample.
    """

    def __init__(self, temperature: float = DEFAULT_TEMPERATURE, top_k: int | None = None) -> None:
        self.temperature = temperature
        self.top_k = top_k


def run_sample(
    *,
    run_id: int,
    model: RNNLM,
    vocab: Vocabulary,
    prime: str,
    settings: SampleSettings,
    seed: int | None,
    post: Post,
    cancelled: Callable[[], bool],
    stop: threading.Event,
    length: int,
    pace_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Generate ``length`` tokens after ``prime`` and post them in small batches.

    Runs on a sampling worker thread. Stops early when ``cancelled()`` or
    ``stop`` is set; always ends with a :class:`SampleFinished` message.
    """
    error: str | None = None
    try:
        sampler = Sampler(
            model, vocab, temperature=settings.temperature, top_k=settings.top_k, seed=seed
        )
        sampler.start(prime)
        post(SampleStarted(run_id, prime + sampler.prime_separator(prime)))
        batch: list = []
        last_post = clock()
        # The generator `rnnplay sample` streams too; a token is drawn only when
        # the loop asks for the next one, after the checks at the end of the body.
        tokens = sampler.steps(0 if cancelled() or stop.is_set() else length)
        for step in tokens:
            batch.append(step)
            if clock() - last_post >= BATCH_INTERVAL_S:
                post(SampleTokens(run_id, batch))
                batch, last_post = [], clock()
            if pace_s > 0 and stop.wait(pace_s):
                break
            if cancelled() or stop.is_set():
                break
            sampler.temperature = settings.temperature
            sampler.top_k = settings.top_k
        if batch:
            post(SampleTokens(run_id, batch))
    except Exception as exc:  # e.g. a prime with characters the vocabulary lacks
        lines = str(exc).strip().splitlines()
        error = lines[0] if lines else type(exc).__name__
    post(SampleFinished(run_id, error))
