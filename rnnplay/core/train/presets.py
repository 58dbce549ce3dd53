"""Named recipes: a set of TrainConfig settings a user picks with ``--preset NAME``.

A preset only fills in settings; a flag typed beside it wins. The defaults
stay the recipe that learns visibly within seconds; a preset is for a
stated goal that needs other choices (here: the lowest validation loss a
char-level model reaches in about three minutes on two cores). Its step
budget is what makes a cosine schedule end on time, and steps (not
seconds) keep a resumed run bit-exact; the seconds it takes depend on the
machine, which is why the summary says where it was measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PRESETS", "Preset"]


@dataclass(frozen=True)
class Preset:
    """A named set of TrainConfig settings and a line saying what it is for."""

    name: str
    summary: str
    settings: dict[str, Any] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="char-3min",
            summary=(
                "char-level LSTM for a ~1M-char text in about 3 minutes on 2 quiet cores: "
                "H=384, random windows, Adam 1e-2 decayed by a cosine over 3400 steps "
                "(docs/quality.md)"
            ),
            settings={
                "cell": "lstm",
                "hidden": 384,
                "embed": 64,
                "layers": 1,
                "batch": 32,
                "bptt": 64,
                "batching": "random",
                "optimizer": "adam",
                "lr": 1e-2,
                "schedule": "cosine",
                "max_steps": 3400,
            },
        ),
    )
}
