"""Persistence of a Trainer: save it whole, resume it exactly, restore its state.

Written beside the loop (``trainer.py``), once: ``Trainer.save`` and
``Trainer.resume`` call these. A checkpoint of kind :data:`CHECKPOINT_KIND`
holds the model, the optimizer, the vocabulary and in ``meta`` everything
else a run depends on (config, step, schedule, batcher and RNG state, the
carried hidden state as extra arrays), so a resumed run continues bit for bit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnplay.core.data.corpus import Dataset
from rnnplay.core.store.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from rnnplay.core.train.config import PROCESS_SETTINGS, ConfigError, TrainConfig
from rnnplay.core.train.optim import OPTIMIZERS
from rnnplay.core.train.probes import weights_finite
from rnnplay.errors import NumericalError

if TYPE_CHECKING:
    from rnnplay.core.train.trainer import Trainer

CHECKPOINT_KIND = "rnnplay-trainer"
"""``meta["kind"]`` of a checkpoint that holds training state (resumable)."""

RESUME_OVERRIDES = PROCESS_SETTINGS | {
    "epochs",
    "max_steps",
    "max_seconds",
    "eval_every",
    "lr",
    "clip",
}
"""Settings a resumed run may change; everything else must match the checkpoint."""


def save(trainer: Trainer, path: str | Path) -> Path:
    """Write one checkpoint holding everything needed to continue exactly.

    Refused (NumericalError) when a weight is NaN or infinite: such a file
    would only fail again, and must never replace a good one."""
    if trainer.diverged or not weights_finite(trainer.model.params):
        raise NumericalError(
            f"not saving {path}: the model's weights are not finite (training diverged)"
        )
    state = trainer.model.get_state() or []
    arrays = {
        f"state.{k}.{name}": value for k, entry in enumerate(state) for name, value in entry.items()
    }
    meta = {
        "kind": CHECKPOINT_KIND,
        "config": trainer.config.to_json(),
        "step": trainer.step_count,
        "epoch": trainer.epoch,
        "tokens": trainer.tokens_seen,
        "elapsed_s": trainer.elapsed_s,
        "lr": trainer.lr,
        "schedule": trainer.schedule.state_dict(),
        "best_val_loss": trainer.best_val_loss,
        "train_loss": trainer.train_loss,  # a figure: the writer represents it
        "batcher": trainer.batcher.state_dict(),
        "rng": trainer.model.rng.bit_generator.state,
        "state_layers": len(state),
        "history": trainer.history,
    }
    return save_checkpoint(
        path,
        model=trainer.model,
        vocab=trainer.dataset.vocab,
        optimizer=trainer.optimizer,
        meta=meta,
        arrays=arrays,
    )


def resume(
    cls: type[Trainer],
    path: str | Path,
    dataset: Dataset | None = None,
    overrides: dict[str, Any] | None = None,
) -> Trainer:
    """Rebuild the Trainer saved at ``path`` and continue where it stopped.

    Without ``dataset`` the corpus is read again from the saved config; its
    vocabulary must equal the checkpoint's. ``overrides`` may change the
    settings in :data:`RESUME_OVERRIDES` (limits, output, lr, clip).
    """
    checkpoint = load_checkpoint(path)
    meta = checkpoint.meta
    if not isinstance(meta, dict) or meta.get("kind") != CHECKPOINT_KIND:
        raise CheckpointError(
            f"'{path}' holds a model without training state: it can be sampled or "
            f"evaluated but not resumed"
        )
    try:
        config = TrainConfig.from_json(meta["config"])
    except (KeyError, TypeError) as exc:
        raise CheckpointError(f"'{path}' has a damaged training config ({exc})") from None
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(config.to_json()))
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(unknown)}")
    refused = sorted(
        name
        for name, value in overrides.items()
        if name not in RESUME_OVERRIDES and value != getattr(config, name)
    )
    if refused:
        shown = ", ".join(
            f"--{name.replace('_', '-')} (saved: {getattr(config, name)!r})" for name in refused
        )
        raise ConfigError(f"a resumed run keeps the checkpoint's settings; drop {shown}")
    config = config.replace(**overrides)
    if dataset is None:
        dataset = config.load_dataset()
    if list(dataset.vocab.tokens) != list(checkpoint.vocab.tokens):
        raise CheckpointError(
            f"the corpus '{config.corpus}' now gives a different vocabulary than the one "
            f"'{path}' was trained with; it cannot be resumed on it"
        )
    optimizer = checkpoint.optimizer
    if optimizer is not None and type(optimizer) is not OPTIMIZERS[config.optimizer]:
        raise CheckpointError(
            f"'{path}' holds a {type(optimizer).__name__} optimizer but its config "
            f"says {config.optimizer}"
        )
    trainer = cls(config, dataset, model=checkpoint.model, optimizer=optimizer)
    try:
        restore(trainer, meta, checkpoint.arrays)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"'{path}' has damaged training state ({exc})") from None
    if "lr" in overrides:
        trainer.lr = overrides["lr"]
    return trainer


def restore(trainer: Trainer, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    trainer.step_count = int(meta["step"])
    trainer.tokens_seen = int(meta["tokens"])
    trainer.elapsed_s = float(meta["elapsed_s"])
    trainer.schedule.load_state_dict(meta["schedule"])
    best = meta["best_val_loss"]
    trainer.best_val_loss = None if best is None else float(best)
    trainer.train_loss = meta.get("train_loss")  # None in checkpoints older than it
    trainer.batcher.load_state_dict(meta["batcher"])
    trainer.model.rng.bit_generator.state = meta["rng"]
    history = meta.get("history", [])
    trainer.history = list(history) if isinstance(history, list) else []
    layers = int(meta["state_layers"])
    if layers:
        state = []
        expected = (trainer.config.batch, trainer.model.config.hidden)
        for k in range(layers):
            entry = {"h": arrays[f"state.{k}.h"]}
            if f"state.{k}.c" in arrays:
                entry["c"] = arrays[f"state.{k}.c"]
            for key, value in entry.items():
                if value.shape != expected:
                    raise ValueError(
                        f"carried state {key} of layer {k} is {value.shape}, expected {expected}"
                    )
            state.append(entry)
        trainer.model.set_state(state)
    else:
        trainer.model.reset_state()
