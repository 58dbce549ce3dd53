"""Central-difference gradient checking for the layer tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """dF/dx by central differences, perturbing ``x`` in place element by element."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        original = x[idx]
        x[idx] = original + eps
        plus = f()
        x[idx] = original - eps
        minus = f()
        x[idx] = original
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Largest elementwise difference relative to the gradient's own scale.

    max|a - n| / max(max|a|, max|n|): zero for identical arrays, of order one
    when the analytic gradient is wrong anywhere. Using the array's scale (not
    each element's) keeps elements that are zero up to rounding from
    dominating the ratio.
    """
    scale = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))), 1e-12)
    return float(np.max(np.abs(analytic - numeric))) / scale


def assert_gradient(
    name: str, analytic: np.ndarray, f: Callable[[], float], x: np.ndarray, tol: float = 1e-6
) -> None:
    """Assert that ``analytic`` matches the numerical gradient of ``f`` w.r.t. ``x``."""
    assert analytic.shape == x.shape, f"{name}: gradient shape {analytic.shape} != {x.shape}"
    numeric = numerical_gradient(f, x)
    assert np.max(np.abs(numeric)) > 0, f"{name}: the objective does not depend on it"
    err = relative_error(np.asarray(analytic, dtype=np.float64), numeric)
    assert err <= tol, f"{name}: relative error {err:.3e} > {tol:.0e}"
