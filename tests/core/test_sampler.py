"""Sampler: prime handling, sampling options, reproducibility, and leaving training alone."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.sampling.sampler import Sampler

TEXT = "the quick brown fox jumps over the lazy dog\nshe sells sea shells\n"


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.asarray(x, dtype=np.float64)
    z = np.exp(z - z.max())
    return z / z.sum()


def char_vocab() -> Vocabulary:
    return Vocabulary.build(TEXT, "char")


def peaked_model(vocab_size: int, cell: str = "lstm", **kwargs) -> RNNLM:
    """A random model with confident (far from uniform) predictions."""
    model = RNNLM(vocab_size, 8, 16, cell=cell, seed=3, **kwargs)
    model.params[0] *= 100  # embeddings ~ N(0, 1): the state depends on the input
    model.params[-1][...] = np.random.default_rng(4).normal(0, 1, vocab_size)
    model.output.params[0] *= 8
    return model


def replay_logits(model: RNNLM, prime_ids: np.ndarray, tokens: list[int]) -> list[np.ndarray]:
    """The model's own scores before each generated token, feeding everything once."""
    model.reset_state()
    model.eval()
    logits = [model.predict(prime_ids.reshape(1, -1))[0, -1]]
    for token in tokens[:-1]:
        logits.append(model.predict(np.array([[token]]))[0, -1])
    return logits


def test_seeded_sampling_repeats_across_instances() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    a = Sampler(model, vocab, seed=11)
    b = Sampler(model, vocab, seed=11)
    c = Sampler(model, vocab, seed=12)
    steps_a = list((a.start("the "), *a.steps(60))[1:])
    steps_b = list((b.start("the "), *b.steps(60))[1:])
    assert [s.token_id for s in steps_a] == [s.token_id for s in steps_b]
    assert [s.prob for s in steps_a] == [s.prob for s in steps_b]
    for x, y in zip(steps_a, steps_b, strict=True):
        np.testing.assert_array_equal(x.hidden, y.hidden)
        np.testing.assert_array_equal(x.top_ids, y.top_ids)
    assert a.generate("sea", 40) == b.generate("sea", 40)
    assert c.generate("sea", 40) != Sampler(model, vocab, seed=11).generate("sea", 40)


@pytest.mark.parametrize(
    ("cell", "kwargs"),
    [
        ("rnn", {}),
        ("lstm", {}),
        ("gru", {}),
        ("lstm", {"layers": 2}),
        ("gru", {"layers": 2, "tie": True}),
    ],
)
def test_greedy_follows_the_argmax_of_predict(cell: str, kwargs: dict) -> None:
    vocab = char_vocab()
    model = RNNLM(len(vocab), 16, 16, cell=cell, seed=5, **kwargs)
    model.params[-1][...] = np.random.default_rng(6).normal(0, 2, len(vocab))
    sampler = Sampler(model, vocab, greedy=True, seed=0)
    sampler.start("she ")
    steps = list(sampler.steps(30))
    prime = vocab.encode("she ")
    model.reset_state()
    model.eval()
    logits = model.predict(prime.reshape(1, -1))[0, -1]
    for step in steps:
        assert step.token_id == int(np.argmax(logits))
        assert step.prob == pytest.approx(softmax(logits)[step.token_id], rel=1e-5)
        logits = model.predict(np.array([[step.token_id]]))[0, -1]
        np.testing.assert_allclose(step.hidden, model.recurrent[-1].h[0], rtol=1e-5, atol=1e-6)
        assert step.hidden.dtype == np.float32
        assert step.hidden.shape == (16,)


def test_prime_is_fed_exactly_once() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab), layers=2)
    prime = "the lazy"
    ids = vocab.encode(prime)
    sampler = Sampler(model, vocab, seed=0)
    sampler.start(prime)

    model.reset_state()
    model.eval()
    logits = model.predict(ids.reshape(1, -1))[0, -1]
    expected = model.get_state()
    got = sampler.state()
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mine["h"], theirs["h"])
        np.testing.assert_array_equal(mine["c"], theirs["c"])
    np.testing.assert_allclose(sampler.distribution(), softmax(logits), rtol=1e-6, atol=1e-12)

    # Feeding the last prime token a second time (the book's skip_ids) gives another state.
    model.predict(ids[-1:].reshape(1, 1))
    assert not np.array_equal(model.get_state()[-1]["h"], got[-1]["h"])


def test_empty_prime_starts_from_zero_state_with_a_start_token() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, seed=0)
    assert vocab.tokens[sampler.start_token()] == "\n"
    sampler.start("")
    model.reset_state()
    model.eval()
    logits = model.predict(np.array([[vocab.index["\n"]]]))[0, -1]
    np.testing.assert_allclose(sampler.distribution(), softmax(logits), rtol=1e-6, atol=1e-12)
    assert (
        Sampler(model, vocab, seed=5).generate("", 12)
        == Sampler(model, vocab, seed=5).generate("\n", 12)[1:]
    )

    no_newline = Vocabulary.build("abc d", "char")
    assert no_newline.tokens[Sampler(RNNLM(5, 4, 4, seed=0), no_newline).start_token()] == " "
    bare = Vocabulary.build("xyz", "char")
    assert Sampler(RNNLM(3, 4, 4, seed=0), bare).start_token() == 0

    words = Vocabulary.build(TEXT, "word")
    word_sampler = Sampler(RNNLM(len(words), 4, 4, seed=0), words)
    assert word_sampler.start_token() == words.eos_id


def test_top_k_only_picks_among_the_k_most_likely() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, temperature=3.0, top_k=3, seed=1)
    sampler.start("a")
    steps = list(sampler.steps(300))
    tokens = [s.token_id for s in steps]
    for step, logits in zip(steps, replay_logits(model, vocab.encode("a"), tokens), strict=True):
        best3 = set(np.argsort(-logits)[:3].tolist())
        assert step.token_id in best3
        assert set(step.top_ids.tolist()) <= best3
        assert step.top_probs.sum() == pytest.approx(1.0)
    # The k most likely tokens change with the context, so the check covers many sets.
    assert len(set(tokens)) > 3


def test_top_k_larger_than_the_vocabulary_is_clamped() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    clamped = Sampler(model, vocab, top_k=10 * len(vocab), seed=2).generate("th", 50)
    plain = Sampler(model, vocab, seed=2).generate("th", 50)
    assert clamped == plain


def nucleus(probs: np.ndarray, p: float) -> set[int]:
    order = np.argsort(-probs)
    cumulative = np.cumsum(probs[order])
    size = int(np.argmax(cumulative >= p - 1e-12)) + 1
    return set(order[:size].tolist())


def test_top_p_only_picks_from_the_nucleus() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, temperature=2.0, top_p=0.6, seed=3)
    sampler.start("s")
    steps = list(sampler.steps(300))
    tokens = [s.token_id for s in steps]
    sizes = []
    for step, logits in zip(steps, replay_logits(model, vocab.encode("s"), tokens), strict=True):
        allowed = nucleus(softmax(logits / 2.0), 0.6)
        sizes.append(len(allowed))
        assert step.token_id in allowed
        assert set(step.top_ids.tolist()) <= allowed
    assert max(sizes) > 1, "the test should exercise nuclei with several tokens"
    # A tiny nucleus is the single most likely token: the same text as greedy.
    tiny = Sampler(model, vocab, top_p=1e-9, seed=4).generate("s", 40)
    assert tiny == Sampler(model, vocab, greedy=True).generate("s", 40)


def test_lower_temperature_concentrates_the_distribution() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, seed=0)
    sampler.start("the")
    entropies = []
    for temperature in (4.0, 2.0, 1.0, 0.5, 0.1):
        sampler.temperature = temperature
        p = sampler.distribution()
        entropies.append(-(p[p > 0] * np.log(p[p > 0])).sum())
    assert all(a > b for a, b in itertools.pairwise(entropies))
    sampler.temperature = 0.01
    assert sampler.distribution().max() > 0.999
    cold = Sampler(model, vocab, temperature=1e-3, seed=9).generate("the", 40)
    assert cold == Sampler(model, vocab, greedy=True).generate("the", 40)


def test_settings_can_change_between_steps() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, seed=0)
    sampler.start("the")
    sampler.step()
    sampler.greedy = True
    probs = sampler.distribution()
    assert sampler.step().token_id == int(np.argmax(probs))
    sampler.greedy = False
    sampler.top_k = 1
    probs = sampler.distribution()
    assert np.count_nonzero(probs) == 1
    assert sampler.step().prob == 1.0


def test_greedy_reports_the_probability_of_its_choice() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, greedy=True, show_top=5)
    sampler.start("the")
    probs = sampler.distribution()
    step = sampler.step()
    assert step.prob == pytest.approx(probs.max())
    assert step.prob < 1.0
    assert len(step.top_ids) == 5
    assert step.top_ids[0] == step.token_id
    assert np.all(np.diff(step.top_probs) <= 0)
    assert step.text == vocab.token_text(step.token_id)


def test_sampler_sees_weight_updates_made_in_place() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, greedy=True)
    sampler.start("the")
    target = vocab.index["z"]
    assert sampler.step().token_id != target
    model.params[-1][target] += 1000.0  # what an optimizer step does: update in place
    # The pending scores were computed before the update; the next ones see it.
    sampler.step()
    assert sampler.step().token_id == target


def test_sampling_leaves_training_untouched() -> None:
    vocab = char_vocab()
    model = RNNLM(len(vocab), 8, 16, cell="lstm", layers=2, dropout=0.3, seed=7)
    ids = vocab.encode(TEXT)
    xs, ts = ids[:20].reshape(2, 10), ids[1:21].reshape(2, 10)
    model.train()
    model.forward(xs, ts)
    model.backward()
    state = model.get_state()
    rng_state = model.rng.bit_generator.state
    params = [p.copy() for p in model.params]
    grads = [g.copy() for g in model.grads]
    hidden = [h.copy() for h in model.hidden_states]

    # Interleave sampling between a forward and its backward: the gradients must not notice.
    reference = RNNLM(len(vocab), 8, 16, cell="lstm", layers=2, dropout=0.3, seed=7)
    reference.forward(xs, ts)
    reference.backward()
    np.testing.assert_array_equal(reference.get_state()[1]["c"], state[1]["c"])
    reference_loss = reference.forward(xs, ts)
    reference.backward()

    loss = model.forward(xs, ts)
    sampler = Sampler(model, vocab, seed=0, top_k=5)
    sampler.generate("the", 25)
    list(sampler.steps(5))
    np.testing.assert_array_equal(model.hidden_states[1], reference.hidden_states[1])
    model.backward()

    assert loss == reference_loss
    assert model.training
    assert all(d.train_flg for d in model.dropouts)
    for p, saved in zip(model.params, params, strict=True):
        np.testing.assert_array_equal(p, saved)
    for g, want, before in zip(model.grads, reference.grads, grads, strict=True):
        np.testing.assert_array_equal(g, want)
        assert g.shape == before.shape
    # The carried state and the dropout RNG moved exactly as training alone moves them.
    for mine, theirs in zip(model.get_state(), reference.get_state(), strict=True):
        np.testing.assert_array_equal(mine["h"], theirs["h"])
        np.testing.assert_array_equal(mine["c"], theirs["c"])
    assert model.rng.bit_generator.state == reference.rng.bit_generator.state
    assert model.rng.bit_generator.state != rng_state
    assert not np.array_equal(model.hidden_states[0], hidden[0])


def test_sampling_keeps_eval_mode_and_state_of_an_idle_model() -> None:
    vocab = char_vocab()
    model = RNNLM(len(vocab), 8, 16, cell="gru", dropout=0.5, seed=1)
    model.eval()
    model.predict(vocab.encode("sea").reshape(1, -1))
    state = model.get_state()
    rng_state = model.rng.bit_generator.state
    Sampler(model, vocab, seed=0).generate("she", 30)
    assert not model.training
    assert not any(d.train_flg for d in model.dropouts)
    np.testing.assert_array_equal(model.get_state()[0]["h"], state[0]["h"])
    assert model.rng.bit_generator.state == rng_state


def test_generate_joins_prime_and_generated_text() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    sampler = Sampler(model, vocab, seed=0)
    assert sampler.generate("fox", 0) == "fox"
    text = sampler.generate("fox", 30)
    assert text.startswith("fox")
    assert len(text) == 33
    assert set(text) <= set(vocab.tokens)

    words = Vocabulary.build(TEXT, "word")
    word_sampler = Sampler(peaked_model(len(words)), words, seed=0)
    out = word_sampler.generate("the fox", 5)
    assert out.startswith("the fox ") or out.startswith("the fox\n")
    generated = out[len("the fox") :].split()
    assert all(w in words.index for w in generated)


def test_word_level_prime_maps_unseen_words_to_unk() -> None:
    words = Vocabulary.build(TEXT, "word")
    model = peaked_model(len(words))
    sampler = Sampler(model, words, seed=0)
    sampler.start("the zebra")
    model.reset_state()
    model.eval()
    logits = model.predict(np.array([[words.index["the"], words.unk_id]]))[0, -1]
    np.testing.assert_allclose(sampler.distribution(), softmax(logits), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("temperature", 0.0, "temperature"),
        ("temperature", -1.0, "temperature"),
        ("temperature", math.nan, "temperature"),
        ("temperature", math.inf, "temperature"),
        ("top_k", 0, "top-k"),
        ("top_k", -3, "top-k"),
        ("top_k", 2.5, "top-k"),
        ("top_p", 0.0, "top-p"),
        ("top_p", 1.5, "top-p"),
        ("top_p", math.nan, "top-p"),
    ],
)
def test_invalid_settings_are_refused(setting: str, value: float, message: str) -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    with pytest.raises(ValueError, match=message) as info:
        Sampler(model, vocab, **{setting: value})
    assert "\n" not in str(info.value)
    sampler = Sampler(model, vocab)
    with pytest.raises(ValueError, match=message):
        setattr(sampler, setting, value)


def test_prime_with_unknown_characters_names_them() -> None:
    vocab = char_vocab()
    sampler = Sampler(peaked_model(len(vocab)), vocab)
    with pytest.raises(ValueError, match=r"lacks: 'Q', 'X'") as info:
        sampler.start("the QXQ")
    assert "\n" not in str(info.value)
    # Even a char vocabulary with <unk> refuses: the user typed something the model never saw.
    with_unk = vocab.with_unknown()
    with pytest.raises(ValueError, match="'Q'"):
        Sampler(peaked_model(len(with_unk)), with_unk).generate("Q", 3)


def test_other_bad_arguments_are_refused() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    with pytest.raises(ValueError, match="vocabulary has"):
        Sampler(RNNLM(len(vocab) + 1, 4, 4, seed=0), vocab)
    sampler = Sampler(model, vocab)
    with pytest.raises(ValueError, match="length"):
        sampler.generate("the", -1)
    with pytest.raises(ValueError, match="number of tokens"):
        sampler.steps(-2)
    with pytest.raises(ValueError, match="show_top"):
        Sampler(model, vocab, show_top=0)


def test_diverged_model_is_reported() -> None:
    vocab = char_vocab()
    model = peaked_model(len(vocab))
    model.params[-1][0] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        Sampler(model, vocab).generate("the", 3)


@settings(max_examples=40, deadline=None)
@given(
    temperature=st.floats(min_value=1e-3, max_value=50.0),
    top_k=st.one_of(st.none(), st.integers(min_value=1, max_value=200)),
    top_p=st.one_of(st.none(), st.floats(min_value=1e-6, max_value=1.0)),
    greedy=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_generated_ids_are_always_in_the_vocabulary(
    temperature: float, top_k: int | None, top_p: float | None, greedy: bool, seed: int
) -> None:
    vocab = char_vocab()
    model = MODEL_FOR_PROPERTIES
    sampler = Sampler(
        model, vocab, temperature=temperature, top_k=top_k, top_p=top_p, greedy=greedy, seed=seed
    )
    sampler.start("the")
    for _ in range(20):
        probs = sampler.distribution()
        step = sampler.step()
        assert 0 <= step.token_id < len(vocab)
        assert probs[step.token_id] > 0
        assert step.prob == probs[step.token_id]
        assert 0 < len(step.top_ids) <= 10


MODEL_FOR_PROPERTIES = peaked_model(len(char_vocab()))
