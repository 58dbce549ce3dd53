"""TrainConfig: every ``rnnplay train`` setting with its default, in one place.

The CLI builds one from its flags, the TUI from its controls, and a
checkpoint stores it as JSON, so a resumed run knows exactly how it was
made. ``validate`` refuses absurd values up front with a one-line
:class:`ConfigError` naming the flag, before any corpus is read or any
array allocated; ``check_memory`` refuses models and batches that would not
fit, with the estimate in the message.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from rnnplay.core import limits
from rnnplay.core.nn.config import CELL_GATES, CELL_NAMES, ModelConfig, upgrade_names
from rnnplay.errors import ConfigError

if TYPE_CHECKING:
    from rnnplay.core.data.corpus import Dataset

__all__ = ["CELL_NAMES", "DEFAULT_EPOCHS", "TrainConfig"]

LEVELS = ("char", "word")
BATCHINGS = ("streams", "random")
OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
SCHEDULES = ("constant", "plateau", "cosine", "epoch-decay")

MEMORY_LIMIT_BYTES = 8 * 1024**3
"""Refuse a configuration whose estimated memory (parameters, optimizer state,
activations of one step) exceeds this: failing up front with the estimate
beats a MemoryError or a swapping machine minutes later."""

_OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}


@dataclass(frozen=True)
class TrainConfig:
    """Every training setting. Field names match the ``rnnplay train`` flags
    (``--max-steps`` is ``max_steps``); the model's fields (``cell``, ``embed``,
    ``hidden``, ``layers``, ``dropout``, ``tie``, ``forget_bias``, ``dtype``) are
    those of :class:`~rnnplay.core.nn.config.ModelConfig` (:meth:`model_config`).

    The defaults are the recipe for the default corpus (the sonnets): a
    one-layer char-level LSTM of 128 units that writes mostly real words
    within seconds on a laptop CPU (Adam at a constant 2e-2:
    ``benchmarks/words_within_seconds.py``, docs/quality.md "Words within
    seconds"); on the sonnets it also reaches a lower validation loss than
    the earlier 256 units at 5e-3 for the first minute of training. Random
    windows beat the book's streams by a wide margin (docs/quality.md). For
    a larger text and a time budget take a preset (``char-3min``: 384 units,
    1e-2 and a cosine over a step budget). Limits (``epochs``,
    ``max_steps``, ``max_seconds``) left at None do not apply; when all three
    are None the CLI trains for ``DEFAULT_EPOCHS``.
    """

    # data
    corpus: str = "sonnets"
    valid: str | None = None
    test: str | None = None
    val_fraction: float = 0.1
    level: str | None = None  # None: the corpus's own level (word for "toy", else char)
    max_vocab: int | None = None
    # model (the fields of ModelConfig, same names)
    cell: str = "lstm"
    embed: int = 64
    hidden: int = 128
    layers: int = 1
    dropout: float = 0.0
    tie: bool = False
    forget_bias: float = 1.0  # LSTM forget-gate bias at init; the book uses 0
    dtype: str = "float32"
    # batches
    batch: int = 32
    bptt: int = 64
    batching: str = "random"  # random windows: docs/quality.md (streams: the book's scheme)
    # optimisation
    optimizer: str = "adam"
    lr: float = 2e-2  # where the schedule starts; the schedule owns the rate from then on
    schedule: str = "constant"
    warmup_steps: int = 50
    decay_after: int = 4  # epoch-decay: epochs at the starting rate before it decays
    decay_factor: float = 0.5  # epoch-decay: the rate's multiplier per epoch after those
    clip: float = 1.0
    # limits and evaluation
    epochs: float | None = None
    max_steps: int | None = None
    max_seconds: float | None = None
    eval_every: int | None = None  # None: Trainer.eval_interval scales it to the split
    # run
    seed: int | None = 1
    out: str | None = None
    resume: str | None = None
    quiet: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def model_config(self, vocab_size: int) -> ModelConfig:
        """The model these settings describe, for a vocabulary of ``vocab_size`` tokens."""
        return ModelConfig(
            vocab_size=vocab_size,
            cell=self.cell,
            embed=self.embed,
            hidden=self.hidden,
            layers=self.layers,
            dropout=self.dropout,
            tie=self.tie,
            forget_bias=self.forget_bias,
            dtype=self.dtype,
        )

    def load_dataset(self) -> Dataset:
        """Read the corpus these settings name (its splits, level and vocabulary limit).

        The one place a config becomes a dataset: the front door and resume both
        call it. NumPy loads here, not when this module is imported.
        """
        from rnnplay.core.data.corpus import load_dataset

        return load_dataset(
            self.corpus,
            level=self.level,
            max_vocab=self.max_vocab,
            valid=self.valid,
            test=self.test,
            val_fraction=self.val_fraction,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        """Rebuild from :meth:`to_json`; unknown keys are refused, missing ones defaulted,
        names from before ModelConfig (``model`` for the cell) read as the new ones."""
        if not isinstance(data, dict):
            raise ConfigError(f"training config must be a JSON object, got {type(data).__name__}")
        data = upgrade_names(data)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"training config has unknown settings: {', '.join(unknown)}")
        return cls(**data)

    def replace(self, **changes: Any) -> TrainConfig:
        return replace(self, **changes)

    # -- validation -------------------------------------------------------------
    def validate(self) -> TrainConfig:
        """Raise :class:`ConfigError` for the first absurd value; return self.

        Checked once per config: a config that passed is marked (it is frozen, and
        :meth:`replace` makes a new, unchecked one), so the front door, the CLI and
        a Trainer built from it do not check the same values again.
        """
        if self.__dict__.get("_valid"):
            return self
        if self.level is not None:
            _choice("--level", self.level, LEVELS)
        _choice("--cell", self.cell, CELL_NAMES)
        _choice("--batching", self.batching, BATCHINGS)
        _choice("--optimizer", self.optimizer, OPTIMIZER_NAMES)
        _choice("--schedule", self.schedule, SCHEDULES)
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if not isinstance(self.corpus, str) or not self.corpus:
            raise ConfigError("--corpus must name a built-in corpus or a text file")
        # Every number has a range that keeps it finite where it ends up (limits.py).
        for flag, value, top in (
            ("--embed", self.embed, limits.MAX_WIDTH),
            ("--hidden", self.hidden, limits.MAX_WIDTH),
            ("--layers", self.layers, limits.MAX_LAYERS),
            ("--batch", self.batch, limits.MAX_WIDTH),
            ("--bptt", self.bptt, limits.MAX_WIDTH),
        ):
            _int_in(flag, value, 1, top)
        if self.eval_every is not None:
            _int_in("--eval-every", self.eval_every, 1, limits.MAX_COUNT)
        if self.max_vocab is not None:
            _positive_int("--max-vocab", self.max_vocab)
            if self.max_vocab < 2:
                raise ConfigError(
                    f"--max-vocab must be at least 2 (one word plus <unk>), got {self.max_vocab}"
                )
            _int_in("--max-vocab", self.max_vocab, 2, limits.MAX_VOCAB)
        if self.max_steps is not None:
            _int_in("--max-steps", self.max_steps, 1, limits.MAX_COUNT)
        if self.warmup_steps is not None:
            _non_negative_int("warm-up steps", self.warmup_steps)
            _int_in("warm-up steps", self.warmup_steps, 0, limits.MAX_COUNT)
        _positive_number("--lr", self.lr, limits.MAX_LR)
        _int_in("--decay-after", self.decay_after, 0, limits.MAX_COUNT)
        _finite_number("--decay-factor", self.decay_factor)
        if not 0.0 < self.decay_factor <= 1.0:
            raise ConfigError(f"--decay-factor must lie in (0, 1], got {self.decay_factor:g}")
        _positive_number("--clip", self.clip, limits.MAX_CLIP)
        if self.epochs is not None:
            _positive_number("--epochs", self.epochs, limits.MAX_EPOCHS)
        if self.max_seconds is not None:
            _positive_number("--max-seconds", self.max_seconds, limits.MAX_SECONDS)
        _finite_number("--forget-bias", self.forget_bias)
        if abs(self.forget_bias) > limits.MAX_FORGET_BIAS:
            raise ConfigError(
                f"--forget-bias must lie in [-{limits.MAX_FORGET_BIAS:g}, "
                f"{limits.MAX_FORGET_BIAS:g}], got {self.forget_bias:g}"
            )
        _finite_number("--dropout", self.dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"--dropout must lie in [0, 1), got {self.dropout:g}")
        _finite_number("--val-fraction", self.val_fraction)
        if not 0.0 < self.val_fraction < 1.0:
            raise ConfigError(
                f"--val-fraction must lie strictly between 0 and 1, got {self.val_fraction:g}"
            )
        if self.tie and self.embed != self.hidden:
            raise ConfigError(
                f"--tie needs --embed equal to --hidden, got --embed {self.embed} "
                f"and --hidden {self.hidden}"
            )
        if self.seed is not None and (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed <= limits.MAX_SEED
        ):
            raise ConfigError(
                f"--seed must be a whole number in [0, {limits.MAX_SEED}], got {self.seed!r}"
            )
        # Cheapest refusal of absurd sizes: the vocabulary is at least 2 tokens.
        self.check_memory(vocab_size=2)
        object.__setattr__(self, "_valid", True)
        return self

    # -- memory -------------------------------------------------------------
    def fitted_to(self, dataset: Dataset) -> TrainConfig:
        """This config, validated, for training on ``dataset``: its level filled in from
        the corpus; ConfigError when the corpus is read at another level, too short
        for a batch or has almost no validation text, or the model would not fit in
        memory."""
        config = self.validate()  # free when the front door validated it already
        if config.level is None:
            config = config.replace(level=dataset.vocab.level)
        elif config.level != dataset.vocab.level:
            raise ConfigError(
                f"the config asks for --level {config.level} but the corpus was read at "
                f"{dataset.vocab.level} level"
            )
        from rnnplay.core.data.batching import min_corpus_tokens  # NumPy: only when training

        vocab_size = len(dataset.vocab)
        config.check_memory(vocab_size)
        need = min_corpus_tokens(config.batch, config.bptt, config.batching)
        if len(dataset.train) < need:
            raise ConfigError(
                f"the training text of '{dataset.name}' has {len(dataset.train)} tokens, but "
                f"--batch {config.batch} x --bptt {config.bptt} needs at least {need}: "
                f"use a longer corpus or lower --batch / --bptt"
            )
        if len(dataset.valid) < 2:
            raise ConfigError(
                f"the validation text of '{dataset.name}' has {len(dataset.valid)} tokens; "
                f"it needs at least 2"
            )
        return config

    def estimate_memory(self, vocab_size: int) -> tuple[int, int]:
        """Estimated bytes (parameters + gradients + optimizer state, activations of one step).

        Parameters: embedding V*D, per layer G*H*(D_in + H + 1), output H*V + V,
        each held with its gradient, the optimizer's slots and one scratch
        buffer. Activations of one forward/backward over an (N, T) batch:
        the embedded inputs, per layer the gate pre-activations (kept and
        their gradients) and about four H-sized arrays (h, c, tanh c,
        dropout mask), and about four V-sized score arrays (logits,
        softmax, its gradient, a temporary).
        """
        V, D, H, L = vocab_size, self.embed, self.hidden, self.layers
        G = CELL_GATES.get(self.cell, 4)
        itemsize = 8 if self.dtype == "float64" else 4
        n_params = V * D + (0 if self.tie else H * V) + V
        n_params += G * H * (D + H + 1) + (L - 1) * G * H * (2 * H + 1)
        copies = 2 + _OPTIMIZER_SLOTS.get(self.optimizer, 2) + 1
        positions = self.batch * self.bptt
        activations = positions * (2 * D + L * (2 * G * H + 4 * H + D) + 4 * V)
        return n_params * copies * itemsize, activations * itemsize

    def check_memory(self, vocab_size: int, limit: int = MEMORY_LIMIT_BYTES) -> None:
        """Raise :class:`ConfigError` when the estimate exceeds ``limit`` bytes or the
        memory this process can still allocate (``memory.available_bytes``)."""
        params, activations = self.estimate_memory(vocab_size)
        total = params + activations
        need = (
            f"this model and batch need about {_gib(total)} of memory "
            f"(weights and optimizer {_gib(params)}, activations {_gib(activations)}: "
            f"--batch {self.batch} x --bptt {self.bptt} x --hidden {self.hidden} x "
            f"--layers {self.layers})"
        )
        advice = "lower --hidden, --embed, --layers, --batch or --bptt"
        if total > limit:
            raise ConfigError(f"{need}, more than the {_gib(limit)} limit; {advice}")
        from rnnplay.core.train.memory import available_bytes

        free = available_bytes()
        if free is not None and total > free:
            raise ConfigError(f"{need}, but only {_gib(free)} is available now; {advice}")


PROCESS_SETTINGS = frozenset({"out", "resume", "quiet"})
"""TrainConfig fields that say how one process runs (where it writes, what it resumed,
whether it talks), not what is trained: never compared between runs, and a
checkpoint's stored values of these are never used."""

DEFAULT_EPOCHS = 10
"""How long ``rnnplay train`` trains when no limit is given."""


def _gib(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.3g} GiB"
    return f"{n / 1024**2:.3g} MiB"


def _choice(flag: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{flag} must be one of {', '.join(choices)}, got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(flag: str, value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise ConfigError(f"{flag} must be a positive integer, got {value!r}")


def _non_negative_int(flag: str, value: Any) -> None:
    if not _is_int(value) or value < 0:
        raise ConfigError(f"{flag} must be a non-negative integer, got {value!r}")


def _finite_number(flag: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{flag} must be a finite number, got {value!r}")


def _int_in(flag: str, value: Any, lo: int, hi: int) -> None:
    if lo == 1:
        _positive_int(flag, value)
    elif lo == 0:
        _non_negative_int(flag, value)
    if not _is_int(value) or not lo <= value <= hi:
        raise ConfigError(f"{flag} must be a whole number in [{lo}, {hi}], got {value!r}")


def _positive_number(flag: str, value: Any, top: float) -> None:
    _finite_number(flag, value)
    if value <= 0:
        raise ConfigError(f"{flag} must be positive, got {value:g}")
    if value > top:
        raise ConfigError(f"{flag} must lie in (0, {top:g}], got {value:g}")
