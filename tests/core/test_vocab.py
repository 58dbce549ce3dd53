"""Vocabulary: tokenization, ids, <eos>/<unk>, max_vocab and the JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnplay.core.data.vocab import EOS, UNK, Vocabulary, tokenize


def test_char_vocab_has_every_character_sorted_and_no_unk():
    vocab = Vocabulary.build("hello, wörld\n", "char")
    assert vocab.tokens == sorted(set("hello, wörld\n"))
    assert vocab.unk_id is None and vocab.eos_id is None
    assert len(vocab) == len(set("hello, wörld\n"))


def test_char_encode_decode_round_trip_is_exact():
    text = "To be, or not to be:\n\tthat is the quéstion ✓\n"
    vocab = Vocabulary.build(text, "char")
    ids = vocab.encode(text)
    assert ids.dtype == np.int32 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text
    assert "".join(vocab.token_text(i) for i in ids) == text


def test_char_encode_without_unk_names_the_unseen_characters():
    vocab = Vocabulary.build("abc", "char")
    assert vocab.unknown("abxzx") == ["x", "z"]
    with pytest.raises(ValueError, match="'x', 'z'"):
        vocab.encode("abxz")


def test_char_with_unknown_keeps_ids_and_maps_unseen_to_unk():
    vocab = Vocabulary.build("abc", "char")
    grown = vocab.with_unknown()
    assert grown.tokens[:3] == vocab.tokens and grown.tokens[3] == UNK
    assert grown.unk_id == 3
    assert grown.encode("axb").tolist() == [0, 3, 1]
    assert grown.with_unknown() is grown


def test_word_tokenize_turns_each_newline_into_eos():
    tokens = tokenize("the cat\n\nsat  down\n", "word")
    assert tokens == ["the", "cat", EOS, EOS, "sat", "down", EOS]
    assert tokenize("no newline", "word") == ["no", "newline"]


def test_word_vocab_layout_and_round_trip():
    text = "the cat sat\nthe dog sat\nthe end\n"
    vocab = Vocabulary.build(text, "word")
    assert vocab.tokens[:2] == [EOS, UNK]
    assert (vocab.eos_id, vocab.unk_id) == (0, 1)
    # most frequent first, ties by first appearance
    assert vocab.tokens[2:] == ["the", "sat", "cat", "dog", "end"]
    ids = vocab.encode(text)
    assert ids.tolist().count(vocab.eos_id) == 3
    assert vocab.decode(ids) == text
    streamed = "".join(vocab.token_text(i) for i in vocab.encode("the cat\nsat"))
    assert streamed == "the cat \nsat "


def test_word_unseen_words_map_to_unk_and_are_listed():
    vocab = Vocabulary.build("a b c\n", "word")
    assert vocab.encode("a zebra c").tolist() == [vocab.index["a"], vocab.unk_id, vocab.index["c"]]
    assert vocab.unknown("a zebra yak zebra") == ["zebra", "yak"]


def test_literal_unk_and_eos_in_text_are_the_special_tokens():
    vocab = Vocabulary.build("a <unk> b <eos> a\n", "word")
    assert vocab.tokens.count(UNK) == 1 and vocab.tokens.count(EOS) == 1
    assert vocab.encode("<unk> <eos>").tolist() == [vocab.unk_id, vocab.eos_id]


def test_max_vocab_keeps_most_frequent_words_and_eos():
    text = "a a a a b b b c c d\ne\n"
    vocab = Vocabulary.build(text, "word", max_vocab=4)
    assert len(vocab) == 4
    assert vocab.tokens == [EOS, UNK, "a", "b"]
    assert vocab.decode(vocab.encode("a c d b")) == "a <unk> <unk> b"
    assert len(Vocabulary.build(text, "word", max_vocab=100)) == 2 + 5


def test_max_vocab_ties_are_broken_by_first_appearance():
    vocab = Vocabulary.build("z y x w z y x w", "word", max_vocab=4)
    assert vocab.tokens[2:] == ["z", "y"]


def test_char_max_vocab_adds_unk_only_when_it_drops_characters():
    assert Vocabulary.build("aaabbc", "char", max_vocab=3).unk_id is None
    capped = Vocabulary.build("aaabbc", "char", max_vocab=3 - 1)
    assert capped.tokens == ["a", UNK]
    assert capped.encode("abc").tolist() == [0, 1, 1]


@pytest.mark.parametrize("bad", [0, 1, -5, True])
def test_max_vocab_below_two_is_refused(bad):
    with pytest.raises(ValueError, match="max_vocab"):
        Vocabulary.build("a b", "word", max_vocab=bad)


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        Vocabulary.build("abc", "byte")


@pytest.mark.parametrize(
    "text, level, max_vocab",
    [("héllo\nworld ✓", "char", None), ("a b c a\nb\n", "word", None), ("a b c a\n", "word", 3)],
)
def test_json_round_trip_gives_an_equal_vocabulary(text, level, max_vocab):
    vocab = Vocabulary.build(text, level, max_vocab)
    if level == "char":
        vocab = vocab.with_unknown()
    restored = Vocabulary.from_json(json.loads(json.dumps(vocab.to_json())))
    assert restored == vocab
    assert (restored.unk_id, restored.eos_id, restored.index) == (
        vocab.unk_id,
        vocab.eos_id,
        vocab.index,
    )
    assert restored.encode(text).tolist() == vocab.encode(text).tolist()


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"level": "char"},
        {"level": "char", "tokens": "abc"},
        {"level": "char", "tokens": ["a", "a"]},
        {"level": "char", "tokens": ["ab"]},
        {"level": "char", "tokens": []},
        {"level": "word", "tokens": ["a", "b"]},
        {"level": "pixel", "tokens": ["a"]},
        {"level": "char", "tokens": ["a"], "extra": 1},
    ],
)
def test_from_json_refuses_malformed_data(data):
    with pytest.raises(ValueError):
        Vocabulary.from_json(data)


def test_difference_names_how_two_vocabularies_differ() -> None:
    chars = Vocabulary(list("abc"), "char")
    assert chars.difference(Vocabulary(list("abc"), "char")) == ""
    assert chars.difference(Vocabulary(list("abd"), "char"), ("model", "corpus")) == (
        "token 2 is 'c' in the model, 'd' in the corpus"
    )
    words = Vocabulary(["<eos>", "<unk>"], "word")
    assert chars.difference(words) == "this: 3 char-level tokens, that: 2 word-level tokens"
