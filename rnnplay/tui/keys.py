"""The playground's keys, declared once: bindings, command palette and help come from here.

Each :class:`KeyAction` names a Textual action, the keys that run it, a
title (the command palette's entry), a one-line description (the palette's
help and the help screen's line) and where it applies. The app's
``BINDINGS``, its ``get_system_commands`` and the help screen's key list are
all generated from :data:`ACTIONS`, so a key cannot be listed in one place
and missing in another. The order of :data:`ACTIONS` is the order of
importance: the footer shows the first ones that fit, the help lists them
in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

Where = Literal["always", "tabs", "field", "lesson"]
"""``tabs``: only when the panels are grouped on tabs (a narrow terminal);
``field``: only while a field has focus; ``lesson``: only with a lesson open."""


@dataclass(frozen=True)
class KeyAction:
    """One thing a key does in the playground."""

    action: str
    """The Textual action string, e.g. ``"temperature(1)"``."""
    keys: str
    """Textual key names, comma-separated (the first is the main one)."""
    title: str
    """The command palette's entry."""
    description: str
    """One line: what it does (palette help and help screen)."""
    display: str
    """How the key is written for people: ``"+ / -"``, ``"space"``."""
    footer: str | None = None
    """Label in the footer, or None to keep it out of the footer."""
    key_display: str | None = None
    """How the footer writes the key, when not Textual's default."""
    where: Where = "always"
    in_palette: bool = True


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("help", "question_mark", "Help", "keys and what each panel shows", "?",
              footer="Help", key_display="?"),
    KeyAction("next_card", "l", "Next lesson card", "the lesson's next card", "l",
              footer="Card", where="lesson"),
    KeyAction("previous_card", "h", "Previous lesson card", "the lesson's card before",
              "h", where="lesson"),
    KeyAction("quit", "q,ctrl+c", "Quit", "stop training and leave (ctrl+c too)", "q",
              footer="Quit"),
    KeyAction("toggle_training", "space", "Start / pause training",
              "train or pause (a pause waits for the current step)", "space", footer="Train"),
    KeyAction("step_once", "n", "One training step", "train on one batch and show its loss",
              "n", footer="Step"),
    KeyAction("new_sample", "g", "New sample", "sample again from the prime", "g",
              footer="Sample"),
    KeyAction("inspect", "i", "Inspect", "ask the model why: its odds, blame and units at a "
              "cursor (opens on the sample's newest token; or click a sampled token)", "i",
              footer="Inspect"),
    KeyAction("focus_prime", "p", "Edit the prime", "type the text samples start from; "
              "Enter samples", "p", footer="Prime"),
    KeyAction("save", "s", "Save checkpoint", "write the session into its run folder", "s",
              footer="Save"),
    KeyAction("open", "o", "Open checkpoint", "continue a saved run or checkpoint", "o",
              footer="Open"),
    KeyAction("reset", "r", "Reset training", "start over from new weights (asks first)", "r",
              footer="Reset"),
    KeyAction("temperature(1)", "plus,equals_sign", "Temperature up",
              "wilder samples", "+", footer="Temp+", key_display="+"),
    KeyAction("temperature(-1)", "minus", "Temperature down", "safer samples", "-",
              footer="Temp-", key_display="-"),
    KeyAction("scale_lr(2.0)", "right_square_bracket", "Learning rate x2",
              "double the learning rate", "]", footer="lr x2", key_display="]"),
    KeyAction("scale_lr(0.5)", "left_square_bracket", "Learning rate /2",
              "halve the learning rate", "[", footer="lr /2", key_display="["),
    KeyAction("cycle_unit", "u", "Loss unit", "show losses in nats, bits or perplexity",
              "u", footer="Unit"),
    KeyAction("compare", "m", "Compare cells",
              "race 2-4 contenders (rnn, lstm, gru, ...) on these settings", "m",
              footer="Compare"),
    KeyAction("runs", "b", "Browse runs", "the run folders, their curves; continue one",
              "b", footer="Runs"),
    KeyAction("save_sample", "w", "Write the sample", "save the sample shown to a text file",
              "w"),
    KeyAction("export_curves", "e", "Export the curves",
              "save the loss curves to a CSV file (tokens, loss in nats)", "e"),
    KeyAction("select_unit(-1)", "up", "Previous hidden unit", "select the unit above", "up"),
    KeyAction("select_unit(1)", "down", "Next hidden unit", "select the unit below", "down"),
    KeyAction("toggle_colour", "c", "Colour sample", "colour by probability or by the unit",
              "c"),
    KeyAction("toggle_sort", "v", "Sort hidden units", "by variance (top shown) or by index",
              "v"),
    KeyAction("show_tab('train')", "1", "Train tab", "status and loss", "1", where="tabs"),
    KeyAction("show_tab('sample')", "2", "Sample tab", "sample and next token", "2",
              where="tabs"),
    KeyAction("show_tab('network')", "3", "Network tab", "gradient flow and hidden state",
              "3", where="tabs"),
    KeyAction("show_tab('controls')", "4", "Controls tab", "every setting", "4", where="tabs"),
    KeyAction("leave_field", "escape", "Leave field", "leave the field being edited",
              "escape", footer="Leave field", key_display="esc", where="field",
              in_palette=False),
)  # fmt: skip

EXTRA_HELP: tuple[tuple[str, str, Where], ...] = (
    ("tab", "next field (escape leaves it)", "always"),
    ("ctrl+p", "command palette (also: screenshot, theme)", "always"),
)
"""Keys Textual provides that the help screen mentions too."""


def bindings() -> list[Binding]:
    """The app's BINDINGS, in the order of :data:`ACTIONS` (the footer's order)."""
    return [
        Binding(
            a.keys,
            a.action,
            a.footer or a.title,
            show=a.footer is not None,
            key_display=a.key_display,
        )
        for a in ACTIONS
    ]


def keys_of(action: str) -> frozenset[str]:
    """The keys bound to ``action`` in the table (``"quit"``: q and ctrl+c)."""
    return frozenset(
        key.strip() for a in ACTIONS if a.action == action for key in a.keys.split(",")
    )


def command_keys(*, lesson: bool = False) -> frozenset[str]:
    """Every key name the main view binds (the typing guard's "keys that do something");
    the lesson's keys only when a lesson is open (else h and l are letters of text)."""
    return frozenset(
        key.strip() for a in ACTIONS if lesson or a.where != "lesson" for key in a.keys.split(",")
    )


def applies(
    action: KeyAction,
    *,
    tabs: bool,
    field: bool = False,
    lesson: bool = False,
    hidden: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``action`` applies now (``tabs``: the panels are on tabs; ``field``:
    a field has focus; ``lesson``: a lesson is open; ``hidden``: action names a
    lesson took away)."""
    if action_name(action.action) in hidden:
        return False
    return {"always": True, "tabs": tabs, "field": field, "lesson": lesson}[action.where]


def action_name(action: str) -> str:
    """``"temperature(1)"`` -> ``"temperature"``: the name Textual's check_action gets."""
    return action.split("(", 1)[0]


TAB_ONLY_ACTIONS = frozenset(action_name(a.action) for a in ACTIONS if a.where == "tabs")
LESSON_ONLY_ACTIONS = frozenset(action_name(a.action) for a in ACTIONS if a.where == "lesson")

LESSON_KEYS: dict[str, frozenset[str]] = {
    "train": frozenset({"toggle_training"}),
    "step": frozenset({"step_once"}),
    "sample": frozenset({"new_sample"}),
    "prime": frozenset({"focus_prime"}),
    "save": frozenset({"save"}),
    "open": frozenset({"open"}),
    "reset": frozenset({"reset"}),
    "temperature": frozenset({"temperature"}),
    "lr": frozenset({"scale_lr"}),
    "unit": frozenset({"cycle_unit"}),
    "compare": frozenset({"compare"}),
    "runs": frozenset({"runs"}),
    "select-unit": frozenset({"select_unit"}),
    "colour": frozenset({"toggle_colour"}),
    "sort": frozenset({"toggle_sort"}),
}
"""A lesson's key names (``rnnplay.core.lessons.schema.KEYS``) -> the actions they take away."""
FIELD_ONLY_ACTIONS = frozenset(action_name(a.action) for a in ACTIONS if a.where == "field")


PAIRS: dict[str, tuple[str, str]] = {
    "temperature(1)": ("temperature(-1)", "temperature up / down: wilder / safer samples"),
    "scale_lr(2.0)": ("scale_lr(0.5)", "learning rate x2 / /2 (warns when high)"),
    "select_unit(-1)": ("select_unit(1)", "select the hidden unit above / below"),
}
"""Actions the help screen lists on one line with their opposite."""


def help_rows(
    *, tabs: bool, lesson: bool = False, hidden: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """(keys, what) lines for the help screen, most important first; without the keys
    a lesson took away (``hidden``: action names), the card keys only in a lesson."""
    by_action = {a.action: a for a in ACTIONS}
    paired = {other for other, _ in PAIRS.values()}
    rows: list[tuple[str, str]] = []
    for a in ACTIONS:
        if a.action in paired or a.where == "tabs" or a.action == "leave_field":
            continue
        if action_name(a.action) in hidden or (a.where == "lesson" and not lesson):
            continue
        if a.action in PAIRS:
            other, what = PAIRS[a.action]
            rows.append((f"{a.display} / {by_action[other].display}", what))
        else:
            rows.append((a.display, a.description))
    tab_keys = [a for a in ACTIONS if a.where == "tabs"]
    if tabs and tab_keys:
        shown = ", ".join(f"{a.display} {a.title.removesuffix(' tab').lower()}" for a in tab_keys)
        rows.append(("1 - 4", f"tabs: {shown}"))
    rows += [row for row in screen_help_rows() if row[0][-1] not in hidden_keys(hidden)]
    rows += [(key, what) for key, what, where in EXTRA_HELP if where == "always" or tabs]
    return rows


SCREEN_ACTIONS = frozenset(
    {"help", "quit", "cycle_unit", "command_palette", "focus_next", "focus_previous"}
)
"""The app's actions that still apply while the Compare view or the Runs screen is
shown (their own keys, :data:`COMPARE_KEYS` and :data:`RUNS_KEYS`, are the screens'
bindings); tab and shift+tab move the focus there too. ``m`` and ``b`` are left out:
they open those screens from the main view and would do nothing there, so they are
neither run nor shown in their footers."""


def works_over(screen: object, action: str) -> bool:
    """Whether the app's ``action`` works over ``screen``: over a screen with keys of
    its own (``OWN_KEYS``: Compare, Runs) only the SCREEN_ACTIONS do; the main view's
    keys wait until it is left. The bindings and the palette both ask this."""
    return not getattr(screen, "OWN_KEYS", False) or action_name(action) in SCREEN_ACTIONS


@dataclass(frozen=True)
class ScreenKey:
    """One key of the Compare view or the Runs screen (their footer and a help line)."""

    keys: str
    action: str
    footer: str
    display: str
    what: str
    """A few words for the help screen's line about the screen."""
    priority: bool = False
    show: bool = True
    """False keeps it out of the footer (the other half of a pair shown once)."""


COMPARE_KEYS: tuple[ScreenKey, ...] = (
    ScreenKey("space", "toggle_race", "Race", "space", "races / pauses", priority=True),
    ScreenKey(
        "enter", "tick", "Tick", "enter", "ticks a contender (up / down choose)", priority=True
    ),
    ScreenKey("n", "step_round", "Round", "n", "one round (every contender one step)"),
    ScreenKey("u", "cycle_unit", "Unit", "u", "loss unit"),
    ScreenKey("escape", "leave", "Back", "esc", "back (the race ends)"),
    ScreenKey("q", "quit_all", "Quit", "q", "quit"),
)
"""The Compare view's own keys (``m``)."""

RUNS_KEYS: tuple[ScreenKey, ...] = (
    ScreenKey("space", "mark", "Mark", "space", "marks a run (curves overlaid)", priority=True),
    ScreenKey("o", "open_run", "Continue", "o", "continues it"),
    ScreenKey("g", "sample_run", "Sample", "g", "samples it"),
    ScreenKey("d", "delete_run", "Delete", "d", "deletes it (asks; never a running run)"),
    ScreenKey("u", "cycle_unit", "Unit", "u", "loss unit"),
    ScreenKey("escape", "leave", "Back", "esc", "back"),
)
"""The Runs screen's own keys (``b``)."""

INSPECT_KEYS: tuple[ScreenKey, ...] = (
    ScreenKey("left", "cursor(-1)", "Move", "←/→", "move the cursor (click a token too)"),
    ScreenKey("right", "cursor(1)", "Move", "→", "", show=False),
    ScreenKey("escape", "leave", "Back", "esc", "back"),
    ScreenKey("t", "next_source", "Text", "t", "switches the text (sample, validation, typed)"),
    ScreenKey("slash", "search", "Search", "/", "searches units (feature or regex)"),
    ScreenKey("f", "toggle_live", "Live/frozen", "f", "follows training or freezes"),
    ScreenKey("l", "next_layer", "Layer", "l", "next layer"),
    ScreenKey("c", "toggle_colour", "Colour", "c", "colours by blame or by the picked unit"),
    ScreenKey("space", "toggle_training", "Train", "space", "trains or pauses"),
    ScreenKey("q", "quit_all", "Quit", "q", "quit"),
)
"""The Inspect view's own keys (``i``)."""

SCREEN_HELP: tuple[tuple[str, str, tuple[ScreenKey, ...]], ...] = (
    ("in m", "Compare view", COMPARE_KEYS),
    ("in b", "Runs screen", RUNS_KEYS),
    ("in i", "Inspect view", INSPECT_KEYS),
)
"""The help screen's line per screen: (key column, screen name, its keys)."""


def screen_bindings(screen_keys: tuple[ScreenKey, ...]) -> list[Binding]:
    """A screen's BINDINGS from its key table (so its footer and the help agree)."""
    return [
        Binding(k.keys, k.action, k.footer, key_display=k.display, priority=k.priority, show=k.show)
        for k in screen_keys
    ]


def hidden_keys(hidden: frozenset[str]) -> set[str]:
    """The main keys (``m``, ``b``, ...) of the actions named in ``hidden``."""
    return {a.keys.split(",")[0] for a in ACTIONS if action_name(a.action) in hidden}


def screen_help_rows() -> list[tuple[str, str]]:
    """One (keys, what) line per screen: "in m", "Compare view: space races / pauses, ..."."""
    return [
        (
            column,
            f"{name}: " + ", ".join(f"{k.display} {k.what}" for k in screen_keys if k.what),
        )
        for column, name, screen_keys in SCREEN_HELP
    ]
