"""rnnplay: watch a recurrent language model learn to write, in your terminal."""

import os as _os

__version__ = "0.1.0"

BLAS_SPIN_VAR = "OPENBLAS_THREAD_TIMEOUT"
BLAS_SPIN = "16"
"""How long OpenBLAS's idle threads spin before they sleep, as a power of two of
CPU cycles (OpenBLAS's default is 28: ~0.1 s). After every threaded product the
idle thread keeps a core busy for that long; the compiled LSTM/GRU loop then
runs its two batch slices on the same two cores and lost a third of its speed
to that spin (char LSTM H=256, forward 36 -> 23 ms, backward 37 -> 23 ms).
2^16 cycles (~25 us) still covers the gap between the NumPy loop's
back-to-back products. OpenBLAS reads it when it loads, so it is set here,
before anything imports NumPy; a value the user set is kept."""

_os.environ.setdefault(BLAS_SPIN_VAR, BLAS_SPIN)
