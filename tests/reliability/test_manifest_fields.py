"""Every field of a real checkpoint's metadata, mutated, through every reader.

The metadata of a trained (resumable) checkpoint is walked field by field
(every key of every object, every item of short lists, the first token of
the vocabulary) and each field is replaced by a value of the wrong type, a
huge or non-finite number, text with terminal escapes, a list of the wrong
length, or JSON nested 10,000 deep; keys are removed and unknown ones added.
The promise for each file, for every command that reads checkpoints: it is
refused with one line (an ``RnnplayError``, exit 2, no traceback, nothing
raw from the file on the terminal, the folder unchanged), or, for a
harmless change, the command works.

In process, every (field, mutation) pair goes through the readers of
``sample``, ``eval``, ``train --resume`` and ``rnnplay --checkpoint`` (up to
the app's construction). A hypothesis sample of them runs through the real
CLI as subprocesses, and a few through the playground's ``o`` (open).
Counts: every field with a rotating subset of mutations in CI, the whole
product with ``RNNPLAY_PROPERTY_EXAMPLES`` >= 500.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnplay.core.sampling.sampler import Sampler
from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.evaluation import sequence_loss
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import RnnplayError
from tests.reliability.helpers import (
    assert_clean_failure,
    assert_unchanged,
    header_of,
    npy_bytes,
    property_examples,
    property_settings,
    read_members,
    run_cli,
    snapshot,
    write_members,
)

DEEP = 10_000
_DEEP_MARK = "\x00deep\x00"

Path_ = tuple[Any, ...]
"""A field's place in the metadata: keys and list indices from the top."""

MUTATIONS: dict[str, Callable[[Any], Any]] = {
    "text": lambda v: "x",
    "escape-text": lambda v: "\x1b[2J\x1b]0;pwned\x07",
    "long-text": lambda v: "y" * 2_000_000,
    "null": lambda v: None,
    "true": lambda v: True,
    "list": lambda v: [1, 2, 3],
    "object": lambda v: {"a": 1},
    "zero": lambda v: 0,
    "negative": lambda v: -1,
    "half": lambda v: 0.5,
    "int-10e30": lambda v: 10**30,
    "int-2e200": lambda v: 2**200,
    "float-1e308": lambda v: 1e308,
    "inf": lambda v: math.inf,
    "-inf": lambda v: -math.inf,
    "nan": lambda v: math.nan,
    "deep": lambda v: _DEEP_MARK,
    "shorter": lambda v: v[:-1] if isinstance(v, list) and v else [],
    "longer": lambda v: [*v, v[-1]] * 2 if isinstance(v, list) and v else [0] * 100_001,
}


def leaf_paths(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every field worth mutating: each key, short-list items, a long list and its first item."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from leaf_paths(item, (*path, index))


def _get(header: Any, path: Path_) -> Any:
    for step in path:
        header = header[step]
    return header


def mutated(header: dict, path: Path_, mutation: str) -> dict:
    copy = json.loads(json.dumps(header))
    parent = _get(copy, path[:-1])
    if mutation == "remove":
        del parent[path[-1]]
    elif mutation == "unknown-key":
        target = _get(copy, path)
        if not isinstance(target, dict):
            return copy | {"surprise": 1}
        target["surprise\x1b[31m"] = 1
    else:
        parent[path[-1]] = MUTATIONS[mutation](parent[path[-1]])
    return copy


def write_header(members: dict[str, bytes], header: dict, target: Path) -> Path:
    text = json.dumps(header, allow_nan=True)
    mark = json.dumps(_DEEP_MARK)
    text = text.replace(mark, "[" * DEEP + "]" * DEEP)
    raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return write_members(target, {**members, "meta.json.npy": npy_bytes(raw)})


# -- the cases ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good(tiny_run: Path) -> tuple[dict[str, bytes], dict]:
    members = read_members(tiny_run / "last.npz")
    return members, header_of(members)


def _cases(header: dict) -> list[tuple[Path_, str]]:
    paths = list(leaf_paths(header))
    kinds = [*MUTATIONS, "remove", "unknown-key"]
    if property_examples() >= 500:
        return [(p, k) for p in paths for k in kinds]
    # CI: every field with three mutations, rotating so every kind meets many fields
    return [(p, kinds[(i * 3 + j) % len(kinds)]) for i, p in enumerate(paths) for j in range(3)]


def _read_like_every_command(path: Path) -> None:
    """What sample, eval, train --resume and rnnplay --checkpoint do with a checkpoint."""
    checkpoint = load_checkpoint(path)  # sample, eval: load
    Sampler(checkpoint.model, checkpoint.vocab, seed=0).generate("", 3)
    ids = np.arange(min(len(checkpoint.vocab), 8)).repeat(4)
    sequence_loss(checkpoint.model, ids, 2, 4)
    trainer = Trainer.resume(path)  # train --resume, rnnplay --checkpoint
    list(trainer.run(max_steps=trainer.step_count + 1, eval_every=0))
    from rnnplay.tui.app import RnnPlayApp, make_trainer

    RnnPlayApp(make_trainer(TrainConfig(), str(path)))


def _promise_in_process(path: Path) -> str:
    """'refused' or 'works'; anything else is a broken promise (the exception escapes)."""
    try:
        _read_like_every_command(path)
    except RnnplayError as error:
        # One line; raw bytes from the file are escaped where it is printed (CLI, TUI).
        assert "\n" not in str(error), repr(str(error))
        return "refused"
    return "works"


def test_every_field_mutated_is_refused_in_one_line_or_works(good, tmp_path: Path) -> None:
    members, header = good
    cases = _cases(header)
    outcomes: dict[str, int] = {"refused": 0, "works": 0}
    for n, (path, mutation) in enumerate(cases):
        target = write_header(members, mutated(header, path, mutation), tmp_path / f"m{n}.npz")
        try:
            outcomes[_promise_in_process(target)] += 1
        except Exception as exc:
            raise AssertionError(f"{'.'.join(map(str, path))} <- {mutation}: {exc!r}") from exc
        target.unlink()
    assert outcomes["refused"] > len(cases) // 2, outcomes
    assert sum(outcomes.values()) == len(cases) >= 300


def test_the_walk_reaches_every_part_of_the_metadata(good) -> None:
    _members, header = good
    tops = {p[0] for p in leaf_paths(header)}
    meta = {p[1] for p in leaf_paths(header) if p[0] == "meta" and len(p) > 1}
    assert tops == set(header)
    assert {"config", "schedule", "batcher", "rng", "history", "step", "tokens"} <= meta


# -- through the real CLI ------------------------------------------------------------------
COMMANDS = ("sample", "eval", "resume")


@st.composite
def cli_cases(draw: st.DrawFn, header: dict) -> tuple[Path_, str, str]:
    cases = _cases(header)
    path, mutation = draw(st.sampled_from(cases))
    return path, mutation, draw(st.sampled_from(COMMANDS))


def test_mutated_fields_through_the_real_cli(good, corpus_file: Path, tmp_path_factory) -> None:
    members, header = good

    @property_settings(scale=0.4)
    @given(cli_cases(header))
    def check(case: tuple[Path_, str, str]) -> None:
        path, mutation, kind = case
        folder = tmp_path_factory.mktemp("cli-mutation")
        target = write_header(members, mutated(header, path, mutation), folder / "last.npz")
        args = {
            "sample": ("sample", target, "--length", "5"),
            "eval": ("eval", target, "--corpus", corpus_file),
            "resume": ("train", "--resume", target, "--max-steps", "6", "--quiet"),
        }[kind]
        before = snapshot(folder)
        result = run_cli(*args, cwd=folder, timeout=60)
        if result.returncode == 0:
            return  # a harmless change (the run trained on, or sampled)
        line = assert_clean_failure(result)
        assert "\x1b" not in line and "\x07" not in line, repr(line)
        assert_unchanged(before, snapshot(folder))
        shutil.rmtree(folder)

    check()


# -- through the playground's open (o) -------------------------------------------------
TUI_FIELDS = [
    (("meta", "history"), "object"),
    (("meta", "history", 0, "loss"), "text"),
    (("meta", "rng", "state", "state"), "int-2e200"),
    (("meta", "config", "corpus"), "escape-text"),
]


@pytest.mark.parametrize(("path", "mutation"), TUI_FIELDS, ids=[m for _, m in TUI_FIELDS])
async def test_the_playground_open_refuses_mutated_files_and_keeps_going(
    path: Path_, mutation: str, good, tmp_path: Path
) -> None:
    from tests.tui.app_helpers import make_app, record_notifications

    members, header = good
    target = write_header(members, mutated(header, path, mutation), tmp_path / "bad.npz")
    app = make_app(tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#path").value = str(target)  # as if typed
        await pilot.press("enter")
        for _ in range(100):
            await pilot.pause(0.05)
            if any(severity == "error" for _, severity in seen):
                break
        errors = [message for message, severity in seen if severity == "error"]
        assert len(errors) == 1 and "\n" not in errors[0] and "\x1b" not in errors[0], seen
        assert app.is_running and app.crash is None
