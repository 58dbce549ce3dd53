"""Session-wide test settings.

BLAS threads are pinned (``RNNPLAY_THREADS``, read by ``rnnplay.core.train.threads``
in this process and in every ``rnnplay`` subprocess a test starts): the
thread count can change the last bits of a matrix product, and the tests
compare runs bit for bit, so it must not follow the machine's load.
"""

from __future__ import annotations

import os

os.environ.setdefault("RNNPLAY_THREADS", "2")

from rnnplay.core.train import threads

threads.set_blas_threads(threads.env_threads() or 2)
