"""What the served terminal shows, cell by cell: which Controls field is lit, and where.

The page draws on a canvas (xterm.js), so focus is not in the DOM. The
playground lights the focused field (a background of its own) and draws a
focused button reversed; :data:`READ_CELLS` returns each row's text with the
background key of every cell, so a test can tell which control has the keys
and whether its row lies inside the browser's viewport.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

READ_CELLS = r"""
const t = (window.__rnnplayTerminals || [])[0];
if (!t) return null;
const buffer = t.buffer.active, rows = [];
let cell;
for (let i = 0; i < t.rows; i++) {
  const line = buffer.getLine(buffer.viewportY + i);
  let text = "";
  const keys = [];
  if (line) {
    for (let x = 0; x < t.cols; x++) {
      cell = line.getCell(x, cell);
      if (!cell) break;
      if (cell.getWidth() === 0) continue;
      text += cell.getChars() || " ";
      keys.push(cell.getBgColorMode() + ":" + cell.getBgColor() + (cell.isInverse() ? ":inv" : ""));
    }
  }
  rows.push([text, keys]);
}
const box = document.querySelector("#terminal .xterm-screen").getBoundingClientRect();
return {rows, top: box.top, height: box.height, viewport: window.innerHeight,
        left: box.left, width: box.width, viewport_width: window.innerWidth};
"""

LABEL_WIDTH = 12
"""The Controls panel's label column (Label.control-label { width: 12 })."""

APPLY = "apply & reset"


@dataclass(frozen=True)
class Cells:
    rows: list[tuple[str, list[str]]]
    top: float
    height: float
    viewport: float
    left: float
    width: float
    viewport_width: float

    @property
    def text(self) -> str:
        return "\n".join(text for text, _ in self.rows)

    def row_in_viewport(self, row: int) -> bool:
        """Whether row ``row`` of the terminal is drawn inside the browser's viewport."""
        row_height = self.height / max(len(self.rows), 1)
        return self.top >= 0 and self.top + (row + 1) * row_height <= self.viewport + 0.5

    def fits_width(self) -> bool:
        return self.left >= 0 and self.left + self.width <= self.viewport_width + 0.5


def read_cells(driver: Any) -> Cells | None:
    found = driver.execute_script(READ_CELLS)
    if not found:
        return None
    return Cells(
        rows=[(text, keys) for text, keys in found["rows"]],
        top=found["top"],
        height=found["height"],
        viewport=found["viewport"],
        left=found["left"],
        width=found["width"],
        viewport_width=found["viewport_width"],
    )


def control_rows(cells: Cells, labels: list[str]) -> dict[str, tuple[int, int]]:
    """label -> (row, column of its field) for each Controls label on screen (a label
    padded to the label column after a border: the last such row, the Controls being
    below the Status panel, which has labels of its own)."""
    found: dict[str, tuple[int, int]] = {}
    for label in labels:
        pattern = re.compile(r"│ (" + re.escape(label) + r" *)")
        for row, (text, _keys) in enumerate(cells.rows):
            for match in pattern.finditer(text):
                if len(match.group(1)) >= LABEL_WIDTH:
                    found[label] = (row, match.start(1) + LABEL_WIDTH)
    return found


def focused_control(cells: Cells, labels: list[str]) -> tuple[str, int] | None:
    """(label or APPLY, row) of the control drawn as focused, or None: the button when
    reversed, else the one field whose background no other field shares."""
    for row, (text, keys) in enumerate(cells.rows):
        at = text.find(APPLY)
        if at >= 0 and keys[at + len(APPLY) // 2].endswith(":inv"):
            return APPLY, row
    fields = control_rows(cells, labels)
    backgrounds = {
        label: cells.rows[row][1][column]
        for label, (row, column) in fields.items()
        if column < len(cells.rows[row][1])
    }
    if len(backgrounds) < 3:
        return None
    lit = [
        label for label, key in backgrounds.items() if list(backgrounds.values()).count(key) == 1
    ]
    if len(lit) != 1:
        return None
    return lit[0], fields[lit[0]][0]
