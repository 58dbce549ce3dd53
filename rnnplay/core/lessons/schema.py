"""What a lesson is, and the check of a parsed lesson file, whole, one line per mistake.

A lesson file (TOML)::

    title = "Vanishing gradients"
    goal = "See why a plain RNN cannot learn long-range structure."
    minutes = 10                       # optional: how long the class spends on it

    [settings]                         # any training setting, as a preset fills them
    cell = "rnn"                       # (flags typed beside --lesson win)
    bptt = 64

    race = ["rnn", "lstm", "gru"]      # optional: the Compare view's contenders

    [hide]                             # optional: what the students do not get
    panels = ["heatmap"]
    controls = ["optimizer"]
    keys = ["open", "runs"]

    [[cards]]                          # one of do / look / ask per card
    do = "Press space to train."
    [[cards]]
    look = "Validation loss {val_loss} against the unigram line {unigram}."
    [[cards]]
    ask = "Why does the RNN's gradient 50 steps back read {grad_50}?"

The names a lesson may hide are listed here (:data:`PANELS`, :data:`CONTROLS`,
:data:`KEYS`); the playground maps each to its widget or key, and a test
checks that the two lists agree.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any

from rnnplay.core.lessons.figures import FIGURES, figure_names
from rnnplay.core.train.config import CELL_NAMES, TrainConfig
from rnnplay.errors import ConfigError

PANELS = ("status", "loss", "gradient-flow", "controls", "sample", "next-token", "heatmap")
"""The playground's panels, by the name a lesson hides them with."""

CONTROLS = (
    "corpus", "level", "cell", "layers", "embed", "hidden", "batch", "bptt", "optimizer",
    "lr", "schedule", "dropout", "temperature", "top_k", "sample_length",
)  # fmt: skip
"""The fields of the Controls panel, by name."""

KEYS = (
    "train", "step", "sample", "prime", "save", "open", "reset", "temperature", "lr",
    "unit", "compare", "runs", "select-unit", "colour", "sort",
)  # fmt: skip
"""The playground's keys a lesson may take away, by what they do."""

CARD_KINDS = ("do", "look", "ask")
"""A card asks the student to do something, to look at something, or a question."""

NOT_SETTINGS = ("out", "resume", "quiet")
"""TrainConfig fields that are not a session's settings (a headless run's)."""

TOP_LEVEL = ("title", "goal", "minutes", "settings", "race", "hide", "cards")


@dataclass(frozen=True)
class Card:
    """One step of a lesson: its kind (do, look, ask) and its text with ``{figures}``."""

    kind: str
    text: str


@dataclass(frozen=True)
class Lesson:
    """A checked lesson. ``source`` is its built-in name or the file it came from."""

    name: str
    source: str
    title: str
    goal: str
    cards: tuple[Card, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    race: tuple[str, ...] = ()
    hidden_panels: frozenset[str] = frozenset()
    hidden_controls: frozenset[str] = frozenset()
    hidden_keys: frozenset[str] = frozenset()
    minutes: int | None = None
    builtin: bool = False

    def config(self) -> TrainConfig:
        """The defaults with this lesson's settings (validated)."""
        return TrainConfig(**self.settings).validate()


def parse_lesson(data: dict[str, Any], *, name: str, source: str, builtin: bool = False) -> Lesson:
    """Check a parsed TOML document and build the :class:`Lesson`; ConfigError naming the
    lesson and the first problem, in one line."""
    try:
        return _parse(data, name=name, source=source, builtin=builtin)
    except _LessonError as problem:
        raise ConfigError(f"lesson '{source}': {problem}") from None


class _LessonError(Exception):
    """One mistake in a lesson file (becomes the ConfigError's line)."""


def _parse(data: dict[str, Any], *, name: str, source: str, builtin: bool) -> Lesson:
    unknown = sorted(set(data) - set(TOP_LEVEL))
    if unknown:
        raise _LessonError(f"unknown key '{unknown[0]}' (a lesson has: {', '.join(TOP_LEVEL)})")
    title = _text(data, "title")
    goal = _text(data, "goal")
    minutes = data.get("minutes")
    if minutes is not None and (not _is_int(minutes) or not 1 <= minutes <= 180):
        raise _LessonError(f"'minutes' must be a whole number from 1 to 180, got {minutes!r}")
    settings = _settings(data.get("settings", {}))
    race = _race(data.get("race", []))
    hide = data.get("hide", {})
    if not isinstance(hide, dict):
        raise _LessonError("'hide' must be a table: [hide] with panels, controls, keys")
    extra = sorted(set(hide) - {"panels", "controls", "keys"})
    if extra:
        raise _LessonError(f"unknown key 'hide.{extra[0]}' (hide has: panels, controls, keys)")
    return Lesson(
        name=name,
        source=source,
        title=title,
        goal=goal,
        cards=_cards(data.get("cards")),
        settings=settings,
        race=race,
        hidden_panels=_names(hide, "panels", PANELS),
        hidden_controls=_names(hide, "controls", CONTROLS),
        hidden_keys=_names(hide, "keys", KEYS),
        minutes=minutes,
        builtin=builtin,
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _LessonError(f"'{key}' must be a non-empty string")
    return " ".join(value.split())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _settings(table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _LessonError("'settings' must be a table: [settings] with training settings")
    kinds = typing.get_type_hints(TrainConfig)
    allowed = [f.name for f in fields(TrainConfig) if f.name not in NOT_SETTINGS]
    for key, value in table.items():
        if key not in allowed:
            close = [n for n in allowed if n.replace("_", "") == key.replace("-", "")]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _LessonError(f"unknown setting 'settings.{key}'{hint}")
        if not _fits(value, kinds[key]):
            raise _LessonError(f"'settings.{key}' has the wrong type: {value!r}")
    try:
        TrainConfig(**table).validate()
    except ConfigError as error:
        raise _LessonError(f"settings: {error}") from None
    return dict(table)


def _fits(value: Any, kind: Any) -> bool:
    """Whether a TOML value fits a TrainConfig annotation (int is no bool; a float
    field takes an int; ``X | None`` takes X)."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    for option in options:
        if option is type(None):
            continue
        if option is bool and isinstance(value, bool):
            return True
        if option is int and _is_int(value):
            return True
        if option is float and (_is_int(value) or isinstance(value, float)):
            return True
        if option is str and isinstance(value, str):
            return True
    return False


def _race(items: Any) -> tuple[str, ...]:
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _LessonError('\'race\' must be a list of contenders such as ["rnn", "lstm"]')
    if items and not 2 <= len(items) <= 4:
        raise _LessonError(f"'race' needs 2 to 4 contenders, got {len(items)}")
    for item in items:
        cell, _, hidden = item.partition("@")
        if cell not in CELL_NAMES or (hidden and not (hidden.isdigit() and int(hidden) > 0)):
            raise _LessonError(
                f"race contender '{item}' is not a cell ({', '.join(CELL_NAMES)}) "
                "or CELL@HIDDEN such as lstm@64"
            )
    if len(set(items)) != len(items):
        raise _LessonError("'race' names a contender twice")
    return tuple(items)


def _names(hide: dict[str, Any], key: str, allowed: tuple[str, ...]) -> frozenset[str]:
    items = hide.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _LessonError(f"'hide.{key}' must be a list of names")
    for item in items:
        if item not in allowed:
            raise _LessonError(f"cannot hide {key[:-1]} '{item}' (one of: {', '.join(allowed)})")
    return frozenset(items)


def _cards(items: Any) -> tuple[Card, ...]:
    if not isinstance(items, list) or not items:
        raise _LessonError("a lesson needs at least one card: [[cards]] with do, look or ask")
    cards = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise _LessonError(f"card {number} must be a table ([[cards]])")
        kinds = [k for k in item if k in CARD_KINDS]
        others = sorted(set(item) - set(CARD_KINDS))
        if others or len(kinds) != 1:
            raise _LessonError(f"card {number} must have exactly one of: {', '.join(CARD_KINDS)}")
        kind = kinds[0]
        text = item[kind]
        if not isinstance(text, str) or not text.strip():
            raise _LessonError(f"card {number}: '{kind}' must be a non-empty string")
        try:
            names = figure_names(text)
        except ValueError as error:
            raise _LessonError(f"card {number}: {error}") from None
        unknown = [n for n in names if n not in FIGURES]
        if unknown:
            raise _LessonError(
                f"card {number} quotes an unknown figure '{{{unknown[0]}}}' "
                f"(see 'rnnplay lessons --figures')"
            )
        cards.append(Card(kind, " ".join(text.split())))
    return tuple(cards)
