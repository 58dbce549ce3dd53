"""What opens a playground session, typed: the one entry the CLI and a served tab share.

The bare ``rnnplay`` command builds :class:`PlaygroundOptions` from its flags;
``rnnplay serve`` hands the same object, as JSON, to each tab's session process
(``python -m rnnplay.serve.tab --options JSON``). The playground
(``rnnplay.tui.app.run_app``) reads nothing else, so no face needs another
face's parser. Light at import (no NumPy): ``rnnplay --help`` loads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rnnplay.core import limits
from rnnplay.core.train.config import TrainConfig
from rnnplay.errors import ConfigError, UsageError

DEFAULT_RUNS_DIR = "runs"

AUTO = "auto"
"""A sample length of None, as typed: as many tokens as fill the Sample panel."""


def parse_sample_length(text: str, name: str = "sample length") -> int | None:
    """``auto`` (or nothing) is None, else a whole number of tokens in
    [1, MAX_PANEL_SAMPLE]; UsageError naming ``name`` otherwise."""
    text = text.strip()
    if text.lower() in ("", AUTO):
        return None
    top = limits.MAX_PANEL_SAMPLE
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = 0
    if not 1 <= value <= top:
        raise UsageError(f"{name} must be auto or a whole number from 1 to {top:,}, got {text!r}")
    return value


@dataclass(frozen=True)
class PlaygroundOptions:
    """A playground session: its settings and where it may read and write.

    ``config`` holds the defaults with the typed settings applied; ``given`` names
    the settings the user typed (a checkpoint's own settings win over the others);
    ``checkpoint`` is a file to open or None; new run folders go under
    ``runs_dir``; with ``confine_paths`` nothing outside ``runs_dir`` is opened.
    ``lesson`` is a built-in lesson's name or a lesson file's path (its settings are
    already in ``config``; the playground reads its cards and what it hides).
    ``sample_length``: tokens per sample in the Sample panel (None: fill it).
    """

    config: TrainConfig = field(default_factory=TrainConfig)
    given: tuple[str, ...] = ()
    checkpoint: str | None = None
    runs_dir: str = DEFAULT_RUNS_DIR
    confine_paths: bool = False
    lesson: str | None = None
    sample_length: int | None = None

    def typed(self) -> dict[str, Any]:
        """The typed settings with their values (what a resumed checkpoint is checked
        against)."""
        return {name: getattr(self.config, name) for name in self.given}

    def to_json(self) -> str:
        return json.dumps(
            {
                "config": self.config.to_json(),
                "given": list(self.given),
                "checkpoint": self.checkpoint,
                "runs_dir": self.runs_dir,
                "confine_paths": self.confine_paths,
                "lesson": self.lesson,
                "sample_length": self.sample_length,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PlaygroundOptions:
        """Rebuild from :meth:`to_json`; ConfigError for anything else."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ConfigError(f"session options are not JSON: {error}") from None
        if not isinstance(data, dict) or set(data) != {
            "config",
            "given",
            "checkpoint",
            "runs_dir",
            "confine_paths",
            "lesson",
            "sample_length",
        }:
            raise ConfigError("session options must be the object PlaygroundOptions writes")
        given, checkpoint = data["given"], data["checkpoint"]
        if not isinstance(given, list) or not all(isinstance(n, str) for n in given):
            raise ConfigError("session options: 'given' must be a list of setting names")
        if checkpoint is not None and not isinstance(checkpoint, str):
            raise ConfigError("session options: 'checkpoint' must be a path or null")
        if not isinstance(data["runs_dir"], str) or not isinstance(data["confine_paths"], bool):
            raise ConfigError("session options: bad 'runs_dir' or 'confine_paths'")
        if data["lesson"] is not None and not isinstance(data["lesson"], str):
            raise ConfigError("session options: 'lesson' must be a name, a path or null")
        length = data["sample_length"]
        if length is not None and (
            isinstance(length, bool)
            or not isinstance(length, int)
            or not 1 <= length <= limits.MAX_PANEL_SAMPLE
        ):
            raise ConfigError("session options: 'sample_length' must be a token count or null")
        config = TrainConfig.from_json(data["config"]).validate()
        unknown = sorted(set(given) - set(TrainConfig.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"session options name unknown settings: {', '.join(unknown)}")
        return cls(
            config,
            tuple(given),
            checkpoint,
            data["runs_dir"],
            data["confine_paths"],
            data["lesson"],
            length,
        )
