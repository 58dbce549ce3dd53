"""The PyTorch side of the speed benchmarks: the same model, step and sampler in torch.

torch is an optional extra (``bench``) and never a runtime dependency, so
everything here imports it lazily; :func:`available` says whether it can be
used. The model mirrors :class:`rnnplay.core.RNNLM` layer for layer:
``nn.Embedding -> nn.LSTM / nn.GRU / nn.RNN(tanh), batch_first -> nn.Linear``, trained
with ``CrossEntropyLoss``, ``clip_grad_norm_`` and ``torch.optim.Adam``. The
hidden state is carried across steps (detached), as rnnplay's stateful
layers do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def available() -> bool:
    """True when torch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str | None:
    """torch's version string, or None when it is not installed."""
    if not available():
        return None
    import torch

    return str(torch.__version__)


def set_threads(threads: int) -> None:
    """Make torch's intra-op pool use ``threads`` threads."""
    import torch

    torch.set_num_threads(threads)


def _build(cell: str, V: int, D: int, H: int, seed: int) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class PeerLM(nn.Module):
        """Embedding -> one recurrent layer -> linear, like RNNLM with num_layers=1."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(V, D)
            if cell == "lstm":
                self.rnn = nn.LSTM(D, H, batch_first=True)
            elif cell == "rnn":
                self.rnn = nn.RNN(D, H, nonlinearity="tanh", batch_first=True)
            elif cell == "gru":  # reset gate after the recurrent product (rnnplay's: before)
                self.rnn = nn.GRU(D, H, batch_first=True)
            else:
                raise ValueError(f"torch peer: unsupported cell {cell!r}")
            self.affine = nn.Linear(H, V)

        def forward(self, xs: Any, state: Any) -> tuple[Any, Any]:
            hs, state = self.rnn(self.embed(xs), state)
            return self.affine(hs), state

    return PeerLM()


def _detach(state: Any) -> Any:
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def make_train_step(
    cell: str,
    V: int,
    D: int,
    H: int,
    batches: list[tuple[np.ndarray, np.ndarray]],
    *,
    lr: float,
    max_norm: float,
    seed: int,
) -> Callable[[], float]:
    """A closure running one full training step on the next batch of ``batches``.

    Forward, cross-entropy loss, backward, ``clip_grad_norm_`` and an Adam
    update, all float32; it returns the loss.
    """
    import torch
    from torch import nn

    model = _build(cell, V, D, H, seed)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    tensors = [
        (torch.from_numpy(xs.astype(np.int64)), torch.from_numpy(ts.astype(np.int64)))
        for xs, ts in batches
    ]
    params = list(model.parameters())
    slot = {"k": 0, "state": None}

    def step() -> float:
        xs, ts = tensors[slot["k"] % len(tensors)]
        slot["k"] += 1
        optimizer.zero_grad(set_to_none=True)
        logits, state = model(xs, slot["state"])
        slot["state"] = _detach(state)
        loss = criterion(logits.reshape(-1, V), ts.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
        return float(loss.detach())

    return step


def make_sample_step(cell: str, V: int, D: int, H: int, *, seed: int) -> Callable[[], int]:
    """A closure generating one token single-stream (batch 1, one step) under no_grad.

    Each call runs the model on the last token with the carried state,
    turns the logits into probabilities and draws the next token with
    ``torch.multinomial``, as a plain torch sampling loop would.
    """
    import torch

    model = _build(cell, V, D, H, seed)
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    slot: dict[str, Any] = {"token": torch.zeros((1, 1), dtype=torch.int64), "state": None}

    def step() -> int:
        with torch.no_grad():
            logits, slot["state"] = model(slot["token"], slot["state"])
            probs = torch.softmax(logits[0, -1], dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
        slot["token"] = token.view(1, 1)
        return int(token)

    return step
