"""Planning a race: the contenders' configs, their names, what differs between them.

A race compares 2-4 configs that differ only where the user asked
(``--models rnn,lstm,gru``, ``--hidden 64,256``). :func:`expand_contenders`
turns a base config and per-setting lists into the contenders' configs and
refuses bad lists with one line; :func:`differing_settings` and
:func:`contender_names` say what differs, so a table and a chart legend can
show it. Pure standard library plus the config: no NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rnnplay.core.train.config import PROCESS_SETTINGS, TrainConfig
from rnnplay.errors import ConfigError

MIN_CONTENDERS = 2
MAX_CONTENDERS = 4


def model_summary(config: TrainConfig | Mapping[str, Any]) -> str:
    """A short description of a config's model: "lstm 1x256 (embed 64)".

    Takes a TrainConfig or its JSON form (a run's manifest); missing keys
    take the defaults.
    """
    data = config.to_json() if isinstance(config, TrainConfig) else config
    defaults = _DEFAULTS.to_json()

    def get(name: str) -> Any:
        return data.get(name, defaults[name])

    cell = data.get("cell", data.get("model", defaults["cell"]))  # "model": before ModelConfig
    text = f"{cell} {get('layers')}x{get('hidden')} (embed {get('embed')}"
    if get("tie"):
        text += ", tied"
    if get("dropout"):
        text += f", dropout {get('dropout'):g}"
    return text + ")"


_DEFAULTS = TrainConfig()


def differing_settings(configs: Sequence[TrainConfig]) -> list[str]:
    """The config fields whose values are not all equal, in field order."""
    if not configs:
        return []
    first = configs[0].to_json()
    others = [c.to_json() for c in configs[1:]]
    return [
        name
        for name, value in first.items()
        if name not in PROCESS_SETTINGS and any(o[name] != value for o in others)
    ]


def contender_names(configs: Sequence[TrainConfig]) -> list[str]:
    """Names that say what differs: "rnn", "lstm", or "lstm hidden=64", "lstm hidden=256"."""
    differs = [name for name in differing_settings(configs) if name != "cell"]
    names = []
    for config in configs:
        parts = [config.cell] + [f"{name}={getattr(config, name)}" for name in differs]
        names.append(" ".join(parts))
    return names


def expand_contenders(base: TrainConfig, variations: dict[str, Sequence[Any]]) -> list[TrainConfig]:
    """The contenders' configs: ``base`` with each setting in ``variations`` taken per contender.

    Every list has one value (shared by all) or K values (one per
    contender), K the same for every list and 2 to 4. Refused with one
    line (ConfigError): mismatched lengths, fewer than 2 or more than 4
    contenders, a contender equal to another, an invalid config.
    """
    lengths = {name: len(values) for name, values in variations.items()}
    empty = [name for name, n in lengths.items() if n == 0]
    if empty:
        raise ConfigError(f"--{_flag(empty[0])} has no values")
    counts = sorted({n for n in lengths.values() if n > 1})
    if len(counts) > 1:
        shown = ", ".join(f"--{_flag(name)} {n}" for name, n in lengths.items() if n > 1)
        raise ConfigError(f"contender lists must have the same length, got {shown}")
    k = counts[0] if counts else 1
    if not MIN_CONTENDERS <= k <= MAX_CONTENDERS:
        raise ConfigError(
            f"a race needs {MIN_CONTENDERS} to {MAX_CONTENDERS} contenders, got {k} "
            f"(give comma lists, e.g. --models rnn,lstm,gru)"
        )
    configs = []
    for i in range(k):
        changes = {name: values[i if len(values) > 1 else 0] for name, values in variations.items()}
        configs.append(base.replace(**changes).validate())
    for i, config in enumerate(configs):
        for j in range(i):
            if _same_training(config, configs[j]):
                raise ConfigError(f"contenders {j + 1} and {i + 1} are the same; make them differ")
    return configs


def _same_training(a: TrainConfig, b: TrainConfig) -> bool:
    ja, jb = a.to_json(), b.to_json()
    return all(ja[name] == jb[name] for name in ja if name not in PROCESS_SETTINGS)


def _flag(name: str) -> str:
    return "models" if name == "cell" else name.replace("_", "-")
