"""The inspector: ask a language model why it predicted what it did (pure NumPy).

Every answer runs the model's own layers through a
:class:`~rnnplay.core.nn.stepper.Stepper`, never a second implementation.

- :mod:`.reading`: per position, the next-token distribution (top-k), the
  surprise of the actual next token and every layer's states (``read``,
  ``Reading``; ``surprises`` for long texts).
- :mod:`.blame`: for one prediction, the gradient norm and gradient x input
  of every earlier input embedding (``blame``, ``Blame``).
- :mod:`.features` and :mod:`.neurons`: per-position features of a text
  (built-in or a regular expression), units ranked by correlation with one,
  the windows where a unit is most on or off.
- :mod:`.ngram` and :mod:`.loss_split`: interpolated Kneser-Ney reference
  models of the training text, and a loss split by character class.
- :mod:`.inspector`: ``Inspector``, all of the above for one model and
  vocabulary (what the faces use).
"""

from rnnplay.core.inspect.blame import Blame, blame
from rnnplay.core.inspect.features import FEATURES, feature_values
from rnnplay.core.inspect.inspector import Inspector
from rnnplay.core.inspect.loss_split import CLASSES, ClassLoss, ngram_references, split_loss
from rnnplay.core.inspect.neurons import UnitScore, Window, rank_units, unit_windows
from rnnplay.core.inspect.ngram import KneserNey
from rnnplay.core.inspect.reading import PositionReport, Reading, read, surprises

__all__ = [
    "CLASSES",
    "FEATURES",
    "Blame",
    "ClassLoss",
    "Inspector",
    "KneserNey",
    "PositionReport",
    "Reading",
    "UnitScore",
    "Window",
    "blame",
    "feature_values",
    "ngram_references",
    "rank_units",
    "read",
    "split_loss",
    "surprises",
    "unit_windows",
]
