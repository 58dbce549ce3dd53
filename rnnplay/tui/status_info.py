"""What the status panel and the stop notices say about a session (plain values, no widgets)."""

from __future__ import annotations

from pathlib import Path

from rnnplay.core.train.events import StepEvent
from rnnplay.tui.messages import TrainingStopped
from rnnplay.tui.session_figures import RATE_WINDOW_S
from rnnplay.tui.training import TrainingSession
from rnnplay.tui.widgets.status import StatusInfo


def status_info(
    session: TrainingSession,
    *,
    lr: float,
    busy: str | None,
    folder: Path | None,
    unit: str = "nats",
) -> StatusInfo:
    """The status panel's figures for ``session`` now.

    A resumed session that has not stepped yet shows the checkpoint's own
    figures (step, tokens, elapsed time, smoothed training loss, last validation
    result).
    """
    summary = session.summary
    trainer = session.trainer
    step = session.last_step
    evaluation = session.last_eval
    return StatusInfo(
        corpus=summary.corpus,
        level=summary.level,
        vocab_size=summary.vocab_size,
        cell=summary.cell,
        layers=summary.layers,
        embed=summary.embed,
        hidden=summary.hidden,
        num_params=summary.num_params,
        running=session.running,
        note=busy,
        step=step.step if step else trainer.step_count,
        epoch=step.epoch if step else trainer.epoch,
        tokens=step.tokens if step else trainer.tokens_seen,
        tokens_per_s=session.rate.value if step else None,
        rate_window_s=RATE_WINDOW_S,
        train_loss=step.loss if step else trainer.train_loss,
        val_loss=evaluation.loss if evaluation else None,
        val_ppl=evaluation.ppl if evaluation else None,
        unit=unit,
        lr=lr,
        elapsed_s=step.elapsed_s if step else trainer.elapsed_s,
        folder=None if folder is None else shown_path(folder),
    )


def shown_path(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def stop_notice(
    message: TrainingStopped, last_step: StepEvent | None, *, one_step: bool
) -> tuple[str, str] | None:
    """(text, severity) to say why training stopped, or None for a plain pause."""
    if message.error is not None:
        return f"training failed: {message.error}", "error"
    event = message.event
    if event is None or event.reason == "cancelled":
        return None
    if event.reason == "nonfinite":
        return event.message, "error"
    if one_step and event.reason == "steps":
        loss = "-" if last_step is None else f"{last_step.loss:.2f}"
        return f"one step: loss {loss}", "information"
    return f"training stopped: {event.message}", "information"
