"""Models travel, proven by PyTorch: both directions agree with ``torch.nn`` to 1e-5.

rnnplay -> PyTorch: a model trained a few steps here, exported, loads into
``nn.Embedding`` + ``nn.RNN/LSTM/GRU`` + ``nn.Linear`` with
``load_state_dict(strict=True)`` and gives the same log-probabilities on held-out
text. PyTorch -> rnnplay: a model trained a few steps in PyTorch, saved with
``safetensors.torch`` and brought in by ``rnnplay import``, continues a prime
greedily exactly as PyTorch does. Skipped where torch is not installed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from rnnplay.cli import main
from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.store.torch_layout import TORCH_MODULES
from rnnplay.core.store.travel import export_model, import_model
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.trainer import Trainer

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
torch.set_num_threads(1)  # tiny models: threads only contend with the BLAS ones

TEXT = (
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate.\n"
    "Rough winds do shake the darling buds of May, and summer's lease hath all too short a date.\n"
) * 20
HELD_OUT = "Thou art more lovely, and the darling buds of summer shake.\n"


class TorchLM(torch.nn.Module):
    """The module the export prints: embedding, a recurrent stack, a linear decoder."""

    def __init__(self, cell: str, V: int, D: int, H: int, layers: int, tie: bool) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(V, D)
        recurrent = getattr(torch.nn, TORCH_MODULES[cell])
        self.rnn = recurrent(D, H, num_layers=layers, batch_first=True)
        self.decoder = torch.nn.Linear(H, V)
        if tie:
            self.decoder.weight = self.embedding.weight

    def forward(self, ids, state=None):
        out, state = self.rnn(self.embedding(ids), state)
        return self.decoder(out), state


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parity") / "sonnet.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


CONFIGS = [
    ("rnn", 1, False, "float64"),
    ("lstm", 1, False, "float64"),
    ("lstm", 1, True, "float64"),
    ("lstm", 2, False, "float64"),
    ("lstm", 2, True, "float64"),
    ("lstm", 2, False, "float32"),
    ("gru-torch", 1, False, "float64"),
    ("gru-torch", 2, True, "float64"),
]


@pytest.mark.parametrize(("cell", "layers", "tie", "dtype"), CONFIGS)
def test_a_model_trained_here_gives_pytorch_the_same_log_probabilities(
    tmp_path: Path, corpus: Path, cell: str, layers: int, tie: bool, dtype: str
) -> None:
    config = TrainConfig(
        corpus=str(corpus), cell=cell, layers=layers, tie=tie, dtype=dtype,
        embed=12, hidden=12, batch=4, bptt=10, lr=1e-2, seed=2,
    )  # fmt: skip
    trainer = Trainer(config, load_dataset(str(corpus)))
    for _ in trainer.run(max_steps=5):
        pass
    assert trainer.step_count == 5
    model, vocab = trainer.model, trainer.dataset.vocab
    path = export_model(tmp_path / "model.safetensors", model, vocab)

    V = len(vocab)
    net = TorchLM(cell, V, 12, 12, layers, tie)
    net = net.double() if dtype == "float64" else net
    net.load_state_dict(safetensors_torch.load_file(str(path)), strict=True)
    net.eval()

    ids = vocab.encode(HELD_OUT)[None, :]
    model.eval()
    model.reset_state()
    ours = log_softmax(model.predict(ids).astype(np.float64))
    with torch.no_grad():
        theirs = torch.log_softmax(net(torch.from_numpy(ids.astype(np.int64)))[0], -1)
    theirs = theirs.double().numpy()
    assert ours.shape == theirs.shape == (1, ids.shape[1], V)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    assert np.abs(ours - theirs).max() < (1e-12 if dtype == "float64" else 1e-5)


def torch_greedy(net, ids: list[int], length: int) -> list[int]:
    """Feed the prime, then always the likeliest token: PyTorch's continuation."""
    with torch.no_grad():
        scores, state = net(torch.tensor([ids]))
        out = []
        for _ in range(length):
            token = int(scores[0, -1].argmax())
            out.append(token)
            scores, state = net(torch.tensor([[token]]), state)
    return out


def train_in_torch(net, data: np.ndarray, steps: int = 60) -> None:
    """A few Adam steps on random windows of the text, as anyone would in PyTorch."""
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-2)
    tokens = torch.from_numpy(data.astype(np.int64))
    for _ in range(steps):
        starts = torch.randint(0, len(tokens) - 33, (8,), generator=generator)
        batch = torch.stack([tokens[i : i + 33] for i in starts.tolist()])
        scores, _ = net(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(
            scores.reshape(-1, scores.shape[-1]), batch[:, 1:].reshape(-1)
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize(
    ("cell", "layers", "tie", "vocab_in"),
    [
        ("lstm", 2, False, "metadata"),
        ("lstm", 1, True, "file"),
        ("gru-torch", 2, False, "file"),
        ("rnn", 1, False, "metadata"),
    ],
)
def test_a_model_trained_in_pytorch_continues_a_prime_as_pytorch_does(
    tmp_path: Path,
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
    cell: str,
    layers: int,
    tie: bool,
    vocab_in: str,
) -> None:
    torch.manual_seed(0)
    vocab = load_dataset(str(corpus)).vocab  # the vocabulary rnnplay builds from the text
    D = H = 16
    net = TorchLM(cell, len(vocab), D, H, layers, tie).double()
    train_in_torch(net, vocab.encode(TEXT))
    net.eval()

    path = tmp_path / "from_torch.safetensors"
    args = ["import", str(path), "--out", str(tmp_path / "run"), "--corpus", str(corpus)]
    if vocab_in == "metadata":
        metadata = {"rnnplay.vocab": json.dumps(vocab.tokens)}
        safetensors_torch.save_file(net.state_dict(), str(path), metadata=metadata)
    else:
        # save_model keeps one of the tied tensors (decoder.weight goes): the import ties them
        safetensors_torch.save_model(net, str(path))
        (tmp_path / "vocab.json").write_text(json.dumps(vocab.tokens), encoding="utf-8")
        args += ["--vocab", str(tmp_path / "vocab.json")]
    assert main(args) == 0, capsys.readouterr().err

    checkpoint = tmp_path / "run" / "last.npz"
    imported = load_checkpoint(checkpoint).model
    assert imported.config.cell == cell and imported.config.tie == tie
    prime = "Shall I compare"
    expected = prime + vocab.decode(torch_greedy(net, list(vocab.encode(prime)), 60))
    capsys.readouterr()
    sample = ["sample", str(checkpoint), "--greedy", "--prime", prime, "--length", "60"]
    assert main(sample) == 0
    assert capsys.readouterr().out == expected + "\n"
    assert len(set(expected[len(prime) :])) > 1, "a continuation worth comparing"


def test_import_then_export_gives_back_the_same_tensors(tmp_path: Path, corpus: Path) -> None:
    """PyTorch's two biases come back summed: the round trip keeps every logit."""
    torch.manual_seed(1)
    vocab = load_dataset(str(corpus)).vocab
    net = TorchLM("gru-torch", len(vocab), 8, 8, 2, False).double()
    path = tmp_path / "a.safetensors"
    safetensors_torch.save_file(net.state_dict(), str(path))
    model = import_model(path, vocab).model
    again = export_model(tmp_path / "b.safetensors", model, vocab)
    net2 = TorchLM("gru-torch", len(vocab), 8, 8, 2, False).double()
    net2.load_state_dict(safetensors_torch.load_file(str(again)), strict=True)
    ids = torch.from_numpy(vocab.encode(HELD_OUT)[None, :].astype(np.int64))
    with torch.no_grad():
        np.testing.assert_allclose(net2(ids)[0].numpy(), net(ids)[0].numpy(), atol=1e-12)


def test_the_printed_lines_load_the_file_in_pytorch(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What ``rnnplay export`` prints is Python that loads the file it wrote."""
    out = tmp_path / "run"
    train = ["train", "--corpus", str(corpus), "--embed", "8", "--hidden", "8", "--tie"]
    assert main([*train, "--max-steps", "2", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    exported = tmp_path / "lm.safetensors"
    assert main(["export", str(out / "last.npz"), str(exported)]) == 0
    code = capsys.readouterr().out
    scope: dict = {}
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        exec(compile(code, "printed", "exec"), scope)
    finally:
        os.chdir(cwd)
    assert scope["tokens"] == load_checkpoint(out / "last.npz").vocab.tokens
    ids = torch.tensor([[1, 2, 3]])
    scores, _ = scope["model"](ids)
    assert scores.shape == (1, 3, len(scope["tokens"]))
