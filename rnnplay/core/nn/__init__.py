"""Layers and the language model: the maths of one forward and backward pass.

Every layer here has the same protocol: ``params`` and ``grads`` (lists of
arrays, same order, gradients filled in place), ``forward(...)`` and
``backward(dout)``. Nothing in this package knows about corpora, training
loops or files; it imports only NumPy and itself.

Reference layers. Some layers exist to be read: they are the specification
that the fast layers used in training are tested against (tests/core), and
they are written for clarity, not speed:

- ``rnn.RNN``, ``lstm.LSTM``, ``gru.GRU``: one time step of each cell, in the
  book's notation. ``TimeRNN`` / ``TimeLSTM`` / ``TimeGRU`` run whole
  sequences with fused matrix products and must give the same numbers as
  stepping the one-step cell (tests/core/test_recurrent_state.py).
- ``affine.TimeAffine`` followed by ``softmax_loss.TimeSoftmaxWithLoss``: the
  plain output pair; ``output.TimeAffineSoftmaxWithLoss`` (used by RNNLM) fuses
  them and is tested against the pair (tests/core/test_output_layer.py).

Change a fast layer freely as long as it matches its reference; change a
reference only to fix the maths.
"""
