"""The ranges every number rnnplay accepts must lie in, written once.

The same table bounds the flags (``TrainConfig.validate``, the ``sample``
flags), what the checkpoint writer agrees to write and what the reader
agrees to read (``rnnplay.core.store.manifest``): so a value the CLI
accepts is one it can save, and a file it saves is one it loads. Every
bound keeps the value finite in the dtype it ends up in (float32 weights,
float64 schedules, int64 step counters) with room to compute with it: a
learning rate of 1e39 is ``inf`` in float32, a forget-gate bias of 1e39
too, and 1e308 epochs overflow the step planning.

Pure Python: the CLI imports it for ``--help`` without loading NumPy.
"""

from __future__ import annotations

MAX_COUNT = 10**15
"""Steps, tokens, evaluation cadences: far beyond any run, well inside int64
and exactly representable as a float64."""
MAX_WIDTH = 2**24
"""Embedding and hidden sizes, batch size, BPTT length (the memory estimate bounds
them far lower; this keeps every index inside int32)."""
MAX_LAYERS = 64
"""Recurrent layers."""
MAX_VOCAB = 10_000_000
"""Tokens in a vocabulary (a 500k-word vocabulary is well inside)."""
MAX_TOKEN_CHARS = 10_000
"""Characters of one vocabulary token."""
MAX_LR = 1e30
"""Learning rate: far above any useful value (a run diverges long before), yet
lr x clip (at most 1e36) stays finite in float32, where the update happens."""
MAX_CLIP = 1e6
"""Gradient-norm clip."""
MAX_FORGET_BIAS = 1e3
"""|initial LSTM forget-gate bias|: sigmoid saturates long before."""
MAX_EPOCHS = 1e6
MAX_SECONDS = 1e9
"""About 31 years."""
MAX_SEED = 2**63 - 1
MAX_TEMPERATURE = 1e6
MAX_SAMPLE_LENGTH = 10**12
"""Tokens of one ``rnnplay sample`` (it streams, so memory is flat)."""
MAX_PANEL_SAMPLE = 20_000
"""Tokens of one sample in the playground's Sample panel (it keeps every token, with
its candidates and hidden state, for the Inspect view and the heatmap)."""
MAX_INSPECT_TOKENS = 20_000
"""Tokens of one ``rnnplay inspect`` text (it keeps every layer's states at
every position: about 100 MB for a 256-hidden LSTM)."""
MAX_ELAPSED_S = 1e12
MAX_LOSS = 1e30
"""Losses and perplexities stored in a checkpoint's history (inf is allowed
there for a perplexity that overflowed)."""

MAX_CORPUS_BYTES = 64 * 1024**2
"""Bytes of one corpus file (tokenised, a character costs about 8 bytes of memory)."""

# -- checkpoint metadata ---------------------------------------------------------------
MAX_META_BYTES = 256 * 1024**2
"""The metadata (vocabulary included) may not exceed this many bytes."""
MAX_JSON_DEPTH = 16
"""Nesting depth of the metadata JSON (rnnplay writes at most 6 levels)."""
MAX_STRING_CHARS = 1_000_000
"""Characters of one string in the metadata other than the vocabulary."""
MAX_LIST_ITEMS = 100_000
"""Items of one list in the metadata other than the vocabulary."""
MAX_HISTORY = 100_000
"""Evaluation records of a checkpoint's history."""
MAX_ARRAYS = 100_000
"""Members listed in a checkpoint's manifest."""
MAX_NDIM = 8
"""Dimensions of one stored array."""
MAX_TENSOR_HEADER_BYTES = 64 * 1024**2
"""The JSON header of a safetensors file (names, shapes, the metadata with the
vocabulary); the safetensors library itself stops at 100 MB."""
