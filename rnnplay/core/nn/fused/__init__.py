"""Compiled time loops (numba), used when the optional ``fast`` extra is installed.

The NumPy layers in :mod:`rnnplay.core.nn` are the reference: they say what
is computed, and they run wherever numba is absent. When numba and SciPy
(numba's ``np.dot`` takes its BLAS from SciPy) import, :func:`kernels`
returns the compiled module and the recurrent layers run their time loop
through it: the batch is cut into slices, one per BLAS thread, and each
slice runs its whole loop in a kernel that releases the GIL, on its own
thread, with a single-threaded BLAS for its per-step products. Two slices
on two cores beat one product split over two BLAS threads at these sizes
(the split hands half of every small product to the other core and back),
and the training thread no longer holds the GIL between ~25 small NumPy
calls a step, which is what the playground's UI thread waited on.

The modules: ``numerics`` (the rational float32 tanh, float-typed
constants, the small transpose and numba's flags, shared by every kernel),
``rnn_kernels``, ``lstm_kernels``, ``gru_kernels`` (the loops of
``TimeRNN``, ``TimeLSTM``, ``TimeGRU``), and ``rnn_loop``, ``lstm_loop``,
``gru_loop`` (each layer's buffers, batch slices and weight gradients around
its kernels). A single step (the sampler, the inspector) stays on NumPy:
see ``_fused_kernels(steps)`` in the layers.

``RNNPLAY_KERNELS=numpy`` (or :func:`use` ``(False)``) keeps the NumPy
loops. numba is imported on first use only: ``rnnplay --help`` and every
process that never trains do not pay its 0.3 s import, and the compiled
code is cached on disk (``cache=True``), so only the first run compiles.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from rnnplay.core.nn import blas_libraries

ENV_VAR = "RNNPLAY_KERNELS"
"""``RNNPLAY_KERNELS=numpy`` keeps the NumPy loops even where numba is installed."""

_state: dict[str, Any] = {"loaded": False, "module": None, "enabled": None, "why": None}
_lock = threading.Lock()


def _wanted() -> bool:
    if _state["enabled"] is not None:
        return bool(_state["enabled"])
    return os.environ.get(ENV_VAR, "auto").strip().lower() not in ("numpy", "off", "0")


def use(enabled: bool | None) -> None:
    """Force the compiled loops on (True, where numba is installed) or off
    (False); None goes back to the environment's choice (tests use it)."""
    _state["enabled"] = enabled


def _load() -> ModuleType | None:
    with _lock:
        if _state["loaded"]:
            return _state["module"]
        _state["loaded"] = True
        try:
            import scipy.linalg.cython_blas  # noqa: F401  (numba's np.dot needs it)

            from rnnplay.core.nn.fused import gru_kernels, lstm_kernels, numerics, rnn_kernels
        except ImportError as error:  # the extra is not installed
            _state["why"] = str(error)
            return None
        _pin_scipy_blas()
        module = ModuleType("rnnplay_fused_kernels", "the RNN, LSTM and GRU kernels together")
        for source in (numerics, lstm_kernels, gru_kernels, rnn_kernels):
            for name in source.__all__:  # each module names the kernels it offers
                setattr(module, name, getattr(source, name))
        _state["module"] = module
        return module


def _pin_scipy_blas() -> None:
    """One thread for the BLAS numba calls (SciPy's), where it is not NumPy's own:
    the slices are the parallelism, a second BLAS thread per slice would fight them.
    The libraries come from the list made once on the main thread
    (:mod:`rnnplay.core.nn.blas_libraries`): this may run on a training thread."""
    for lib in blas_libraries.scipy_blas():
        lib.set_num_threads(1)


def _numpy_blas_threads() -> int:
    """NumPy's BLAS thread count now (set by rnnplay.core.train.threads' governor,
    which nn may not import: it sits above nn), read through threadpoolctl."""
    libs = blas_libraries.numpy_blas()
    return max(1, int(libs[0].get_num_threads())) if libs else 1


def kernels() -> ModuleType | None:
    """The compiled kernels, or None (numba or SciPy missing, or switched off)."""
    if not _wanted():
        return None
    return _load()


def compiled() -> ModuleType | None:
    """The compiled kernels whether switched on or not, None without numba/SciPy."""
    return _load()


def available() -> bool:
    """Whether the compiled kernels can be used in this process (imports numba)."""
    return _load() is not None


def slices(N: int, k: int | None = None) -> list[tuple[int, int]]:
    """Row ranges of the batch: ``k`` of them, by default one per BLAS thread
    NumPy is set to (the count the thread governor chose), at most N."""
    if k is None:
        k = _numpy_blas_threads()
    k = max(1, min(N, k))
    bounds = [N * j // k for j in range(k + 1)]
    return [(bounds[j], bounds[j + 1]) for j in range(k)]


def run_sliced(kernel: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> None:
    """Run ``kernel(*args)`` for every args tuple, one per thread (this one takes the
    first). The helper threads live for the call only (starting one costs tens of
    microseconds against a loop of milliseconds), so nothing stays behind when
    training stops: the playground checks that no thread outlives it."""
    for lib in blas_libraries.scipy_blas():  # nothing that re-sized every pool may win here
        if lib.get_num_threads() != 1:
            lib.set_num_threads(1)
    if len(calls) == 1:
        kernel(*calls[0])
        return
    errors: list[BaseException] = []

    def work(args: tuple[Any, ...]) -> None:
        try:
            kernel(*args)
        except BaseException as error:  # re-raised in the calling thread below
            errors.append(error)

    helpers = [
        threading.Thread(target=work, args=(args,), name="rnnplay-slice", daemon=True)
        for args in calls[1:]
    ]
    for helper in helpers:
        helper.start()
    try:
        kernel(*calls[0])
    finally:
        for helper in helpers:
            helper.join()
    if errors:
        raise errors[0]
