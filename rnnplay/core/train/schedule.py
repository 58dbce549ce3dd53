"""Learning-rate schedules: constant, the book's plateau rule, cosine with warm-up,
and a per-epoch decay (Zaremba et al. 2014: halve the rate every epoch after the 4th).

A schedule answers "what learning rate for step s?" (``lr_at``) and hears
about each validation perplexity (``observe``). It holds a ``base_lr`` that
the user may change at any moment (``set_lr``, the TUI's ``]``/``[`` keys)
without restarting anything: the schedule then continues from the new value.
Its state is a small JSON-able dict so a resumed run continues exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

from rnnplay.errors import ConfigError


class _OrNone:
    """Reads an attribute that may be None (and absent from a state)."""

    def __init__(self, kind: Callable[[Any], Any]) -> None:
        self.kind = kind

    def __call__(self, value: Any) -> Any:
        return None if value is None else self.kind(value)


class Schedule:
    """Constant learning rate: ``base_lr`` at every step."""

    name = "constant"

    def __init__(self, base_lr: float) -> None:
        self.base_lr = float(base_lr)

    def factor(self, step: int) -> float:
        """Multiplier of ``base_lr`` for step index ``step`` (0 = the first step)."""
        return 1.0

    def lr_at(self, step: int) -> float:
        return self.base_lr * self.factor(step)

    def set_lr(self, lr: float, step: int) -> None:
        """Make the learning rate at ``step`` equal ``lr``, keeping the schedule's shape;
        ConfigError unless ``lr`` is a positive finite number."""
        if isinstance(lr, bool) or not isinstance(lr, (int, float)):
            raise ConfigError(f"learning rate must be a number, got {lr!r}")
        if not math.isfinite(lr) or lr <= 0:
            raise ConfigError(f"learning rate must be a positive finite number, got {lr!r}")
        self.base_lr = float(lr) / self.factor(step)

    def observe(self, step: int, ppl: float) -> str | None:
        """Hear a validation perplexity; return a reason when the lr changed."""
        return None

    saved: ClassVar[dict[str, Callable[[Any], Any]]] = {}
    """The attributes a resumed run needs besides ``base_lr``, each with the conversion
    that reads it back; an :class:`_OrNone` one may be missing or null."""

    def state_dict(self) -> dict[str, Any]:
        return {"name": self.name, "base_lr": self.base_lr} | {
            key: getattr(self, key) for key in self.saved
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("name") != self.name:
            raise ValueError(
                f"schedule state is for {state.get('name')!r}, this schedule is {self.name!r}"
            )
        self.base_lr = float(state["base_lr"])
        for key, read in self.saved.items():
            value = state.get(key) if isinstance(read, _OrNone) else state[key]
            setattr(self, key, read(value))


class PlateauSchedule(Schedule):
    """The book's rule: divide the learning rate by ``divisor`` (4) whenever the
    validation perplexity is not better than the best seen so far."""

    name = "plateau"
    saved: ClassVar[dict[str, Callable[[Any], Any]]] = {"best_ppl": _OrNone(float)}

    def __init__(self, base_lr: float, divisor: float = 4.0) -> None:
        super().__init__(base_lr)
        self.divisor = float(divisor)
        self.best_ppl: float | None = None

    def observe(self, step: int, ppl: float) -> str | None:
        if self.best_ppl is None or ppl < self.best_ppl:
            self.best_ppl = float(ppl)
            return None
        self.base_lr /= self.divisor
        return (
            f"validation perplexity {ppl:.4g} is not below the best {self.best_ppl:.4g}: "
            f"learning rate divided by {self.divisor:g}"
        )


class CosineSchedule(Schedule):
    """Linear warm-up over ``warmup_steps``, then a half cosine from ``base_lr``
    down to ``min_ratio * base_lr`` at ``total_steps``, constant after.

    Without a known ``total_steps`` (training limited only by time, or the
    TUI's open-ended run) it warms up and then stays at ``base_lr``.
    """

    name = "cosine"
    saved: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "warmup_steps": int,
        "total_steps": _OrNone(int),
        "min_ratio": float,
    }

    def __init__(
        self,
        base_lr: float,
        warmup_steps: int = 50,
        total_steps: int | None = None,
        min_ratio: float = 0.1,
    ) -> None:
        super().__init__(base_lr)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = None if total_steps is None else int(total_steps)
        self.min_ratio = float(min_ratio)

    def factor(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        if self.total_steps is None or self.total_steps <= self.warmup_steps:
            return 1.0
        progress = min(1.0, (step - self.warmup_steps) / (self.total_steps - self.warmup_steps))
        return self.min_ratio + (1.0 - self.min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


class EpochDecaySchedule(Schedule):
    """``base_lr`` for the first ``decay_after`` epochs, then multiplied by
    ``decay_factor`` at the start of every further epoch.

    Epoch ``e`` (0 = the first) trains at ``base_lr * decay_factor ** max(0, e + 1 -
    decay_after)``: with ``decay_after=4, decay_factor=0.5`` epochs 1-4 at the
    starting rate, epoch 5 at half of it, epoch 13 at 1/512 (Zaremba et al.'s
    small PTB model and the TensorFlow tutorial that reimplements it). An epoch
    is ``steps_per_epoch`` steps (the batcher's count), so the rate depends on
    the step alone and a resumed run continues it exactly. The factor never
    falls below ``MIN_FACTOR``, so ``set_lr`` can always invert it.
    """

    name = "epoch-decay"
    saved: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "steps_per_epoch": int,
        "decay_after": int,
        "decay_factor": float,
    }
    MIN_FACTOR = 1e-12

    def __init__(
        self,
        base_lr: float,
        steps_per_epoch: int = 1,
        decay_after: int = 4,
        decay_factor: float = 0.5,
    ) -> None:
        super().__init__(base_lr)
        if int(steps_per_epoch) < 1:
            raise ValueError(f"steps_per_epoch must be at least 1, got {steps_per_epoch!r}")
        self.steps_per_epoch = int(steps_per_epoch)
        self.decay_after = int(decay_after)
        self.decay_factor = float(decay_factor)

    def factor(self, step: int) -> float:
        halvings = max(0, step // self.steps_per_epoch + 1 - self.decay_after)
        if halvings == 0:
            return 1.0
        # log-space so a huge number of epochs cannot overflow before the floor applies
        if halvings * math.log(self.decay_factor) < math.log(self.MIN_FACTOR):
            return self.MIN_FACTOR
        return max(self.MIN_FACTOR, self.decay_factor**halvings)


SCHEDULE_CLASSES: dict[str, type[Schedule]] = {
    "constant": Schedule,
    "plateau": PlateauSchedule,
    "cosine": CosineSchedule,
    "epoch-decay": EpochDecaySchedule,
}


def make_schedule(
    name: str,
    base_lr: float,
    *,
    warmup_steps: int = 50,
    total_steps: int | None = None,
    steps_per_epoch: int = 1,
    decay_after: int = 4,
    decay_factor: float = 0.5,
) -> Schedule:
    """Build the schedule called ``name`` (one of :data:`SCHEDULE_CLASSES`); a cosine's
    warm-up is at most a fifth of ``total_steps``; an epoch decay counts epochs of
    ``steps_per_epoch`` steps."""
    if total_steps is not None:
        warmup_steps = min(warmup_steps, max(1, total_steps // 5))
    if name == "cosine":
        return CosineSchedule(base_lr, warmup_steps=warmup_steps, total_steps=total_steps)
    if name == "epoch-decay":
        return EpochDecaySchedule(
            base_lr,
            steps_per_epoch=steps_per_epoch,
            decay_after=decay_after,
            decay_factor=decay_factor,
        )
    if name not in SCHEDULE_CLASSES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULE_CLASSES)}, got {name!r}")
    return SCHEDULE_CLASSES[name](base_lr)
