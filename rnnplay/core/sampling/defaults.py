"""Sampling defaults shared by ``rnnplay sample``, the playground and training samples.

Pure Python, so the CLI can show them in ``--help`` without loading NumPy.
"""

DEFAULT_TEMPERATURE = 0.8
"""Softmax temperature of every sample rnnplay draws unless told otherwise."""
