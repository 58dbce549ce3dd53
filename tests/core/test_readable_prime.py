"""readable_prime: what of a prime a vocabulary reads (issue 24, item 3)."""

from __future__ import annotations

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.sampling.prime import readable_prime


def test_char_level_drops_only_the_unknown_characters():
    vocab = Vocabulary(list("abc "), "char")
    prime = readable_prime(vocab, "ab@c é")
    assert prime.text == "abc "
    assert prime.missing == ("@", "é")


def test_a_readable_prime_is_kept_whole():
    vocab = Vocabulary(list("abc "), "char")
    assert readable_prime(vocab, "cab a") == readable_prime(vocab, "cab a")
    assert readable_prime(vocab, "cab a").complete


def test_word_level_reads_every_word():
    vocab = Vocabulary(["the", "cat", "<eos>", "<unk>"], "word")
    assert readable_prime(vocab, "the dog").complete
