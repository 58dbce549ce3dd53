"""Corpora: the built-in texts, reading user text safely, and the train/valid split.

A corpus is named either by a built-in name (``sonnets``, ``shakespeare``,
``toy``) or by the path of a UTF-8 text file. Every problem with the text
(missing, a directory, unreadable, empty, binary, not UTF-8, too short to
split) raises :class:`CorpusError` with one line that names the file, so the
CLI and the TUI can show it as it is.

The built-ins live in the repository's ``corpora/`` folder, which a wheel
carries as ``rnnplay/corpora``; both places are searched.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnplay.core.data.vocab import LEVELS, Vocabulary, tokenize
from rnnplay.core.limits import MAX_CORPUS_BYTES
from rnnplay.errors import CorpusError


@dataclass(frozen=True)
class Builtin:
    """A corpus shipped with rnnplay."""

    name: str
    filename: str
    description: str
    level: str  # the level it is meant for by default: "char" or "word"

    @property
    def path(self) -> Path:
        """Where this installation keeps the file; CorpusError if it is missing."""
        for folder in _BUILTIN_DIRS:
            candidate = folder / self.filename
            if candidate.is_file():
                return candidate
        looked = ", ".join(str(folder) for folder in _BUILTIN_DIRS)
        raise CorpusError(
            f"built-in corpus '{self.name}' is missing from this installation (looked in {looked})"
        )


@dataclass(frozen=True)
class BuiltinInfo:
    """What ``rnnplay corpora`` shows about one built-in."""

    name: str
    description: str
    size_bytes: int
    level: str
    path: Path


# A wheel installs the corpora inside the package; an editable install finds
# them at the repository root. The package folder comes first so that an
# unrelated "corpora" folder next to site-packages is never picked up.
_BUILTIN_DIRS = (
    Path(__file__).resolve().parents[2] / "corpora",
    Path(__file__).resolve().parents[3] / "corpora",
)

BUILTIN_CORPORA: dict[str, Builtin] = {
    builtin.name: builtin
    for builtin in (
        Builtin(
            "sonnets",
            "sonnets.txt",
            "Shakespeare's 154 sonnets: small, trains fast, the default",
            "char",
        ),
        Builtin(
            "shakespeare",
            "shakespeare.txt",
            "eight well-known Shakespeare plays, Hamlet to Twelfth Night",
            "char",
        ),
        Builtin(
            "toy",
            "toy.txt",
            "600 simple English sentences about a tiny world, for word-level models",
            "word",
        ),
    )
}
DEFAULT_CORPUS = "sonnets"


def list_builtins() -> list[BuiltinInfo]:
    """The built-in corpora with their description, size and default level."""
    infos = []
    for builtin in BUILTIN_CORPORA.values():
        path = builtin.path
        infos.append(
            BuiltinInfo(
                name=builtin.name,
                description=builtin.description,
                size_bytes=path.stat().st_size,
                level=builtin.level,
                path=path,
            )
        )
    return infos


def resolve_corpus(name_or_path: str | os.PathLike[str]) -> Path:
    """The file of a built-in name or an existing path; CorpusError otherwise.

    A built-in name wins over a file of the same name in the current
    folder (write ``./sonnets`` to mean the file).
    """
    text = os.fspath(name_or_path)
    if isinstance(name_or_path, str) and text in BUILTIN_CORPORA:
        return BUILTIN_CORPORA[text].path
    path = Path(text).expanduser()
    if path.exists():
        return path
    if _looks_like_name(text):
        names = ", ".join(BUILTIN_CORPORA)
        raise CorpusError(f"unknown corpus '{text}': not a built-in ({names}) and no such file")
    raise CorpusError(f"corpus file '{text}' does not exist")


def default_level(name_or_path: str | os.PathLike[str]) -> str:
    """The level a corpus is meant for: the built-in's own, else "char"."""
    builtin = BUILTIN_CORPORA.get(os.fspath(name_or_path))
    return builtin.level if builtin is not None else "char"


def _looks_like_name(text: str) -> bool:
    return not any(sep in text for sep in ("/", os.sep, ".")) and bool(text)


def read_text(name_or_path: str | os.PathLike[str]) -> str:
    """The validated text of a corpus, line endings normalized to ``\\n``.

    A UTF-8 byte order mark is dropped. CorpusError for a missing path, a
    directory, an unreadable file, binary data (NUL bytes), invalid UTF-8,
    or a file with no visible text.
    """
    path = resolve_corpus(name_or_path)
    data = read_regular_file(path)
    if b"\x00" in data:
        raise CorpusError(f"corpus '{path}' looks binary (it contains NUL bytes); need UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = data[error.start]
        raise CorpusError(
            f"corpus '{path}' is not UTF-8 text (byte 0x{bad:02x} at offset {error.start})"
        ) from None
    if not text.strip():
        kind = "empty" if not text else "blank (only whitespace)"
        raise CorpusError(f"corpus '{path}' is {kind}")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_unless_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise CorpusError(
        f"corpus '{path}' is {kind}, not a text file: corpora are read from regular files"
    )


def _too_big(path: Path, size: int | str) -> CorpusError:
    limit = MAX_CORPUS_BYTES // 1024**2
    shown = f"{size / 1024**2:.0f} MiB" if isinstance(size, int) else size
    return CorpusError(
        f"corpus '{path}' is {shown}, more than the {limit} MiB rnnplay reads; "
        f"train on a part of it (e.g. head -c {limit}M)"
    )


def read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``: only a regular file, at most ``MAX_CORPUS_BYTES``.

    Devices, FIFOs and sockets are refused from ``stat`` before they are
    opened, and again from ``fstat`` after an ``O_NONBLOCK`` open (the file
    could have been swapped in between; a FIFO opened that way never waits
    for a writer). The read stops one byte past the limit, so a file that
    grows (or lies about its size) cannot make it read without end.
    """
    try:
        _refuse_unless_regular(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        reason = error.strerror or str(error)
        raise CorpusError(f"cannot read corpus '{path}': {reason}") from None
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(path, info.st_mode)
        if info.st_size > MAX_CORPUS_BYTES:
            raise _too_big(path, info.st_size)
        chunks, total = [], 0
        while total <= MAX_CORPUS_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_CORPUS_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_CORPUS_BYTES:
            raise _too_big(path, "growing while read")
        return b"".join(chunks)
    except OSError as error:
        reason = error.strerror or str(error)
        raise CorpusError(f"cannot read corpus '{path}': {reason}") from None
    finally:
        os.close(fd)


@dataclass
class Dataset:
    """Token ids of the splits, encoded with the training vocabulary."""

    vocab: Vocabulary
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray | None
    name: str

    @property
    def level(self) -> str:
        return self.vocab.level


def load_dataset(
    corpus: str | os.PathLike[str],
    *,
    level: str | None = None,
    max_vocab: int | None = None,
    valid: str | os.PathLike[str] | None = None,
    test: str | os.PathLike[str] | None = None,
    val_fraction: float = 0.1,
) -> Dataset:
    """Read, tokenize and split a corpus into train/valid(/test) token ids.

    ``level`` None means the corpus's default (:func:`default_level`). The
    validation split is the ``valid`` file if given, else the last
    ``val_fraction`` of the corpus's tokens. The vocabulary comes from the
    training tokens only; held-out tokens it lacks map to ``<unk>`` (a char
    vocabulary gains ``<unk>`` only when held-out text needs it).
    Every problem raises CorpusError.
    """
    level = default_level(corpus) if level is None else level
    if level not in LEVELS:
        raise CorpusError(f"level must be 'char' or 'word', not {level!r}")
    if max_vocab is not None and (isinstance(max_vocab, bool) or max_vocab < 2):
        raise CorpusError(f"max vocabulary size must be at least 2, not {max_vocab}")
    if not 0.0 < val_fraction < 1.0:
        raise CorpusError(f"validation fraction must be between 0 and 1, not {val_fraction}")

    name = os.fspath(corpus)
    tokens = tokenize(read_text(corpus), level)
    if valid is None:
        cut = validation_cut(len(tokens), val_fraction)
        train_tokens, valid_tokens = tokens[:cut], tokens[cut:]
        if len(train_tokens) < 2 or len(valid_tokens) < 2:
            raise CorpusError(
                f"corpus '{name}' is too short to split off {val_fraction:g} for validation"
                f" ({len(tokens)} {level} tokens); give a longer text or --valid PATH"
            )
    else:
        train_tokens = tokens
        valid_tokens = _held_out(valid, level, "validation")
    test_tokens = None if test is None else _held_out(test, level, "test")
    if len(train_tokens) < 2:
        raise CorpusError(f"corpus '{name}' is too short to train on ({len(train_tokens)} tokens)")

    vocab = Vocabulary.from_tokens(train_tokens, level, max_vocab)
    held_out = valid_tokens + (test_tokens or [])
    if vocab.unk_id is None and any(t not in vocab.index for t in held_out):
        vocab = vocab.with_unknown()
    return Dataset(
        vocab=vocab,
        train=vocab.encode_tokens(train_tokens),
        valid=vocab.encode_tokens(valid_tokens),
        test=None if test_tokens is None else vocab.encode_tokens(test_tokens),
        name=name,
    )


def validation_cut(count: int, val_fraction: float) -> int:
    """Where a corpus of ``count`` tokens splits: training before, validation from here
    (the last ``val_fraction`` of the tokens; ``rnnplay eval`` finds the same split)."""
    return count - round(count * val_fraction)


def _held_out(path: str | os.PathLike[str], level: str, role: str) -> list[str]:
    tokens = tokenize(read_text(path), level)
    if len(tokens) < 2:
        raise CorpusError(
            f"{role} file '{os.fspath(path)}' is too short ({len(tokens)} {level} tokens)"
        )
    return tokens
