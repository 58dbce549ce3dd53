"""ModelConfig: the one vocabulary of names for a model's shape.

The same names are the fields of :class:`ModelConfig`, the keyword arguments
of :class:`~rnnplay.core.nn.model.RNNLM`, the keys of ``model.config`` and of
a checkpoint's model manifest, the fields of ``TrainConfig``, the CLI flags
(``--cell``, ``--embed``, ``--hidden``, ``--layers``, ``--dropout``, ``--tie``,
``--forget-bias``) and the TUI's controls. Like nanoGPT's ``GPTConfig``: a
plain dataclass that builds the model (``RNNLM.from_config``).

This module imports nothing (the CLI's ``--help`` reads it without NumPy).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

CELL_GATES = {"rnn": 1, "lstm": 4, "gru": 3, "gru-torch": 3}
"""Each cell's number of H-wide blocks in ``Wx``/``Wh``/``b`` (the cell classes'
``gates``, written here without NumPy for the memory estimate and ``--help``)."""
CELL_NAMES = tuple(CELL_GATES)
DTYPES = ("float32", "float64")

LEGACY_NAMES = {
    "embed_size": "embed",
    "hidden_size": "hidden",
    "num_layers": "layers",
    "tie_weights": "tie",
    "model": "cell",
}
"""Names used before this vocabulary (checkpoints and configs written by older
versions): read as the new ones, so those files still load."""


@dataclass(frozen=True)
class ModelConfig:
    """The shape of an RNNLM: vocabulary size, cell, sizes, dropout, tying, dtype."""

    vocab_size: int
    cell: str = "lstm"
    embed: int = 64
    hidden: int = 256
    layers: int = 1
    dropout: float = 0.0
    tie: bool = False  # the output layer uses the embedding matrix (needs embed == hidden)
    forget_bias: float = 1.0  # LSTM forget-gate bias at init; the book uses 0
    dtype: str = "float32"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelConfig:
        """From :meth:`to_json` (older names accepted); TypeError on unknown keys."""
        return cls(**upgrade_names(data))


MODEL_FIELDS = tuple(f.name for f in fields(ModelConfig))


def upgrade_names(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the legacy names (:data:`LEGACY_NAMES`) renamed; a key given under
    both names keeps the new one."""
    out = dict(data)
    for old, new in LEGACY_NAMES.items():
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value)
    return out
