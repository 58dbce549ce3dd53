"""PyTorch's layout of an RNNLM: names, shapes and gate order of its weights.

The model PyTorch users know for a character or word language model is
three modules in a row, and its ``state_dict`` names are the layout::

    embedding = nn.Embedding(V, D)                      embedding.weight (V, D)
    rnn = nn.LSTM(D, H, num_layers=L, batch_first=True) rnn.weight_ih_l{k} (G*H, D or H)
        (nn.RNN for rnn, nn.GRU for gru-torch)          rnn.weight_hh_l{k} (G*H, H)
                                                        rnn.bias_ih_l{k}, rnn.bias_hh_l{k} (G*H,)
    decoder = nn.Linear(H, V)                           decoder.weight (V, H), decoder.bias (V,)

rnnplay keeps ``x @ Wx`` with Wx (D, G*H), PyTorch ``W_ih @ x`` with
W_ih (G*H, D): every matrix is transposed. Gate blocks are reordered: an
LSTM is [f | g | i | o] here, [i | f | g | o] in PyTorch; ``gru-torch``
already uses PyTorch's [r | z | n]. PyTorch has two biases where rnnplay
has one (they are only ever added), so export writes rnnplay's ``b`` as
``bias_ih`` and zeros as ``bias_hh``, and import adds them; the exception
is the GRU candidate's recurrent bias, which PyTorch applies inside the
reset gate: that one is ``gru-torch``'s own ``bh``. Tied weights:
``decoder.weight`` is the embedding matrix (written out in full so that a
tied or untied PyTorch model loads it with ``strict=True``; a file may
leave it out, as ``safetensors.torch.save_model`` does for shared tensors).

The book's GRU (cell ``gru``) computes another function than ``nn.GRU``
and has no layout here: :func:`check_cell` refuses it, naming ``gru-torch``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnplay.core.nn.model import CELLS, RNNLM
from rnnplay.errors import CheckpointError

TORCH_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru-torch": "GRU"}
"""The ``torch.nn`` recurrent module of each cell that has one."""
GATE_ORDER = {"rnn": (0,), "lstm": (2, 0, 1, 3), "gru-torch": (0, 1, 2)}
"""For each cell, which of rnnplay's gate blocks PyTorch's block j is: PyTorch's
LSTM [i | f | g | o] is rnnplay's blocks 2, 0, 1, 3 of [f | g | i | o]."""
CELL_OF_GATES = {1: "rnn", 4: "lstm", 3: "gru-torch"}
"""A layout's cell from its gate count (rows of ``weight_hh`` over columns)."""

EMBEDDING, DECODER_W, DECODER_B = "embedding.weight", "decoder.weight", "decoder.bias"


def check_cell(cell: str) -> None:
    """CheckpointError unless ``cell`` has a PyTorch layout (the book's GRU has not)."""
    if cell == "gru":
        raise CheckpointError(
            "the book's GRU (cell gru) resets the state before the recurrent product and "
            "PyTorch's nn.GRU after it, so its weights mean something else there; train "
            "with --cell gru-torch, the GRU in PyTorch's form, to take a GRU to PyTorch"
        )
    if cell not in TORCH_MODULES:
        raise CheckpointError(f"cell {cell!r} has no PyTorch layout")


def layer_names(k: int) -> tuple[str, str, str, str]:
    """PyTorch's names of layer k's weight_ih, weight_hh, bias_ih, bias_hh."""
    return (
        f"rnn.weight_ih_l{k}",
        f"rnn.weight_hh_l{k}",
        f"rnn.bias_ih_l{k}",
        f"rnn.bias_hh_l{k}",
    )


def expected_shapes(config: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Every tensor's name and shape in the layout of a model with ``config``."""
    check_cell(config["cell"])
    V, D, H, L = config["vocab_size"], config["embed"], config["hidden"], config["layers"]
    G = CELLS[config["cell"]].gates
    shapes: dict[str, tuple[int, ...]] = {EMBEDDING: (V, D)}
    for k in range(L):
        w_ih, w_hh, b_ih, b_hh = layer_names(k)
        shapes[w_ih] = (G * H, D if k == 0 else H)
        shapes[w_hh] = (G * H, H)
        shapes[b_ih] = (G * H,)
        shapes[b_hh] = (G * H,)
    shapes[DECODER_W] = (V, H)
    shapes[DECODER_B] = (V,)
    return shapes


def _blocks(array: np.ndarray, order: tuple[int, ...], axis: int) -> np.ndarray:
    """``array``'s gate blocks along ``axis`` taken in ``order``."""
    parts = np.split(array, len(order), axis=axis)
    return np.concatenate([parts[i] for i in order], axis=axis)


def _inverse(order: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(order))


def to_torch(model: RNNLM) -> dict[str, np.ndarray]:
    """The model's weights by PyTorch's names, shapes and gate order (fresh arrays)."""
    cell = model.config.cell
    check_cell(cell)
    order = GATE_ORDER[cell]
    H = model.config.hidden
    out = {EMBEDDING: model.embedding.params[0].copy()}
    for k, layer in enumerate(model.recurrent):
        Wx, Wh, b = layer.params[:3]
        w_ih, w_hh, b_ih, b_hh = layer_names(k)
        out[w_ih] = np.ascontiguousarray(_blocks(Wx, order, axis=1).T)
        out[w_hh] = np.ascontiguousarray(_blocks(Wh, order, axis=1).T)
        out[b_ih] = _blocks(b, order, axis=0)
        recurrent_bias = np.zeros_like(b)
        if cell == "gru-torch":
            recurrent_bias[2 * H :] = layer.params[3]
        out[b_hh] = recurrent_bias
    W, bias = model.output.params
    out[DECODER_W] = np.ascontiguousarray(W.T)
    out[DECODER_B] = bias.copy()
    return out


def infer_config(shapes: dict[str, tuple[int, ...]], tied: bool) -> dict[str, Any]:
    """The model config a layout's shapes imply (cell, sizes, layers, tie); CheckpointError
    when they are not this layout. Every shape is checked afterwards by the caller
    against :func:`expected_shapes`."""
    embedding = shapes.get(EMBEDDING)
    hh = shapes.get("rnn.weight_hh_l0")
    if embedding is None or len(embedding) != 2:
        raise CheckpointError(f"it has no 2-D {EMBEDDING}")
    if hh is None or len(hh) != 2 or hh[1] < 1 or hh[0] % hh[1]:
        raise CheckpointError("it has no rnn.weight_hh_l0 of shape (G*H, H)")
    gates = hh[0] // hh[1]
    if gates not in CELL_OF_GATES:
        raise CheckpointError(
            f"rnn.weight_hh_l0 is {hh}: {gates} gates fit none of nn.RNN (1), nn.GRU (3), "
            f"nn.LSTM (4)"
        )
    layers = 0
    while f"rnn.weight_hh_l{layers}" in shapes:
        layers += 1
    return {
        "vocab_size": embedding[0],
        "cell": CELL_OF_GATES[gates],
        "embed": embedding[1],
        "hidden": hh[1],
        "layers": layers,
        "tie": tied,
    }


def from_torch(tensors: dict[str, np.ndarray], config: dict[str, Any]) -> RNNLM:
    """An RNNLM of ``config`` holding the weights of ``tensors`` (PyTorch's layout,
    shapes already checked against :func:`expected_shapes`; ``decoder.weight``
    may be absent when the config is tied)."""
    cell = config["cell"]
    check_cell(cell)
    back = _inverse(GATE_ORDER[cell])
    H = config["hidden"]
    model = RNNLM(**config)
    dtype = model.dtype
    model.embedding.params[0][...] = tensors[EMBEDDING]
    for k, layer in enumerate(model.recurrent):
        w_ih, w_hh, b_ih, b_hh = (tensors[name] for name in layer_names(k))
        layer.params[0][...] = _blocks(w_ih.T, back, axis=1)
        layer.params[1][...] = _blocks(w_hh.T, back, axis=1)
        # the two biases are summed in float64, then rounded once to the model's dtype
        total = b_ih.astype(np.float64) + b_hh.astype(np.float64)
        if cell == "gru-torch":
            layer.params[3][...] = b_hh[2 * H :]
            total[2 * H :] = b_ih[2 * H :]  # the candidate's bh stays inside the reset
        layer.params[2][...] = _blocks(total, back, axis=0).astype(dtype)
    W, bias = model.output.params
    if not config["tie"]:
        W[...] = tensors[DECODER_W].T
    bias[...] = tensors[DECODER_B]
    return model
