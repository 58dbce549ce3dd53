"""The BLAS libraries of this process, listed once, by the main thread, before any other.

Two parts of rnnplay reach a BLAS library by name: the thread governor
(:mod:`rnnplay.core.train.threads`) sizes NumPy's pool, and the compiled
loops (:mod:`rnnplay.core.nn.fused`) keep SciPy's (the one numba's ``np.dot``
calls) at one thread and read NumPy's count. threadpoolctl finds them by
listing every shared library the process has loaded, and listing is not
safe at just any moment.

Up to 3.6, threadpoolctl listed them on Linux with glibc's
``dl_iterate_phdr`` and a Python callback: the foreign call releases the
GIL, glibc takes its loader lock, and the callback waits for the GIL. A
thread that meanwhile holds the GIL and needs the loader lock (any import
of a C extension: CPython calls ``dlopen`` with the GIL held) waits for the
lister, which waits for it, and neither ever moves again. That was the
playground's freeze (issue 22): its training thread listed at the first
step while the UI thread imported, so the step never came and ``q``, which
waits for the training thread, never quit. threadpoolctl 3.7 reads
``/proc/self/maps`` on Linux instead (pyproject asks for at least 3.7), but
other systems still list through a callback.

So the listing happens here, once: the faces call :func:`prepare` on the
main thread before they start any thread (``install_threads`` for ``train``
and the bare ``rnnplay``, the playground's app for every way it is opened),
and everything later reads the list kept here. Where the compiled loops can
run (numba and SciPy installed), SciPy's BLAS is loaded first, so that the
one listing holds it too: the training thread then only imports numba, and
an import beside a thread that does not list is harmless. A process that
never calls :func:`prepare` (a script, a test) lists at first use, on
whatever thread that is.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

_lock = threading.Lock()
_found: list[Any] | None = None
listed_on: str | None = None
"""The name of the thread that listed the libraries (None before): the tests read it."""


def prepare() -> None:
    """List the BLAS libraries now (once per process): call it from the main thread
    before any other thread starts, so that nothing lists beside a running thread."""
    _libraries()


def numpy_blas() -> list[Any]:
    """threadpoolctl's controllers of NumPy's BLAS (the one its products run on):
    the library inside NumPy's wheel, else every BLAS but SciPy's own."""
    found = _libraries()
    owned = [lib for lib in found if "numpy" in lib.filepath]
    if owned:
        return owned
    scipy_own = scipy_blas()
    return [lib for lib in found if lib not in scipy_own]


def scipy_blas() -> list[Any]:
    """The controllers of SciPy's own BLAS where it is not NumPy's (SciPy's wheel brings
    one; NumPy's wheel's library has "scipy" in its name too, hence the second test)."""
    return [lib for lib in _libraries() if "scipy" in lib.filepath and "numpy" not in lib.filepath]


def _libraries() -> list[Any]:
    global _found, listed_on
    with _lock:
        if _found is None:
            _load_compiled_loops_blas()
            _found = _list()
            listed_on = threading.current_thread().name
        return _found


def _load_compiled_loops_blas() -> None:
    """Load SciPy's BLAS where the compiled loops can use it (numba is looked for,
    not imported: that stays with the first compiled loop)."""
    if importlib.util.find_spec("numba") is None:
        return
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (loads SciPy's BLAS library)
    except ImportError:
        return


def _list() -> list[Any]:
    import numpy  # noqa: F401  (its BLAS is loaded with it)

    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return []
    return [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]


def forget() -> None:
    """Forget the list (tests: the next use lists again)."""
    global _found, listed_on
    with _lock:
        _found = None
        listed_on = None
