"""The Trainer: the one training loop that both the CLI and the TUI drive.

It owns a model, an optimizer, a batcher over a Dataset and a learning-rate
schedule, and reports what happens as plain events (``rnnplay.core.train.events``)
instead of printing. ``step()`` trains on one batch, ``evaluate()`` measures
perplexity over a whole held-out split, ``run()`` is a generator that steps,
evaluates on a cadence and stops on a limit or when ``should_stop()`` says
so (the TUI's pause and quit). The loop lives here; beside it, each written
once, ``probes.py`` (the gradient-flow probe, the weights' finiteness) and
``persistence.py`` (``save()`` / ``resume()``: everything a run depends on,
so a resumed run continues bit for bit).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rnnplay.core.data.batching import BATCHERS, Batcher
from rnnplay.core.data.corpus import Dataset
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.train import persistence, probes, threads
from rnnplay.core.train.config import ConfigError, TrainConfig
from rnnplay.core.train.evaluation import default_eval_interval, sequence_loss
from rnnplay.core.train.events import EvalEvent, Event, LRChangeEvent, StepEvent, StopEvent
from rnnplay.core.train.optim import OPTIMIZERS, Optimizer, clip_grads
from rnnplay.core.train.persistence import CHECKPOINT_KIND, RESUME_OVERRIDES
from rnnplay.core.train.probes import weights_finite
from rnnplay.core.train.schedule import Schedule, make_schedule
from rnnplay.core.train.stops import STOP_TEXT, nonfinite_stop
from rnnplay.core.train.units import to_perplexity

__all__ = ["CHECKPOINT_KIND", "HISTORY_LIMIT", "RESUME_OVERRIDES", "Trainer", "weights_finite"]

HISTORY_LIMIT = 1000
"""How many evaluation records a checkpoint keeps (the metrics summary)."""

TRAIN_LOSS_SMOOTHING = 0.05
"""``train_loss`` follows each step's loss by this fraction (about the last 20 steps):
one batch's loss jumps too much to describe a checkpoint."""

_QUIET_FLOATS = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


class Trainer:
    """Train ``model`` on ``dataset`` as ``config`` says.

    Without ``model`` / ``optimizer`` they are built from the config (seeded
    by ``config.seed``). Attributes: ``model``, ``optimizer``, ``batcher``,
    ``dataset``, ``config``, ``schedule``, ``step_count`` (steps done),
    ``tokens_seen``, ``epoch`` (fraction of the training tokens consumed),
    ``elapsed_s`` (time spent in steps and evaluations, pauses excluded),
    ``best_val_loss``, ``improved`` (the last validation beat the best
    before it), ``history`` (validation/test records).
    """

    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset,
        model: RNNLM | None = None,
        optimizer: Optimizer | None = None,
    ) -> None:
        config = config.fitted_to(dataset)
        vocab_size = len(dataset.vocab)
        self.config = config
        self.dataset = dataset
        if model is None:
            model = RNNLM.from_config(config.model_config(vocab_size), seed=config.seed)
        elif model.config.vocab_size != vocab_size:
            raise ConfigError(
                f"the model has {model.config.vocab_size} tokens in its vocabulary, "
                f"the corpus {vocab_size}"
            )
        self.model = model
        self.model.train()
        self.optimizer = (
            optimizer if optimizer is not None else OPTIMIZERS[config.optimizer](lr=config.lr)
        )
        batcher_seed = None if config.seed is None else config.seed + 1
        self.batcher: Batcher = BATCHERS[config.batching](
            dataset.train, config.batch, config.bptt, seed=batcher_seed
        )
        self.schedule: Schedule = make_schedule(
            config.schedule,
            config.lr,
            warmup_steps=config.warmup_steps,
            total_steps=self.planned_steps(),
            steps_per_epoch=self.batcher.steps_per_epoch,
            decay_after=config.decay_after,
            decay_factor=config.decay_factor,
        )
        self.step_count = 0
        self.tokens_seen = 0
        self.elapsed_s = 0.0
        self.best_val_loss: float | None = None
        self.train_loss: float | None = None  # smoothed (TRAIN_LOSS_SMOOTHING), saved
        self.improved = False
        self.history: list[dict[str, Any]] = []
        self._step_time_ema: float | None = None
        self.diverged = False  # a weight became NaN/inf: nothing may be saved from here

    # -- properties -------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return float(self.batcher.epoch)

    @property
    def lr(self) -> float:
        """The learning rate of the next step. The schedule owns it (``schedule.lr_at``:
        ``TrainConfig.lr`` is only where it starts); ``step()`` hands it to the optimizer
        just before the update, and nothing reads the optimizer's copy."""
        return self.schedule.lr_at(self.step_count)

    @property
    def last_step_lr(self) -> float:
        """The learning rate of the step just taken (of the first step before any):
        what a validation after it reports."""
        return self.schedule.lr_at(max(self.step_count - 1, 0))

    @lr.setter
    def lr(self, value: float) -> None:
        """Change the learning rate now; the schedule continues from the new value."""
        self.schedule.set_lr(value, self.step_count)

    @property
    def eval_interval(self) -> int:
        """Steps between validations: ``config.eval_every``, or when that is None
        :func:`default_eval_interval` for this validation split and batch."""
        if self.config.eval_every is not None:
            return self.config.eval_every
        return default_eval_interval(len(self.dataset.valid), self.config.batch * self.config.bptt)

    def planned_steps(self) -> int | None:
        """Steps the config's limits allow (the cosine schedule's horizon), None if open."""
        limits = []
        if self.config.max_steps is not None:
            limits.append(self.config.max_steps)
        if self.config.epochs is not None:
            limits.append(math.ceil(self.config.epochs * self.batcher.steps_per_epoch))
        return min(limits) if limits else None

    # -- one step ---------------------------------------------------------------
    def step(self) -> StepEvent:
        """Train on one batch: forward, backward, clip, update.

        The model's carried state is reset first when the batcher says so
        (random windows) and at the start of every epoch.

        When the loss or the gradient norm is not finite, nothing changes
        (weights, optimizer, carried state, batcher and RNG are as before
        the step) and the event carries the bad value;
        :func:`~rnnplay.core.train.stops.nonfinite_stop` turns it into a StopEvent.
        The CLI and ``run()`` stop there.
        """
        threads.tick()  # resize the BLAS pool if the machine got busier or quieter
        start = time.perf_counter()
        model = self.model
        rollback = (self.batcher.state_dict(), model.get_state(), model.rng.bit_generator.state)
        if self.starts_from_zeros():
            model.reset_state()
        xs, ts = self.batcher.next_batch()
        lr = self.schedule.lr_at(self.step_count)
        self.optimizer.lr = lr
        with np.errstate(**_QUIET_FLOATS):
            loss = float(model.forward(xs, ts))
            grad_norm = math.nan
            if math.isfinite(loss):
                model.backward()
                grad_norm = float(clip_grads(model.grads, self.config.clip))
            if not (math.isfinite(loss) and math.isfinite(grad_norm)):
                batcher_state, model_state, rng_state = rollback
                self.batcher.load_state_dict(batcher_state)
                model.set_state(model_state)
                model.rng.bit_generator.state = rng_state
                return StepEvent(
                    step=self.step_count + 1,
                    epoch=self.epoch,
                    tokens=self.tokens_seen,
                    loss=loss,
                    grad_norm=grad_norm,
                    lr=lr,
                    tokens_per_s=0.0,
                    elapsed_s=self.elapsed_s,
                )
            self.optimizer.update(model.params, model.grads)
            finite = weights_finite(model.params)
        if not finite:
            self.diverged = True
        self.step_count += 1
        self.tokens_seen += int(xs.size)
        took = time.perf_counter() - start
        self.elapsed_s += took
        ema = self._step_time_ema
        self._step_time_ema = took if ema is None else 0.9 * ema + 0.1 * took
        smooth = self.train_loss
        self.train_loss = (
            loss if smooth is None else smooth + TRAIN_LOSS_SMOOTHING * (loss - smooth)
        )
        return StepEvent(
            step=self.step_count,
            epoch=self.epoch,
            tokens=self.tokens_seen,
            loss=loss,
            grad_norm=grad_norm,
            lr=lr,
            tokens_per_s=xs.size / self._step_time_ema if self._step_time_ema > 0 else 0.0,
            elapsed_s=self.elapsed_s,
            weights_finite=finite,
        )

    stream_reset_every: int | None = None
    """With carried state (streams), also start from zeros every this many steps."""

    def starts_from_zeros(self) -> bool:
        """Whether the next step starts from the zero state: every step with random
        windows; with streams at each epoch start and every ``stream_reset_every``
        steps. Step counts only, so a resumed run resets where the original did."""
        if self.batcher.resets_state or self._epoch_starts():
            return True
        every = self.stream_reset_every
        return bool(every) and self.step_count > 0 and self.step_count % every == 0

    def _epoch_starts(self) -> bool:
        """True before the first batch of each epoch after the first.

        The carried state is reset there (as the book and PyTorch's word
        language model do after each epoch): a model that only ever sees
        states carried from long contexts can stumble for hundreds of
        tokens when it starts from zeros, which is how sampling starts.
        """
        per_epoch = self.batcher.steps_per_epoch
        return self.step_count > 0 and self.step_count % per_epoch == 0

    # -- evaluation ---------------------------------------------------------------
    def evaluate(self, split: str = "valid") -> EvalEvent:
        """Loss and perplexity over the whole ``"valid"`` or ``"test"`` split.

        Dropout is off and the state is carried across the split's windows;
        afterwards the model's carried state and mode are as before, so
        training continues exactly. A validation result updates
        ``best_val_loss``, ``improved`` and ``history``.
        """
        if split == "valid":
            ids = self.dataset.valid
        elif split == "test":
            ids = self.dataset.test
            if ids is None:
                raise ConfigError(f"'{self.dataset.name}' has no test split (give --test PATH)")
        else:
            raise ValueError(f"split must be 'valid' or 'test', got {split!r}")
        start = time.perf_counter()
        loss, _count = sequence_loss(self.model, ids, self.config.batch, self.config.bptt)
        self.elapsed_s += time.perf_counter() - start
        event = EvalEvent(
            step=self.step_count,
            epoch=self.epoch,
            tokens=self.tokens_seen,
            loss=loss,
            ppl=to_perplexity(loss),
            lr=self.last_step_lr,
            elapsed_s=self.elapsed_s,
            kind="eval" if split == "valid" else "test",
        )
        if split == "valid":
            self.improved = math.isfinite(loss) and (
                self.best_val_loss is None or loss < self.best_val_loss
            )
            if self.improved:
                self.best_val_loss = loss
        self.history.append(event.to_json())
        del self.history[:-HISTORY_LIMIT]
        return event

    def validation_events(self) -> Generator[Event, None, StopEvent | None]:
        """Validate as ``run()`` does between steps and yield the events (the EvalEvent,
        an LRChangeEvent when the schedule reacts); returns a nonfinite StopEvent when
        the validation loss is not finite (the caller yields it and stops). The race
        drives its contenders' validations through here."""
        event = self.evaluate("valid")
        # The schedule sees the result before anyone does: a checkpoint saved when
        # the EvalEvent arrives must hold the schedule's state after it, or a run
        # resumed from it would not decide the next learning rate the same way.
        old = self.lr
        reason = self.schedule.observe(self.step_count, event.ppl)
        yield event
        if reason is not None:
            yield LRChangeEvent(step=self.step_count, old_lr=old, new_lr=self.lr, reason=reason)
        if not math.isfinite(event.loss):
            self.diverged = True
            return StopEvent(
                step=self.step_count,
                reason="nonfinite",
                message=(
                    f"the validation loss became {event.loss} at step {self.step_count} with "
                    f"learning rate {event.lr:.3g}; training stopped and these weights are not "
                    f"saved: try a lower learning rate (e.g. {event.lr / 10:.3g})"
                ),
            )
        return None

    # -- the loop -------------------------------------------------------------------
    def run(
        self,
        *,
        max_steps: int | None = None,
        max_epochs: float | None = None,
        max_seconds: float | None = None,
        should_stop: Callable[[], bool] | None = None,
        eval_every: int | None = None,
        final_eval: bool = True,
    ) -> Iterator[Event]:
        """Train until a limit, yielding StepEvent, EvalEvent, LRChangeEvent, then one StopEvent.

        ``max_steps`` and ``max_epochs`` are totals for the run so far (a
        resumed run at step 200 with ``max_steps=400`` trains 200 more);
        ``max_seconds`` counts from this call. ``should_stop`` is asked
        before every step; when it answers True the run stops with reason
        "cancelled" (no final evaluation, so a pause is immediate).
        Validation runs every ``eval_every`` steps (default:
        :attr:`eval_interval`; 0 turns it off) and, unless ``final_eval`` is False, once more when a
        limit ends the run. A non-finite loss ends it with reason
        "nonfinite"; the weights are those of the last good step.
        """
        every = self.eval_interval if eval_every is None else eval_every
        started = time.perf_counter()
        step = self.step_count
        done = any(r.get("kind") == "eval" and r.get("step") == step for r in self.history[-2:])
        evaluated_at: int | None = step if done else None
        if every and step and step % every == 0 and not done:
            # Saved between a step and its evaluation (a save from the TUI can land
            # there): evaluate now, so a resumed run continues exactly.
            stop = yield from self.validation_events()
            if stop is not None:
                yield stop
                return
            evaluated_at = step
        while True:
            reason = None
            if should_stop is not None and should_stop():
                reason = "cancelled"
            elif max_steps is not None and self.step_count >= max_steps:
                reason = "steps"
            elif max_epochs is not None and self.epoch >= max_epochs:
                reason = "epochs"
            elif max_seconds is not None and time.perf_counter() - started >= max_seconds:
                reason = "seconds"
            if reason is not None:
                if (
                    reason != "cancelled"
                    and final_eval
                    and every
                    and evaluated_at != self.step_count
                ):
                    stop = yield from self.validation_events()
                    if stop is not None:
                        yield stop
                        return
                yield StopEvent(step=self.step_count, reason=reason, message=STOP_TEXT[reason])
                return
            event = self.step()
            stop = nonfinite_stop(event)
            if stop is not None:
                yield stop
                return
            yield event
            if every and self.step_count % every == 0:
                stop = yield from self.validation_events()
                if stop is not None:
                    yield stop
                    return
                evaluated_at = self.step_count

    # -- beside the loop: probes (probes.py) and persistence (persistence.py) --------------
    def probe_grad_flow(self) -> list[np.ndarray]:
        """Per recurrent layer, ``||dL/dh_t||`` back in time; training untouched
        (:func:`rnnplay.core.train.probes.grad_flow`)."""
        return probes.grad_flow(self)

    def save(self, path: str | Path) -> Path:
        """Write one checkpoint holding everything needed to continue exactly; refused
        for non-finite weights (:func:`rnnplay.core.train.persistence.save`)."""
        return persistence.save(self, path)

    @classmethod
    def resume(
        cls,
        path: str | Path,
        dataset: Dataset | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> Trainer:
        """Rebuild the Trainer saved at ``path`` and continue where it stopped
        (:func:`rnnplay.core.train.persistence.resume`)."""
        return persistence.resume(cls, path, dataset, overrides)
