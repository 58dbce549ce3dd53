"""The schema of a checkpoint's metadata (``meta.json``), checked whole before use.

A checkpoint's metadata comes from a file someone may have edited, so the
reader trusts nothing in it: :func:`parse_metadata` parses the bytes with
bounded nesting (a ``[[[[...`` bomb is refused by a linear scan before the
JSON parser could recurse), and :func:`check_header` validates the whole
object against one schema (types, ranges from :mod:`rnnplay.core.limits`,
finiteness, string and list sizes, required and unknown keys) before any
other code reads a field. The writer runs the same :func:`check_header`
on what it is about to save, so rnnplay never writes a checkpoint that it
would refuse to read; and before that :func:`represent_header`, which stores
every figure training derived (losses, perplexities, learning rates after a
schedule, times, epochs: the ``Figure`` rules below) in the representation
the schema gives it, so nothing a run reaches makes its own writer refuse.

The schema is built from the small validators of :mod:`rnnplay.core.store.schema`
(``Int``, ``Float``, ``Figure``, ``Str``, ``Obj``, ...). A failure is one :class:`CheckpointError`
naming the field by its path (``meta.schedule.base_lr``) with its value
shortened and escaped, so nothing from the file reaches a terminal raw.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from rnnplay.core import limits
from rnnplay.core.nn.config import upgrade_names
from rnnplay.core.store.schema import (
    AnyJSON,
    Bool,
    Check,
    Figure,
    Float,
    Int,
    ListOf,
    MapOf,
    Obj,
    Optional,
    SchemaError,
    Str,
    Tokens,
    Where,
)
from rnnplay.core.train.config import (
    BATCHINGS,
    CELL_NAMES,
    LEVELS,
    OPTIMIZER_NAMES,
    SCHEDULES,
    TrainConfig,
)
from rnnplay.errors import CheckpointError, ConfigError, one_line

TRAINER_KIND = "rnnplay-trainer"
"""``meta["kind"]`` of a checkpoint that holds training state (resumable)."""

COUNT = Int(0, limits.MAX_COUNT)
SIZE = Int(1, limits.MAX_WIDTH)
# Figures: what training derived; the writer represents them (schema.Figure).
LR = Figure(0.0, limits.MAX_LR)
"""A learning rate as a schedule left it."""
TIME = Figure(0.0, limits.MAX_ELAPSED_S)
EPOCH = Figure(0.0, limits.MAX_COUNT)
LOSS = Figure(0.0, limits.MAX_LOSS)
"""A loss in nats: stored saturated at MAX_LOSS ("at least") beyond it."""
PPL = Figure(0.0, limits.MAX_LOSS, allow_inf=True)
"""A perplexity, exp(loss): stored as inf ("overflowed") beyond MAX_LOSS, which
any loss above 69 nats gives."""
UINT128 = Int(0, 2**128 - 1)

MODEL = Obj(
    {
        "vocab_size": Int(1, limits.MAX_VOCAB),
        "cell": Str(16, CELL_NAMES),
        "embed": SIZE,
        "hidden": SIZE,
        "layers": Int(1, limits.MAX_LAYERS),
        "dropout": Float(0.0, 0.999999),
        "tie": Bool(),
        "dtype": Str(16, ("float32", "float64")),
        "forget_bias": Float(-limits.MAX_FORGET_BIAS, limits.MAX_FORGET_BIAS),
    }
)

RNG = Obj(
    {
        "bit_generator": Str(16, ("PCG64",)),
        "state": Obj({"state": UINT128, "inc": UINT128}),
        "has_uint32": Int(0, 1),
        "uinteger": Int(0, 2**32 - 1),
    }
)

SCHEDULE = Obj(
    {"name": Str(16, SCHEDULES), "base_lr": Figure(1e-300, limits.MAX_LR)},
    {
        "best_ppl": Optional(PPL),
        "warmup_steps": COUNT,
        "total_steps": Optional(COUNT),
        "min_ratio": Float(0.0, 1.0),
        "steps_per_epoch": Int(1, limits.MAX_COUNT),
        "decay_after": COUNT,
        "decay_factor": Float(0.0, 1.0),
    },
)

BATCHER = Obj(
    {
        "kind": Str(16, BATCHINGS),
        "batch_size": SIZE,
        "bptt": SIZE,
        "num_tokens": COUNT,
        "steps": COUNT,
    },
    {"rng": RNG},
)

RECORD = Obj(
    {"kind": Str(16, ("eval", "test")), "step": COUNT, "tokens": COUNT, "loss": LOSS},
    {
        "epoch": EPOCH,
        "ppl": PPL,
        "lr": LR,
        "elapsed_s": TIME,
    },
    extra=AnyJSON(),
)


def _config_field(annotation: str) -> Check:
    """The JSON type of a TrainConfig field from its annotation (ranges: ``validate``)."""
    base = annotation.replace(" ", "").replace("|None", "")
    rule: Check = {
        "str": Str(),
        "int": Int(-limits.MAX_SEED, limits.MAX_SEED),
        "float": Float(-1e300, 1e300),
        "bool": Bool(),
    }.get(base, AnyJSON())
    return Optional(rule) if "None" in annotation else rule


def _valid_config(value: dict[str, Any]) -> str | None:
    try:
        TrainConfig.from_json(value).validate()
    except (ConfigError, TypeError) as exc:
        return f"is not a valid training config ({one_line(exc)})"
    return None


CONFIG = Where(
    Obj({}, {f.name: _config_field(str(f.type)) for f in fields(TrainConfig)}),
    _valid_config,
)

TRAINER_META = Obj(
    {
        "kind": Str(64),
        "config": CONFIG,
        "step": COUNT,
        "epoch": EPOCH,
        "tokens": COUNT,
        "elapsed_s": TIME,
        "lr": LR,
        "schedule": SCHEDULE,
        "best_val_loss": Optional(LOSS),
        "batcher": BATCHER,
        "rng": RNG,
        "state_layers": Int(0, limits.MAX_LAYERS),
    },
    {
        "history": ListOf(RECORD, limits.MAX_HISTORY),
        "train_loss": Optional(LOSS),
    },
    extra=AnyJSON(),
)

FRACTION = Float(0.0, 0.999999999)
HYPER = Obj(
    {"lr": LR},
    {
        "momentum": FRACTION,
        "decay_rate": FRACTION,
        "beta1": FRACTION,
        "beta2": FRACTION,
        "eps": Float(1e-300, 1.0),
    },
)
"""Optimizer hyperparameters (the constructors' arguments; which ones: the class says)."""

ARRAY_ENTRY = Obj(
    {"shape": ListOf(COUNT, limits.MAX_NDIM), "dtype": Str(16)},
)


def _meta_rule(meta: Any) -> Check:
    if isinstance(meta, dict) and meta.get("kind") == TRAINER_KIND:
        return TRAINER_META
    return MapOf(AnyJSON())


HEADER_FIELDS: dict[str, Check] = {
    "format": Str(64),
    "format_version": Int(1, 1000),
    "rnnplay_version": Str(64),
    "model": MODEL,
    "vocab": Obj({"level": Str(8, LEVELS), "tokens": Tokens()}),
    "optimizer": Optional(Obj({"name": Str(16, OPTIMIZER_NAMES), "hyper": HYPER})),
    "arrays": MapOf(ARRAY_ENTRY, max_items=limits.MAX_ARRAYS),
}
"""The header's fields but ``meta``, whose rule depends on its kind."""


def header_rule(header: Any) -> Check:
    """The schema of the whole header ``header`` (its ``meta``'s rule depends on its kind)."""
    meta = header.get("meta") if isinstance(header, dict) else None
    return Obj({**HEADER_FIELDS, "meta": _meta_rule(meta)})


def represent_header(header: Any) -> Any:
    """``header`` as the writer stores it: every figure training derived in the
    representation its rule gives (see :class:`~rnnplay.core.store.schema.Figure`);
    a new object, ``header`` itself is left as it was."""
    return header_rule(header).represent(header)


def check_header(header: Any) -> None:
    """Validate a whole checkpoint header (what ``meta.json`` holds); SchemaError if not."""
    header = _with_current_names(header)
    header_rule(header).check(header, "")


def _with_current_names(header: Any) -> Any:
    """``header`` with the model's and the training config's legacy names
    (:data:`rnnplay.core.nn.config.LEGACY_NAMES`) renamed, as the reader renames them."""
    if not isinstance(header, dict):
        return header
    header = dict(header)
    if isinstance(header.get("model"), dict):
        header["model"] = upgrade_names(header["model"])
    meta = header.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("config"), dict):
        header["meta"] = {**meta, "config": upgrade_names(meta["config"])}
    return header


def checkpoint_error(where: str, error: SchemaError) -> CheckpointError:
    """The one-line CheckpointError for a schema failure of the file ``where``."""
    if error.path:
        return CheckpointError(one_line(f"{where}: metadata field {error}"))
    return CheckpointError(one_line(f"{where}: its metadata {error}"))
