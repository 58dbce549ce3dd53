"""Properties that must hold for any input (hypothesis).

Example counts are modest for CI; ``RNNPLAY_PROPERTY_EXAMPLES`` raises them
for the documented full run. What is stated precisely:

- char level: ``decode(encode(t)) == t`` for every text ``t`` over the
  vocabulary, whatever its characters (newlines, ``\\r``, astral, combining).
- word level: ``decode(encode(t))`` is ``t`` with each line's words (maximal
  runs of characters that are not ``str.isspace``) joined by one space;
  ``\\n`` line breaks are kept exactly, every other whitespace run becomes
  one space or vanishes at the ends of a line. Words missing from a capped
  vocabulary come back as ``<unk>``. (Texts using the reserved words
  ``<eos>``/``<unk>`` themselves are outside the statement: ``<eos>`` reads
  as a line break.) Encoding is idempotent: ``encode(decode(encode(t)))``
  equals ``encode(t)``.
- reading a corpus file: CRLF and lone CR become ``\\n``, a BOM is dropped,
  nothing else changes; blank text is refused.
- batching: every batch lies inside the corpus, targets are the next token,
  one epoch of streams feeds every token as an input and as a target, and
  random windows reach every token.
- sampling: for any model, temperature > 0, top-k and top-p, every token is
  in the vocabulary with a positive probability under its distribution.
- checkpoints: save + load is the identity on trained random models with
  their optimizer state, extra arrays, metadata and vocabulary.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnplay.core.data.batching import BATCHERS
from rnnplay.core.data.corpus import CorpusError, read_text
from rnnplay.core.data.vocab import EOS, UNK, Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.sampling.sampler import Sampler
from rnnplay.core.store.checkpoint import load_checkpoint, save_checkpoint
from rnnplay.core.train.optim import OPTIMIZERS
from tests.reliability.helpers import property_settings

# Any character a str can hold in a UTF-8 file: no surrogates (they cannot be encoded).
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
WHITESPACE = st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u00a0", "\u2028"])


def word_normalized(text: str, known: set[str] | None = None) -> str:
    """The word-level reading of ``text`` written back (see the module docstring)."""
    lines = []
    for line in text.split("\n"):
        words = re.findall(r"\S+", line)
        if known is not None:
            words = [w if w in known else UNK for w in words]
        lines.append(" ".join(words))
    return "\n".join(lines)


# -- tokenizers ----------------------------------------------------------------------------
@property_settings()
@given(text=st.text(ANY_CHAR, min_size=1, max_size=300))
def test_char_level_round_trips_any_text(text: str) -> None:
    vocab = Vocabulary.from_json(Vocabulary.build(text, "char").to_json())
    ids = vocab.encode(text)
    assert ids.dtype == np.int32 and len(ids) == len(text)
    assert vocab.decode(ids) == text
    assert "".join(vocab.token_text(i) for i in ids) == text


@property_settings()
@given(data=st.data(), base=st.text(ANY_CHAR, min_size=1, max_size=80))
def test_char_level_round_trips_any_text_over_its_vocabulary(data, base: str) -> None:
    vocab = Vocabulary.build(base, "char")
    text = data.draw(st.text(st.sampled_from(sorted(set(base))), max_size=200))
    assert vocab.decode(vocab.encode(text)) == text


WORDISH = st.text(st.one_of(ANY_CHAR, WHITESPACE), max_size=200).filter(
    lambda t: EOS not in re.findall(r"\S+", t) and UNK not in re.findall(r"\S+", t)
)


@property_settings()
@given(text=WORDISH)
def test_word_level_round_trips_modulo_whitespace(text: str) -> None:
    vocab = Vocabulary.build(text, "word")
    ids = vocab.encode(text)
    decoded = vocab.decode(ids)
    assert decoded == word_normalized(text)
    assert decoded.count("\n") == text.count("\n")
    np.testing.assert_array_equal(vocab.encode(decoded), ids)


@property_settings()
@given(text=WORDISH, cap=st.integers(2, 6))
def test_word_level_with_a_capped_vocabulary_maps_the_rest_to_unk(text: str, cap: int) -> None:
    vocab = Vocabulary.build(text, "word", max_vocab=cap)
    assert len(vocab) <= cap
    known = set(vocab.tokens) - {EOS, UNK}
    assert vocab.decode(vocab.encode(text)) == word_normalized(text, known)


@property_settings()
@given(
    text=st.text(st.one_of(ANY_CHAR.filter(lambda c: c != "\x00"), WHITESPACE), max_size=200),
    bom=st.booleans(),
)
def test_reading_a_corpus_normalizes_newlines_and_nothing_else(text: str, bom: bool) -> None:
    # A BOM is dropped whether we wrote it or the text began with one.
    content = text[1:] if not bom and text.startswith("\ufeff") else text
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.txt"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        if not content.strip():
            with pytest.raises(CorpusError, match=r"empty|blank"):
                read_text(str(path))
            return
        read = read_text(str(path))
    assert read == content.replace("\r\n", "\n").replace("\r", "\n")


# -- batching ------------------------------------------------------------------------------
SIZES = st.tuples(st.integers(2, 400), st.integers(1, 8), st.integers(1, 16)).filter(
    lambda s: s[0] >= s[1] * s[2] + 1
)


@property_settings()
@given(sizes=SIZES, seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(sorted(BATCHERS)))
def test_batches_stay_inside_the_corpus_and_cover_every_token(sizes, seed: int, kind: str) -> None:
    n, batch, bptt = sizes
    ids = np.arange(n, dtype=np.int32)  # a token's id is its position: reads are visible
    batcher = BATCHERS[kind](ids, batch, bptt, seed=seed)
    if kind == "streams":
        batches = batcher.steps_per_epoch
    else:  # enough windows that missing any token has probability below e^-40
        batches = -(-40 * (n - bptt) // batch)
    inputs, targets = set(), set()
    for _ in range(batches):
        xs, ts = batcher.next_batch()
        assert xs.shape == ts.shape == (batch, bptt)
        assert xs.min() >= 0 and ts.max() <= n - 1
        np.testing.assert_array_equal(ts, xs + 1)  # the next token, never a wrapped one
        inputs.update(xs.ravel().tolist())
        targets.update(ts.ravel().tolist())
    if kind == "streams":
        assert inputs == set(range(n - 1)) and targets == set(range(1, n))
    else:
        assert inputs | targets == set(range(n))


# -- sampling ------------------------------------------------------------------------------
@property_settings(scale=0.6)
@given(
    vocab_size=st.integers(1, 30),
    level=st.sampled_from(["char", "word"]),
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    layers=st.integers(1, 2),
    scale=st.sampled_from([0.1, 1.0, 30.0]),
    temperature=st.one_of(
        st.floats(1e-3, 1e3), st.sampled_from([1e-8, 1e-300, 1e8, 5e-324, 1.7e308])
    ),
    top_k=st.one_of(st.none(), st.integers(1, 40)),
    top_p=st.one_of(st.none(), st.floats(1e-9, 1.0)),
    greedy=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_sampled_tokens_are_always_in_the_vocabulary(
    vocab_size, level, cell, layers, scale, temperature, top_k, top_p, greedy, seed
) -> None:
    if level == "char":
        vocab = Vocabulary(
            [chr(0x61 + i) if i < 26 else chr(0x3B1 + i) for i in range(vocab_size)], "char"
        )
    else:
        vocab = Vocabulary([EOS, UNK, *(f"w{i}" for i in range(vocab_size))], "word")
    V = len(vocab)
    model = RNNLM(V, 6, 5, cell=cell, layers=layers, seed=seed % 1000)
    for p in model.params:
        p *= scale
    sampler = Sampler(
        model, vocab, temperature=temperature, top_k=top_k, top_p=top_p, greedy=greedy, seed=seed
    )
    prime = vocab.decode([seed % V, (seed // 7) % V]) if level == "char" else ""
    sampler.start(prime)
    for _ in range(15):
        probs = sampler.distribution()
        assert np.isfinite(probs).all() and probs.min() >= 0
        assert probs.sum() == pytest.approx(1.0)
        step = sampler.step()
        assert 0 <= step.token_id < V and probs[step.token_id] > 0
        assert step.text == vocab.token_text(step.token_id)
        assert np.all(np.diff(step.top_probs) <= 0) and len(step.top_ids) >= 1
        assert step.hidden.shape == (5,) and np.isfinite(step.hidden).all()


# -- checkpoints ---------------------------------------------------------------------------
@property_settings(scale=0.5)
@given(
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    layers=st.integers(1, 3),
    size=st.integers(1, 9),
    tie=st.booleans(),
    dtype=st.sampled_from(["float32", "float64"]),
    optimizer=st.sampled_from(sorted(OPTIMIZERS)),
    level=st.sampled_from(["char", "word"]),
    text=st.text(ANY_CHAR, min_size=2, max_size=60).filter(lambda t: t.split()),
    seed=st.integers(0, 10_000),
    meta=st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=False), st.text(max_size=8)),
        max_size=4,
    ),
)
def test_save_then_load_is_the_identity(
    cell, layers, size, tie, dtype, optimizer, level, text, seed, meta
) -> None:
    vocab = Vocabulary.build(text, level)
    model = RNNLM(
        len(vocab),
        size,
        size,
        cell=cell,
        layers=layers,
        tie=tie,
        seed=seed,
        dtype=dtype,
    )
    opt = OPTIMIZERS[optimizer](lr=0.01)
    rng = np.random.default_rng(seed)
    xs = rng.integers(0, len(vocab), size=(2, 3))
    for _ in range(2):  # real updates: optimizer state and a carried state exist
        model.forward(xs, np.roll(xs, -1, axis=1))
        model.backward()
        opt.update(model.params, model.grads)
    extra = {"state.0.h": rng.normal(size=(2, size)).astype(dtype), "step": np.array(7)}
    with tempfile.TemporaryDirectory() as folder:
        path = save_checkpoint(
            Path(folder) / "c.npz", model=model, vocab=vocab, optimizer=opt, meta=meta, arrays=extra
        )
        loaded = load_checkpoint(path)
    assert loaded.vocab == vocab and loaded.meta == meta
    assert loaded.model.config == model.config
    for mine, theirs in zip(loaded.model.params, model.params, strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)
    assert type(loaded.optimizer) is type(opt) and loaded.optimizer.lr == opt.lr
    theirs_state = opt.state_dict()
    assert loaded.optimizer.state_dict().keys() == theirs_state.keys()
    for key, value in loaded.optimizer.state_dict().items():
        np.testing.assert_array_equal(value, theirs_state[key])
    assert loaded.arrays.keys() == extra.keys()
    for key, value in extra.items():
        assert loaded.arrays[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded.arrays[key], value)
    # The same next step from either copy: nothing hidden was lost.
    model.reset_state()
    loaded.model.reset_state()
    assert loaded.model.forward(xs, xs) == model.forward(xs, xs)
