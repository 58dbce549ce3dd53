"""What the Inspect view's panels show for one position of a reading.

Kept apart from the screen (which owns the keys, the source of the text
and the worker): given the reading, the cursor, the layer and the picked
unit, fill the distribution, the hidden column, the gates and the text's
colouring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rnnplay.core.inspect.blame import Blame
from rnnplay.core.inspect.neurons import UnitScore
from rnnplay.core.inspect.reading import Reading
from rnnplay.tui.inspection import SOURCE_LABELS
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.gates import GatesPanel
from rnnplay.tui.widgets.hidden_column import HiddenColumn
from rnnplay.tui.widgets.inspect_text import InspectText
from rnnplay.tui.widgets.palette import visible_token

if TYPE_CHECKING:
    from rnnplay.tui.screens.inspect import InspectScreen


def surprise_line(reading: Reading, t: int) -> str:
    """-log p of the token that really comes next (marked in the list), or what
    happens at the text's last position."""
    if t >= len(reading) - 1:
        return "text ends: its first guess is blamed"
    return f"surprise {float(reading.surprise[t]):.2f} nats"


def show_position(screen: InspectScreen, reading: Reading, blame: Blame | None) -> None:
    """Fill the panels for ``screen.cursor`` of ``reading`` (``blame``: None keeps
    the text's blame colours off until the worker has it)."""
    t = min(screen.cursor, len(reading) - 1)
    vocab = screen.vocab
    text = screen.query_one(InspectText)
    distribution = screen.query_one("#inspect-next", NextTokenDistribution)
    top = [vocab.tokens[int(i)] for i in reading.top_ids[t]]
    following = int(reading.ids[t + 1]) if t + 1 < len(reading) else None
    ids = [int(i) for i in reading.top_ids[t]]
    chosen = ids.index(following) if following in ids else None
    outside = None if chosen is not None or following is None else vocab.tokens[following]
    distribution.set(
        top,
        reading.top_probs[t],
        chosen,
        chosen_token=outside,
        chosen_prob=None if outside is None else float(reading.next_prob[t]),
    )
    distribution.border_title = f"Next after {visible_token(reading.tokens[t])!r}"
    distribution.border_subtitle = surprise_line(reading, t)
    layer = min(screen.layer_index, len(reading.layers) - 1)
    states = reading.layers[layer]
    picked = screen.unit
    marked = picked.unit if picked is not None and picked.layer == layer else None
    hidden = screen.query_one(HiddenColumn)
    hidden.show(states["h"][t], marked)
    hidden.border_title = f"Layer {layer} h, by |value|"
    gates = screen.query_one(GatesPanel)
    gates.show({k: v[t] for k, v in states.items() if k != "h"}, hidden.order())
    gates.border_title = f"Gates, layer {layer}"
    if blame is not None:
        text.set_blame(blame.norms)
    if picked is not None:
        text.set_activation(reading.layers[picked.layer][picked.state][:, picked.unit])
    else:
        text.set_activation(None)


def titles(screen: InspectScreen) -> None:
    """The text panel's title (source, live or frozen, position) and colour legend."""
    text = screen.query_one(InspectText)
    weights = "live" if screen.live else "frozen"
    step = "" if screen.model_step < 0 else f" at step {screen.model_step}"
    text.border_title = (
        f"Inspect: {SOURCE_LABELS[screen.source]} · {weights}{step} · "
        f"position {screen.cursor + 1}/{screen.ids.size}"
    )
    if text.colouring == "unit" and screen.unit is not None:
        u = screen.unit
        text.border_subtitle = f"colour: layer {u.layer} unit {u.unit} (r {u.r:+.2f}), c: blame"
    else:
        text.border_subtitle = "colour: blame of the cursor's guess, ← → move, / units"


def list_units(screen: InspectScreen, scores: list[UnitScore], feature: str) -> None:
    """The search's ranking in the units list, shown and focused (enter picks)."""
    units = screen.query_one("#inspect-units", OptionList)
    units.clear_options()
    units.add_options(
        Option(f"L{s.layer} u{s.unit:<4} r {s.r:+.2f}", id=f"{s.layer}:{s.unit}") for s in scores
    )
    units.border_title = f"Units tracking {feature}"
    units.border_subtitle = "enter colours the text"
    units.add_class("shown")
    screen.add_class("searched")
    units.highlighted = 0
    units.focus()
