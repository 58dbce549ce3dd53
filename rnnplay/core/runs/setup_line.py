"""One line to share a setup: the ``rnnplay`` command that opens the same session.

A teacher (or a student) copies it from the playground's command palette
and pastes it into a terminal, a chat or a worksheet. It names the lesson,
if any, and then every training setting that differs from what the lesson
(or the defaults) would set, as the flags the CLI reads; parsing it back
gives the same config (``tests/tui/test_lesson_app.py``). Settings that have
no flag (``dtype``, ``warmup_steps``) and a setting back to "the corpus's
own level" after a lesson set one cannot be written, and are left out.
"""

from __future__ import annotations

import shlex
from dataclasses import fields
from typing import Any

from rnnplay.core.train.config import TrainConfig

NO_FLAG = ("dtype", "warmup_steps", "out", "resume", "quiet")
"""TrainConfig fields the playground's command line has no flag for."""


def setup_argv(
    config: TrainConfig, *, lesson: str | None = None, base: TrainConfig | None = None
) -> list[str]:
    """The arguments after ``rnnplay``: ``--lesson`` first, then each differing setting.

    ``base`` is what the command line gives without flags: the lesson's config
    when there is a lesson, else the defaults.
    """
    base = base if base is not None else TrainConfig()
    argv = ["--lesson", lesson] if lesson else []
    for item in fields(TrainConfig):
        name = item.name
        value, default = getattr(config, name), getattr(base, name)
        if name in NO_FLAG or value == default or value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            if value:
                argv.append(flag)
            continue
        argv += [flag, _text(value)]
    return argv


def setup_line(
    config: TrainConfig, *, lesson: str | None = None, base: TrainConfig | None = None
) -> str:
    """The whole command as one shell-quoted line."""
    return shlex.join(["rnnplay", *setup_argv(config, lesson=lesson, base=base)])


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)
