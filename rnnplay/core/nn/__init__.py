"""Layers and the language model: the maths of one forward and backward pass.

Every layer here has the same protocol: ``params`` and ``grads`` (lists of
arrays, same order, gradients filled in place), ``forward(...)`` and
``backward(dout)``. Nothing in this package knows about corpora, training
loops or files; it imports only NumPy and itself.
"""
