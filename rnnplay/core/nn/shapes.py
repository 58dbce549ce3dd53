"""Shape checks that name the layer and both shapes when they disagree."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def expect_ndim(layer: str, name: str, array: np.ndarray, ndim: int) -> None:
    """Raise ValueError unless ``array`` has ``ndim`` dimensions."""
    if array.ndim != ndim:
        raise ValueError(
            f"{layer}: {name} must have {ndim} dimensions, got shape {tuple(array.shape)}"
        )


def expect_dim(
    layer: str, name: str, array: np.ndarray, axis: int, size: int, against: str
) -> None:
    """Raise ValueError unless ``array.shape[axis] == size`` (``against`` names the source)."""
    if array.shape[axis] != size:
        raise ValueError(
            f"{layer}: {name} has shape {tuple(array.shape)} but {against} "
            f"needs size {size} on axis {axis}"
        )


def expect_shape(layer: str, name: str, array: np.ndarray, shape: Sequence[int]) -> None:
    """Raise ValueError unless ``array`` has exactly ``shape``."""
    if tuple(array.shape) != tuple(shape):
        raise ValueError(f"{layer}: {name} has shape {tuple(array.shape)}, expected {tuple(shape)}")
