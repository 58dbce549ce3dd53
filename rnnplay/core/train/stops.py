"""Why a training run stops: the texts of the ordinary limits, and the explanation of a
non-finite step (which the trainer and the race both turn into a StopEvent)."""

from __future__ import annotations

import math

from rnnplay.core.train.events import StepEvent, StopEvent

STOP_TEXT = {
    "cancelled": "stopped on request",
    "steps": "reached the step limit",
    "epochs": "reached the epoch limit",
    "seconds": "reached the time limit",
}


def nonfinite_stop(event: StepEvent) -> StopEvent | None:
    """A StopEvent explaining a non-finite step, or None when the step was fine."""
    if math.isfinite(event.loss) and math.isfinite(event.grad_norm):
        if event.weights_finite:
            return None
        return StopEvent(
            step=event.step,
            reason="nonfinite",
            message=(
                f"the weights became infinite or NaN in the update of step {event.step} "
                f"with learning rate {event.lr:.3g}; training stopped and these weights "
                f"are not saved: try a lower learning rate (e.g. {event.lr / 10:.3g})"
            ),
        )
    what = (
        f"the loss became {event.loss}"
        if not math.isfinite(event.loss)
        else f"the gradient norm became {event.grad_norm}"
    )
    return StopEvent(
        step=event.step,
        reason="nonfinite",
        message=(
            f"{what} at step {event.step} with learning rate {event.lr:.3g}; training "
            f"stopped before that step changed the weights: try a lower learning rate "
            f"(e.g. {event.lr / 10:.3g})"
        ),
    )
