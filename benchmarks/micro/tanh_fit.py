"""Fit the rational tanh of the compiled loop (rnnplay/core/nn/fused/numerics.py).

tanh(x) ~ x P(x^2) / Q(x^2) on [0, CLAMP], P of degree 4 and Q of degree 4
with Q(0) = 1, by iteratively reweighted linear least squares: each round
solves P(s) - f(s) Q(s) ~ 0 (f = tanh(x)/x) weighted by x / |Q| (so the
residual is tanh's absolute error) and by the last round's error (Lawson's
push towards equal ripples). Prints the coefficients in s = x^2 and the
largest error of their float32 evaluation over [-12, 12] against float64
tanh, next to NumPy's own float32 tanh, as JSON.

    .venv/bin/python benchmarks/micro/tanh_fit.py
"""

from __future__ import annotations

import json

import numpy as np

CLAMP = 9.0


def fit(p: int = 4, q: int = 4, rounds: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of P and Q (in s = x^2, lowest degree first, Q[0] = 1)."""
    x = np.unique(
        np.concatenate(
            [
                np.linspace(1e-3, CLAMP, 20_000),
                CLAMP * (1 - np.cos(np.linspace(0, np.pi / 2, 20_000))),
            ]
        )
    )
    x = x[x > 1e-3]
    u = (x / CLAMP) ** 2  # scaled so the least-squares matrix stays well conditioned
    f = np.tanh(x) / x
    weight = np.ones_like(x)
    Q = np.ones_like(x)
    for _ in range(rounds):
        A = np.hstack(
            [
                np.vander(u, p + 1, increasing=True),
                -(f[:, None] * np.vander(u, q + 1, increasing=True)[:, 1:]),
            ]
        )
        w = x / np.abs(Q) * weight
        sol, *_ = np.linalg.lstsq(A * w[:, None], f * w, rcond=None)
        pu, qu = sol[: p + 1], np.r_[1.0, sol[p + 1 :]]
        P, Q = np.polyval(pu[::-1], u), np.polyval(qu[::-1], u)
        err = np.abs(x * P / Q - np.tanh(x))
        weight = weight * (err / err.max()) ** 0.25 + 1e-6
        weight /= weight.max()
    scale = CLAMP ** (-2.0 * np.arange(max(p, q) + 1))
    return pu * scale[: p + 1], qu * scale[: q + 1]


def float32_error(P: np.ndarray, Q: np.ndarray) -> float:
    x = np.linspace(-12, 12, 2_000_001).astype(np.float32)
    xc = np.clip(x, np.float32(-CLAMP), np.float32(CLAMP))
    s = xc * xc
    num = np.zeros_like(s)
    for c in P[::-1]:
        num = num * s + np.float32(c)
    den = np.zeros_like(s)
    for c in Q[::-1]:
        den = den * s + np.float32(c)
    y = np.clip(xc * num / den, -1, 1)
    return float(np.max(np.abs(y - np.tanh(x.astype(np.float64)))))


def main() -> int:
    P, Q = fit()
    x = np.linspace(-12, 12, 2_000_001).astype(np.float32)
    record = {
        "P": [float(np.float32(c)) for c in P],
        "Q": [float(np.float32(c)) for c in Q],
        "clamp": CLAMP,
        "float32_max_abs_error": float32_error(P, Q),
        "numpy_tanh_float32_max_abs_error": float(
            np.max(np.abs(np.tanh(x) - np.tanh(x.astype(np.float64))))
        ),
    }
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
