"""Models travel: an RNNLM to a safetensors file in PyTorch's layout, and back.

:func:`export_model` writes the weights by PyTorch's names
(:mod:`rnnplay.core.store.torch_layout`) with the model config, the
vocabulary and the training corpus in the file's metadata, under
``rnnplay.*`` keys (JSON text: safetensors metadata maps text to text).
:func:`import_model` reads such a file, written by rnnplay or by PyTorch
code following that layout (then the config may be left out: the shapes
say it; the vocabulary comes from the metadata or a file). Every name,
shape, dtype and metadata field is checked, and the metadata must agree
with the tensors; each refusal is one :class:`CheckpointError` line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import rnnplay
from rnnplay.core import limits
from rnnplay.core.data.vocab import UNK, Vocabulary
from rnnplay.core.nn.config import ModelConfig
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.checkpoint_reader import check_finite
from rnnplay.core.store.manifest import MODEL
from rnnplay.core.store.safetensors_io import dump_json, read_tensors, write_tensors
from rnnplay.core.store.schema import SchemaError, Str, Tokens, parse_metadata, shown
from rnnplay.core.store.torch_layout import (
    DECODER_W,
    EMBEDDING,
    check_cell,
    expected_shapes,
    from_torch,
    infer_config,
    to_torch,
)
from rnnplay.errors import CheckpointError, one_line

FORMAT = "rnnplay-torch-layout"
FORMAT_VERSION = 1
KEYS = ("format", "format_version", "version", "model", "vocab", "corpus")
"""The metadata rnnplay writes, each under ``rnnplay.<key>``; other keys (other
tools' own) are left alone, unknown ``rnnplay.*`` keys are refused."""
PREFIX = "rnnplay."
DTYPE_NAMES = {"float32": "F32", "float64": "F64"}


@dataclass
class Imported:
    """What :func:`import_model` returns: the model, its vocabulary, and the corpus the
    file says it was trained on (None when it does not say)."""

    model: RNNLM
    vocab: Vocabulary
    corpus: str | None


# -- export -------------------------------------------------------------------------
def export_model(
    path: str | os.PathLike[str], model: RNNLM, vocab: Vocabulary, corpus: str | None = None
) -> Path:
    """Write ``model`` to ``path`` (atomically) in PyTorch's layout, with its config,
    ``vocab`` and ``corpus`` in the metadata. CheckpointError for the book's GRU
    (no PyTorch form), non-finite weights, or a file that cannot be written."""
    path = Path(path)
    check_cell(model.config.cell)
    if len(vocab) != model.config.vocab_size:
        raise CheckpointError(
            f"cannot export: the vocabulary has {len(vocab)} tokens, the model "
            f"{model.config.vocab_size}"
        )
    tensors = to_torch(model)
    check_finite("cannot export", path, tensors)
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "version": rnnplay.__version__,
        "model": dump_json(model.config.to_json()),
        "vocab": dump_json(vocab.to_json()),
    }
    if corpus:
        metadata["corpus"] = corpus
    return write_tensors(path, tensors, {PREFIX + k: v for k, v in metadata.items()})


# -- import -------------------------------------------------------------------------
def import_model(path: str | os.PathLike[str], vocab: Vocabulary | None = None) -> Imported:
    """The model in the safetensors file at ``path`` (see the module docstring);
    ``vocab`` supplies or must equal the file's vocabulary."""
    where = f"'{path}'"
    loaded = read_tensors(path)
    try:
        return _import(where, Path(path), loaded.tensors, loaded.metadata, vocab)
    except CheckpointError as exc:
        raise CheckpointError(one_line(exc)) from None


def _import(
    where: str,
    path: Path,
    tensors: dict[str, np.ndarray],
    metadata: dict[str, str],
    given_vocab: Vocabulary | None,
) -> Imported:
    ours = _our_metadata(where, metadata)
    stated = _model_config(where, ours["model"]) if "model" in ours else None
    if EMBEDDING not in tensors and DECODER_W in tensors and (stated is None or stated["tie"]):
        # safetensors.torch.save_model keeps one name of tied tensors, maybe this one
        tensors = {**tensors, EMBEDDING: tensors[DECODER_W]}
    shapes = {name: tuple(a.shape) for name, a in tensors.items()}
    dtypes = {a.dtype.name for a in tensors.values()}
    if len(dtypes) > 1:
        raise CheckpointError(f"{where} mixes dtypes {sorted(dtypes)}; save it in one")
    dtype = dtypes.pop() if dtypes else "float32"
    if stated is not None:
        config = stated
    else:
        try:
            inferred = infer_config(shapes, tied=_tied(tensors))
        except CheckpointError as exc:
            raise CheckpointError(f"{where} is not in PyTorch's layout: {exc}") from None
        config = ModelConfig(**inferred, dtype=dtype).to_json()
    try:
        check_cell(config["cell"])
    except CheckpointError as exc:
        raise CheckpointError(f"{where}: {exc}") from None
    if config["tie"] and config["embed"] != config["hidden"]:
        raise CheckpointError(
            f"{where}: tied weights need embed == hidden, got {config['embed']} and "
            f"{config['hidden']} ({DECODER_W} is missing)"
        )
    _check_tensors(where, config, shapes, dtype)
    if config["tie"] and DECODER_W in tensors and not _tied(tensors):
        raise CheckpointError(
            f"{where}: its metadata says the weights are tied but {DECODER_W} differs from "
            f"{EMBEDDING}"
        )
    check_finite("model file", path, tensors)
    vocab = _vocabulary(where, ours.get("vocab"), given_vocab)
    if len(vocab) != config["vocab_size"]:
        raise CheckpointError(
            f"{where}: the vocabulary has {len(vocab)} tokens but {EMBEDDING} has "
            f"{config['vocab_size']} rows"
        )
    corpus = ours.get("corpus")
    return Imported(model=from_torch(tensors, config), vocab=vocab, corpus=corpus)


def _tied(tensors: dict[str, np.ndarray]) -> bool:
    """Whether the decoder is the embedding: left out, or equal to it."""
    if DECODER_W not in tensors:
        return True
    embedding, decoder = tensors.get(EMBEDDING), tensors[DECODER_W]
    return (
        embedding is not None
        and embedding.shape == decoder.shape
        and np.array_equal(embedding, decoder)
    )


def _our_metadata(where: str, metadata: dict[str, str]) -> dict[str, str]:
    """The ``rnnplay.*`` entries, keys without the prefix, format and version checked."""
    ours = {k[len(PREFIX) :]: v for k, v in metadata.items() if k.startswith(PREFIX)}
    unknown = sorted(set(ours) - set(KEYS))
    if unknown:
        names = ", ".join(shown(PREFIX + k, 40) for k in unknown[:5])
        raise CheckpointError(f"{where}: unknown metadata {names}")
    if "format" in ours and ours["format"] != FORMAT:
        raise CheckpointError(
            f"{where}: metadata rnnplay.format is {shown(ours['format'])}, not {FORMAT}"
        )
    version = ours.get("format_version", str(FORMAT_VERSION))
    if not version.isdigit() or not 1 <= int(version) <= 1000:
        raise CheckpointError(
            f"{where}: metadata rnnplay.format_version {shown(version)} is invalid"
        )
    if int(version) > FORMAT_VERSION:
        raise CheckpointError(
            f"{where} was made by a newer rnnplay (layout version {version}; this one reads up "
            f"to {FORMAT_VERSION}): upgrade rnnplay to import it"
        )
    for key in ("version", "corpus"):
        if key in ours:
            try:
                Str(4096).check(ours[key], f"rnnplay.{key}")
            except SchemaError as exc:
                raise CheckpointError(f"{where}: metadata {exc}") from None
    return ours


def _json_entry(where: str, key: str, text: str) -> Any:
    try:
        return parse_metadata(text.encode("utf-8"))
    except SchemaError as exc:
        raise CheckpointError(f"{where}: metadata rnnplay.{key} {exc}") from None


def _model_config(where: str, text: str) -> dict[str, Any]:
    config = _json_entry(where, "model", text)
    try:
        MODEL.check(config, "rnnplay.model")
    except SchemaError as exc:
        raise CheckpointError(f"{where}: metadata {exc}") from None
    return config


def _check_tensors(
    where: str, config: dict[str, Any], shapes: dict[str, tuple[int, ...]], dtype: str
) -> None:
    """The tensors are exactly the layout's, of the shapes and dtype the config implies."""
    expected = expected_shapes(config)
    missing = [n for n in expected if n not in shapes and not (n == DECODER_W and config["tie"])]
    extra = [n for n in shapes if n not in expected]
    if missing:
        raise CheckpointError(f"{where} lacks tensors {', '.join(missing[:5])}")
    if extra:
        names = ", ".join(shown(n, 40) for n in extra[:5])
        raise CheckpointError(f"{where} holds tensors this layout has no place for: {names}")
    for name, shape in shapes.items():
        if shape != expected[name]:
            raise CheckpointError(
                f"{where}: tensor {name} is {shape}, the model config needs {expected[name]}"
            )
    if dtype != config["dtype"]:
        raise CheckpointError(
            f"{where}: its tensors are {DTYPE_NAMES.get(dtype, dtype)} but its metadata says "
            f"{config['dtype']}"
        )


def _vocabulary(where: str, text: str | None, given: Vocabulary | None) -> Vocabulary:
    stored = None
    if text is not None:
        stored = vocabulary_from_json(
            f"{where}: metadata rnnplay.vocab", _json_entry(where, "vocab", text)
        )
    if given is not None and stored is not None and given != stored:
        raise CheckpointError(f"{where}: its vocabulary differs from the one given with --vocab")
    vocab = given or stored
    if vocab is None:
        raise CheckpointError(f"{where} carries no vocabulary: give one with --vocab FILE")
    return vocab


# -- vocabulary files ---------------------------------------------------------------
def vocabulary_from_json(where: str, value: Any) -> Vocabulary:
    """A Vocabulary from JSON: ``{"level": ..., "tokens": [...]}`` or just the token
    list in id order (char level when every token is one character or ``<unk>``,
    else word level)."""
    if isinstance(value, list):
        level = (
            "char"
            if all(isinstance(t, str) and (len(t) == 1 or t == UNK) for t in value)
            else "word"
        )
        value = {"level": level, "tokens": value}
    if not isinstance(value, dict) or set(value) != {"level", "tokens"}:
        raise CheckpointError(
            f"{where} is not a vocabulary (a list of tokens, or level and tokens)"
        )
    try:
        Tokens().check(value["tokens"], "tokens")
        Str(8, ("char", "word")).check(value["level"], "level")
        return Vocabulary.from_json(value)
    except SchemaError as exc:
        raise CheckpointError(f"{where}: {exc}") from None
    except ValueError as exc:
        raise CheckpointError(f"{where} is not a valid vocabulary ({exc})") from None


def read_vocabulary(path: str | os.PathLike[str]) -> Vocabulary:
    """The vocabulary in the JSON file at ``path`` (see :func:`vocabulary_from_json`)."""
    path = Path(path)
    where = f"vocabulary file '{path}'"
    try:
        if not path.is_file():
            raise CheckpointError(f"{where} does not exist or is not a regular file")
        if path.stat().st_size > limits.MAX_TENSOR_HEADER_BYTES:
            raise CheckpointError(f"{where} is larger than {limits.MAX_TENSOR_HEADER_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{where} cannot be read ({exc.strerror or exc})") from None
    try:
        value = parse_metadata(data)
    except SchemaError as exc:
        raise CheckpointError(one_line(f"{where} {exc}")) from None
    try:
        return vocabulary_from_json(where, value)
    except CheckpointError as exc:
        raise CheckpointError(one_line(exc)) from None
