"""Shape mismatches raise ValueError naming the layer and both shapes."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import RNNLM, TimeAffine, TimeEmbedding, TimeGRU, TimeLSTM, TimeRNN


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU])
def test_recurrent_input_width_mismatch(cls: type) -> None:
    G = cls.gates
    layer = cls(np.zeros((4, G * 3)), np.zeros((3, G * 3)), np.zeros(G * 3))
    message = rf"{cls.__name__}: xs has shape \(2, 5, 7\).*\(4, {G * 3}\)"
    with pytest.raises(ValueError, match=message):
        layer.forward(np.zeros((2, 5, 7)))


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU])
def test_recurrent_weight_shapes_checked(cls: type) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}: Wh has shape \(3, 5\)"):
        cls(np.zeros((4, cls.gates * 3)), np.zeros((3, 5)), np.zeros(cls.gates * 3))


def test_recurrent_input_must_be_3d() -> None:
    layer = TimeRNN(np.zeros((4, 3)), np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"TimeRNN: xs must have 3 dimensions, got shape \(5, 4\)"):
        layer.forward(np.zeros((5, 4)))


def test_affine_mismatch() -> None:
    layer = TimeAffine(np.zeros((4, 6)), np.zeros(6))
    with pytest.raises(ValueError, match=r"TimeAffine: xs has shape \(2, 3, 5\).*\(4, 6\)"):
        layer.forward(np.zeros((2, 3, 5)))


def test_embedding_ids_out_of_range() -> None:
    layer = TimeEmbedding(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"TimeEmbedding: token ids must lie in \[0, 5\)"):
        layer.forward(np.array([[0, 5]]))


def test_model_inputs_and_targets_must_agree() -> None:
    model = RNNLM(5, 4, 4, seed=0)
    with pytest.raises(ValueError, match=r"RNNLM: targets have shape \(2, 3\), inputs \(2, 4\)"):
        model.forward(np.zeros((2, 4), dtype=int), np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="RNNLM: xs must be a 2-D integer array"):
        model.predict(np.zeros((2, 4)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cell": "transformer"}, "cell must be one of"),
        ({"hidden": 0}, "hidden must be a positive integer"),
        ({"dropout": 1.0}, r"dropout must lie in \[0, 1\)"),
        ({"tie": True}, "tied weights need embed == hidden, got 4 and 6"),
        ({"dtype": "int32"}, "dtype must be float32 or float64"),
    ],
)
def test_model_refuses_bad_hyperparameters(kwargs: dict, message: str) -> None:
    args = {"vocab_size": 5, "embed": 4, "hidden": 6} | kwargs
    with pytest.raises(ValueError, match=message):
        RNNLM(**args)
