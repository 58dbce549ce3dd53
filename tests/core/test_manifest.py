"""The checkpoint metadata schema: bounded parsing, one set of limits for the
writer and the reader, the 500k-word vocabulary, non-finite arrays, memory."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import numpy as np
import pytest

from rnnplay.cli import main
from rnnplay.core import limits
from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.checkpoint import load_checkpoint, save_checkpoint
from rnnplay.core.store.schema import SchemaError, nesting_depth, parse_metadata
from rnnplay.core.train import memory
from rnnplay.core.train.config import TrainConfig
from rnnplay.errors import CheckpointError, ConfigError


def test_nesting_is_measured_without_recursion_and_strings_do_not_count() -> None:
    assert nesting_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert nesting_depth(b'["\\"[[[", [[]]]') == 3
    deep = b"[" * 200_000 + b"]" * 200_000
    assert nesting_depth(deep) == 200_000
    with pytest.raises(SchemaError, match="nests 200000 levels deep"):
        parse_metadata(deep)


@pytest.mark.slow
def test_a_500k_word_vocabulary_round_trips(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(500_000)]
    vocab = Vocabulary.from_tokens(words, "word")
    model = RNNLM(len(vocab), 2, 2, seed=0)
    path = save_checkpoint(tmp_path / "big.npz", model=model, vocab=vocab)
    loaded = load_checkpoint(path)
    assert list(loaded.vocab.tokens) == list(vocab.tokens) and len(loaded.vocab) == 500_002


def _tiny(vocab_tokens: str = "abc"):
    vocab = Vocabulary.from_tokens(list(vocab_tokens), "char")
    return RNNLM(len(vocab), 4, 4, seed=0), vocab


@pytest.mark.parametrize(
    ("meta", "needle"),
    [
        ({"nested": json.loads("[" * 40 + "]" * 40)}, "nests"),
        ({"kind": "rnnplay-trainer", "step": 1}, "lacks"),
        ({"text": "x" * (limits.MAX_STRING_CHARS + 1)}, "characters long"),
        ({"huge": 2**200}, "too large"),
    ],
    ids=["deep", "trainer-without-state", "long-text", "huge-int"],
)
def test_the_writer_refuses_what_the_reader_would_refuse(meta, needle, tmp_path: Path) -> None:
    model, vocab = _tiny()
    with pytest.raises(CheckpointError, match=needle):
        save_checkpoint(tmp_path / "x.npz", model=model, vocab=vocab, meta=meta)
    assert list(tmp_path.iterdir()) == []


def test_non_finite_weights_are_never_written_and_never_loaded(tmp_path: Path) -> None:
    model, vocab = _tiny()
    model.params[0][0, 0] = np.nan
    with pytest.raises(CheckpointError, match="non-finite"):
        save_checkpoint(tmp_path / "x.npz", model=model, vocab=vocab)
    assert list(tmp_path.iterdir()) == []


def test_the_memory_check_uses_the_memory_available_now(monkeypatch) -> None:
    config = TrainConfig(hidden=1024, batch=64, bptt=64)
    params, activations = config.estimate_memory(2)
    monkeypatch.setattr(memory, "available_bytes", lambda: (params + activations) // 2)
    with pytest.raises(
        ConfigError, match=r"--batch 64 x --bptt 64 .*only [\d.]+ MiB is available now"
    ):
        config.validate()
    monkeypatch.setattr(memory, "available_bytes", lambda: None)
    config.validate()


def test_the_address_space_limit_counts_as_available(monkeypatch) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    monkeypatch.setattr(resource, "getrlimit", lambda which: (2**40, hard))
    room = memory._address_space_room()
    assert room is not None and 0 < room < 2**40


def test_a_memory_error_anywhere_is_one_line_with_the_sizes(monkeypatch, capsys) -> None:
    import rnnplay.core.train.config as config_module

    def allocate(self, vocab_size, limit=0):
        raise MemoryError("Unable to allocate 3.00 GiB for an array with shape (805306368,)")

    monkeypatch.setattr(config_module.TrainConfig, "check_memory", allocate)
    code = main(["train", "--corpus", "sonnets", "--hidden", "512", "--max-steps", "1"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "out of memory" in lines[0] and "3.00 GiB" in lines[0] and "--hidden 512" in lines[0]


def test_the_schema_knows_the_trainer_checkpoint_kind() -> None:
    from rnnplay.core.store.manifest import TRAINER_KIND
    from rnnplay.core.train.trainer import CHECKPOINT_KIND

    assert TRAINER_KIND == CHECKPOINT_KIND
