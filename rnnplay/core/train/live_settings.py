"""Settings a Trainer may change between two steps: dropout and the schedule.

The learning rate has its own setter (``Trainer.lr``). Dropout and the
learning-rate schedule can change too without starting over, and the
playground's Controls change them live. Each change happens between two
steps (the model is consistent then) and goes into ``trainer.config``, so
every checkpoint saved from then on holds it: a resumed run continues with
the dropout and the schedule it had, and its schedule state (saved beside
the config) matches the schedule the config names.

- Dropout: every dropout layer's ratio (``RNNLM.set_dropout``); the weights,
  the optimizer and the carried state are untouched.
- Schedule: a new schedule of that name that continues from the rate of the
  next step, so the learning rate does not jump. A cosine chosen before the
  first step warms up as ``--schedule cosine`` does; chosen later, the steps
  already taken count as its warm-up, so it decays from the current rate to
  a tenth of it at the config's horizon (``max_steps`` or ``epochs``; without
  one it holds the rate). A plateau starts with no best perplexity (the next
  validation is its first). An epoch decay counts the run's epochs (the
  batcher's), not those since it was chosen: chosen after its
  ``decay_after`` epochs it goes on from the current rate and multiplies it
  by ``decay_factor`` at the start of each later epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnplay.core.train.config import SCHEDULES, ConfigError
from rnnplay.core.train.schedule import CosineSchedule, Schedule, make_schedule

if TYPE_CHECKING:
    from rnnplay.core.train.trainer import Trainer

LIVE_SETTINGS = ("dropout", "schedule")
"""TrainConfig fields that :func:`apply_setting` changes between two steps."""


def set_dropout(trainer: Trainer, ratio: float) -> None:
    """Dropout ``ratio`` from the next step on; ConfigError unless it lies in [0, 1)."""
    if isinstance(ratio, bool) or not isinstance(ratio, int | float):
        raise ConfigError(f"dropout must be a number in [0, 1), got {ratio!r}")
    config = trainer.config.replace(dropout=float(ratio)).validate()
    trainer.model.set_dropout(config.dropout)
    trainer.config = config


def set_schedule(trainer: Trainer, name: str) -> None:
    """The schedule called ``name`` from the next step on, starting from the rate that
    step would have had; ConfigError for a name that is not a schedule."""
    if name not in SCHEDULES:
        raise ConfigError(f"schedule must be one of {', '.join(SCHEDULES)}, got {name!r}")
    if name == trainer.schedule.name:
        return
    config = trainer.config.replace(schedule=name).validate()
    step = trainer.step_count
    lr = trainer.lr
    horizon = trainer.planned_steps()
    schedule: Schedule
    if name == "cosine" and step:  # the steps taken are its warm-up: factor 1 now
        schedule = CosineSchedule(lr, warmup_steps=step, total_steps=horizon)
    else:
        schedule = make_schedule(
            name,
            lr,
            warmup_steps=config.warmup_steps,
            total_steps=horizon,
            steps_per_epoch=trainer.batcher.steps_per_epoch,
            decay_after=config.decay_after,
            decay_factor=config.decay_factor,
        )
        if name == "epoch-decay":
            schedule.set_lr(lr, step)  # its factor may be below 1 already: no jump
    trainer.schedule = schedule
    trainer.config = config


def apply_setting(trainer: Trainer, name: str, value: object) -> None:
    """Change the live setting ``name`` (one of :data:`LIVE_SETTINGS`) to ``value``."""
    if name == "dropout":
        set_dropout(trainer, value)  # type: ignore[arg-type]
    elif name == "schedule":
        set_schedule(trainer, value)  # type: ignore[arg-type]
    else:
        raise ConfigError(f"{name} cannot change during a run (one of: {', '.join(LIVE_SETTINGS)})")
