"""rnnplay: watch a recurrent language model learn to write, in your terminal."""

__version__ = "0.1.0"
