"""Bounds of the live settings (learning rate, temperature), and what a change means.

The learning rate that works depends on the optimizer: Adam-like methods
train at about 1e-3 and diverge well below 1, while plain SGD on these
models uses 0.1 to 20 (the book's LSTM runs at lr 20). So each optimizer
has a range the keys and the field stay in, and a level above which the
playground says the value is unusually high (it is still applied: a
learner may want to see a run diverge).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnplay.core.train.trainer import Trainer

TEMPERATURE_RANGE = (0.1, 3.0)
TEMPERATURE_STEP = 0.1

LR_LIMITS: dict[str, tuple[float, float, float]] = {
    # optimizer: (lowest, highest, warn above)
    "sgd": (1e-6, 100.0, 30.0),
    "momentum": (1e-6, 20.0, 2.0),
    "adagrad": (1e-6, 5.0, 0.5),
    "rmsprop": (1e-6, 1.0, 0.02),
    "adam": (1e-6, 1.0, 0.02),
}
DEFAULT_LIMITS = (1e-6, 1.0, 0.02)


def lr_in_bounds(lr: float, optimizer: str) -> tuple[float, str | None]:
    """``lr`` held inside the optimizer's range, and a warning when it is high (or held)."""
    low, high, warn = LR_LIMITS.get(optimizer, DEFAULT_LIMITS)
    if lr != lr:  # NaN: keep the lowest, never propagate
        return low, f"not a number; set to {low:g}"
    if lr > high:
        return high, f"the most {optimizer} allows here (training may diverge)"
    if lr < low:
        return low, f"the least allowed ({low:g})"
    if lr > warn:
        return lr, f"unusually high for {optimizer} (above {warn:g}); watch the loss"
    return lr, None


def next_temperature(current: float, direction: int) -> float:
    """The temperature one key press up (+1) or down (-1), kept in range."""
    low, high = TEMPERATURE_RANGE
    value = round(current + direction * TEMPERATURE_STEP, 2)
    return min(max(value, low), high)


def setting_notice(name: str, value: object, trainer: Trainer) -> str:
    """The one line said when dropout or the schedule changes live: what the learner
    will see from the next step (a cosine without a step limit has nothing to decay to)."""
    if name == "dropout":
        return (
            "dropout off from the next step"
            if not value
            else f"dropout {value:g} from the next step"
        )
    if value == "plateau":
        return "schedule plateau: the learning rate is divided by 4 whenever validation stalls"
    if value == "cosine":
        horizon = trainer.planned_steps()
        if horizon is None or horizon <= trainer.step_count:
            return (
                "schedule cosine: no step limit ahead to decay to, so the rate holds after "
                "any warm-up (--max-steps or --epochs give one)"
            )
        return f"schedule cosine: the learning rate decays to a tenth by step {horizon:,}"
    return f"schedule {value}: the learning rate stays where it is"
