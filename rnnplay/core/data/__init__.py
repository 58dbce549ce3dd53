"""Text in, token ids out: corpora, vocabularies and the batchers that feed training.

Independent of the layers: nothing here imports ``rnnplay.core.nn`` or
anything above it.
"""
