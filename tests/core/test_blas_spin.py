"""rnnplay shortens OpenBLAS's idle spin before NumPy loads (see rnnplay.BLAS_SPIN):
in a fresh process, importing rnnplay sets it, a value the user chose is kept,
and the process that then imports NumPy has it in its environment."""

from __future__ import annotations

import os
import subprocess
import sys

import rnnplay

PROBE = "import rnnplay, numpy, os; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"


def _run(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != rnnplay.BLAS_SPIN_VAR}
    if env_value is not None:
        env[rnnplay.BLAS_SPIN_VAR] = env_value
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_rnnplay_sets_the_short_spin() -> None:
    assert _run(None) == rnnplay.BLAS_SPIN


def test_a_value_the_user_set_is_kept() -> None:
    assert _run("28") == "28"


def test_the_command_line_sets_it_before_numpy_loads() -> None:
    """The entry point imports rnnplay (the package) before any module that imports NumPy."""
    probe = (
        "import sys, os; import rnnplay.cli; "
        "print('numpy' in sys.modules, os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
    )
    env = {k: v for k, v in os.environ.items() if k != rnnplay.BLAS_SPIN_VAR}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["False", rnnplay.BLAS_SPIN], done.stderr
