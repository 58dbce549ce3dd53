"""The BLAS libraries, listed once (rnnplay.core.nn.blas_libraries), and a listing that
cannot deadlock against an import (the dependency floor threadpoolctl>=3.7, issue 22)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from rnnplay.core.nn import blas_libraries, fused


@dataclass
class FakeLibrary:
    filepath: str
    user_api: str = "blas"


NUMPY_OWN = FakeLibrary("/venv/numpy.libs/libscipy_openblas64_-32a4b2a6.so")
SCIPY_OWN = FakeLibrary("/venv/scipy.libs/libscipy_openblas-6cdc3b4a.so")
SYSTEM = FakeLibrary("/usr/lib/x86_64-linux-gnu/libopenblas.so.0")


@pytest.fixture
def listing(monkeypatch: pytest.MonkeyPatch):
    """blas_libraries listing ``found`` (a list the test fills) instead of the process's;
    the real list is made again on the next use after the test."""
    found: list[FakeLibrary] = []
    calls: list[str] = []

    def fake_list() -> list[FakeLibrary]:
        calls.append(threading.current_thread().name)
        return found

    blas_libraries.forget()
    monkeypatch.setattr(blas_libraries, "_list", fake_list)
    yield found, calls
    blas_libraries.forget()


def test_numpy_and_scipy_each_get_their_own_library(listing) -> None:
    found, _calls = listing
    found += [SCIPY_OWN, NUMPY_OWN]
    assert blas_libraries.numpy_blas() == [NUMPY_OWN]  # "scipy" in its name, NumPy's all the same
    assert blas_libraries.scipy_blas() == [SCIPY_OWN]


def test_a_shared_system_blas_is_numpys_and_never_pinned_as_scipys(listing) -> None:
    found, _calls = listing
    found.append(SYSTEM)
    assert blas_libraries.numpy_blas() == [SYSTEM]
    assert blas_libraries.scipy_blas() == []


def test_the_libraries_are_listed_once_and_the_thread_is_recorded(listing) -> None:
    found, calls = listing
    found.append(NUMPY_OWN)
    blas_libraries.prepare()
    blas_libraries.prepare()
    assert blas_libraries.numpy_blas() == [NUMPY_OWN]
    assert calls == ["MainThread"]
    assert blas_libraries.listed_on == "MainThread"


def test_the_compiled_loops_read_the_list_and_never_list_themselves(listing) -> None:
    found, calls = listing

    class Counted(FakeLibrary):
        def get_num_threads(self) -> int:
            return 3

    found.append(Counted(NUMPY_OWN.filepath))
    blas_libraries.prepare()
    assert fused.slices(12) == [(0, 4), (4, 8), (8, 12)]  # one slice per NumPy BLAS thread
    assert calls == ["MainThread"]


# -- the deadlock itself: a listing beside imports, in a process of its own --------------------
CHILD = r"""
import faulthandler, importlib.util, json, sys, threading, time
import numpy  # noqa: F401  (a BLAS to find)
from threadpoolctl import ThreadpoolController

faulthandler.dump_traceback_later(float(sys.argv[1]), exit=True)  # a deadlock: every stack
name, copies = sys.argv[2], sys.argv[3:]
done = threading.Event()
listings = [0]


def lister():
    while not done.is_set():
        ThreadpoolController()
        listings[0] += 1


thread = threading.Thread(target=lister, name="lister", daemon=True)
thread.start()
while listings[0] < 1:  # the lister has started
    time.sleep(0.001)
for path in copies:  # each a library the loader has not seen: CPython dlopens it, GIL held
    spec = importlib.util.spec_from_file_location(name, path)
    importlib.util.module_from_spec(spec)
while listings[0] < 10:  # and lists beside the loads, not only before them
    time.sleep(0.001)
done.set()
thread.join()
print(json.dumps({"listings": listings[0], "loads": len(copies)}))
"""

COPIES = 300


@pytest.mark.slow
def test_listing_libraries_beside_imports_does_not_deadlock(tmp_path: Path) -> None:
    """A thread lists the libraries again and again while the main thread imports
    C extensions it never loaded (copies of one, each in its own folder): with
    threadpoolctl <= 3.6 the two deadlock (glibc 2.36: every run, within the first
    loads); from 3.7 the listing reads /proc/self/maps on Linux and both finish.
    The floor in pyproject.toml keeps the playground from freezing; this holds it."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the listing this guards is Linux's")
    spec = importlib.util.find_spec("_bisect")
    if spec is None or not (spec.origin or "").endswith(".so"):
        pytest.skip("this Python has _bisect built in: no library to load")
    origin = Path(spec.origin)
    copies = []
    for number in range(COPIES):
        folder = tmp_path / f"copy{number}"
        folder.mkdir()
        copies.append(str(shutil.copy(origin, folder / origin.name)))
    hang_s = 30
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(hang_s), "_bisect", *copies],
        capture_output=True,
        text=True,
        timeout=hang_s + 60,  # a guard behind the child's own
    )
    assert result.returncode == 0, f"deadlocked (every thread's stack):\n{result.stderr[-4000:]}"
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures == {"listings": figures["listings"], "loads": COPIES}
    assert figures["listings"] >= 10
