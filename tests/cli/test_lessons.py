"""Lessons as data: the schema's one-line errors, ``rnnplay lessons``, ``--lesson``."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnplay.cli import build_parser
from rnnplay.cli.playground import options_from_args
from rnnplay.core.lessons.figures import FIGURES, UNKNOWN, fill, grad_reach
from rnnplay.core.lessons.loader import builtin_lessons, builtin_names, load_lesson
from rnnplay.core.lessons.schema import PANELS
from rnnplay.core.runs.options import PlaygroundOptions
from rnnplay.core.train.config import TrainConfig

GOOD = """
title = "My lesson"
goal = "Learn a thing."
race = ["rnn", "lstm@64"]
[settings]
cell = "gru"
hidden = 48
lr = 0.01
[hide]
panels = ["heatmap"]
controls = ["lr"]
keys = ["open"]
[[cards]]
do = "Press space."
[[cards]]
look = "Validation {val_loss} vs unigram {unigram}."
[[cards]]
ask = "Why?"
"""

BAD = {
    "not toml": ("title = ", "is not valid TOML"),
    "no title": ('goal = "g"\n[[cards]]\ndo = "x"', "'title' must be a non-empty string"),
    "unknown key": (
        'title = "t"\ngoal = "g"\ncolour = 1\n[[cards]]\ndo = "x"',
        "unknown key 'colour'",
    ),
    "no cards": ('title = "t"\ngoal = "g"', "at least one card"),
    "two kinds": ('title = "t"\ngoal = "g"\n[[cards]]\ndo = "x"\nask = "y"', "exactly one of"),
    "unknown figure": (
        'title = "t"\ngoal = "g"\n[[cards]]\nlook = "loss {val_los}"',
        "unknown figure '{val_los}'",
    ),
    "format spec": ('title = "t"\ngoal = "g"\n[[cards]]\nlook = "{lr:.2f}"', "not a figure name"),
    "unknown setting": (
        'title = "t"\ngoal = "g"\n[settings]\nmax-steps = 3\n[[cards]]\ndo = "x"',
        "unknown setting 'settings.max-steps' (did you mean 'max_steps'?)",
    ),
    "wrong type": (
        'title = "t"\ngoal = "g"\n[settings]\nhidden = "64"\n[[cards]]\ndo = "x"',
        "'settings.hidden' has the wrong type",
    ),
    "bad value": (
        'title = "t"\ngoal = "g"\n[settings]\ndropout = 1.5\n[[cards]]\ndo = "x"',
        "--dropout must lie in [0, 1)",
    ),
    "headless setting": (
        'title = "t"\ngoal = "g"\n[settings]\nout = "x"\n[[cards]]\ndo = "x"',
        "unknown setting 'settings.out'",
    ),
    "bad panel": (
        'title = "t"\ngoal = "g"\n[hide]\npanels = ["chart"]\n[[cards]]\ndo = "x"',
        "cannot hide panel 'chart'",
    ),
    "bad key": (
        'title = "t"\ngoal = "g"\n[hide]\nkeys = ["quit"]\n[[cards]]\ndo = "x"',
        "cannot hide key 'quit'",
    ),
    "one contender": (
        'title = "t"\ngoal = "g"\nrace = ["rnn"]\n[[cards]]\ndo = "x"',
        "needs 2 to 4 contenders",
    ),
    "bad contender": (
        'title = "t"\ngoal = "g"\nrace = ["rnn", "transformer"]\n[[cards]]\ndo = "x"',
        "race contender 'transformer'",
    ),
}


def write(tmp_path: Path, text: str, name: str = "lesson.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_lesson_file_reads_whole(tmp_path: Path) -> None:
    lesson = load_lesson(str(write(tmp_path, GOOD)))
    assert lesson.title == "My lesson" and lesson.race == ("rnn", "lstm@64")
    assert [card.kind for card in lesson.cards] == ["do", "look", "ask"]
    assert lesson.config().cell == "gru" and lesson.config().hidden == 48
    assert lesson.hidden_panels == {"heatmap"} and lesson.hidden_keys == {"open"}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_lesson_file_is_one_line_and_exit_2(case: str, cli, tmp_path: Path) -> None:
    text, expected = BAD[case]
    path = write(tmp_path, text)
    result = cli("lessons", "check", path)
    assert result.code == 2
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("rnnplay: error: ")
    assert expected in result.err_lines[0]
    assert "Traceback" not in result.err
    # The playground refuses it the same way, before opening anything.
    opened = cli("--lesson", path)
    assert opened.code == 2 and opened.err_lines == result.err_lines


def test_a_missing_or_unknown_lesson_is_one_line(cli, tmp_path: Path) -> None:
    unknown = cli("--lesson", "no-such-lesson")
    assert unknown.code == 2 and "unknown lesson 'no-such-lesson'" in unknown.err
    assert "vanishing-gradients" in unknown.err  # names the built-ins
    missing = cli("lessons", "check", tmp_path / "gone.toml")
    assert missing.code == 2 and "does not exist" in missing.err
    binary = write(tmp_path, "", "bin.toml")
    binary.write_bytes(b"\xff\xfe title")
    assert "not UTF-8" in cli("lessons", "check", binary).err


def test_lessons_lists_the_eight_builtins_and_check_accepts_each(cli) -> None:
    names = builtin_names()
    assert len(names) >= 8
    listed = cli("lessons")
    assert listed.code == 0
    for lesson in builtin_lessons():
        assert lesson.name in listed.out and lesson.title in listed.out
        checked = cli("lessons", "check", lesson.name)
        assert checked.code == 0 and checked.out.startswith("ok:"), checked.err


def test_every_builtin_fixes_its_steps_and_seed_and_hides_only_known_names() -> None:
    for lesson in builtin_lessons():
        assert lesson.settings.get("max_steps"), lesson.name
        assert "seed" in lesson.settings, lesson.name
        assert lesson.hidden_panels <= set(PANELS)
        assert lesson.minutes is not None


def test_every_builtin_pins_what_its_figures_depend_on() -> None:
    """The playground's defaults change for newcomers (issue 21); a lesson's cards
    and docs/lessons.md quote figures measured with its own model and rate, so
    none of those may come from TrainConfig's defaults."""
    for lesson in builtin_lessons():
        for key in ("cell", "hidden", "embed", "lr"):
            assert key in lesson.settings, (lesson.name, key)


def test_figures_list_every_name(cli) -> None:
    out = cli("lessons", "--figures").out
    for name in FIGURES:
        assert "{" + name + "}" in out


def test_a_lesson_fills_settings_as_a_preset_does_and_typed_flags_win(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    args = build_parser().parse_args(["--lesson", str(path), "--hidden", "32"])
    options = options_from_args(args)
    assert options.config.cell == "gru"  # the lesson's
    assert options.config.hidden == 32  # typed wins
    assert options.config.lr == 0.01
    assert options.lesson == str(path.resolve())
    assert {"cell", "hidden", "lr"} <= set(options.given)
    again = PlaygroundOptions.from_json(options.to_json())
    assert again == options


def test_a_builtin_lesson_travels_by_name() -> None:
    args = build_parser().parse_args(["--lesson", "temperature"])
    options = options_from_args(args)
    assert options.lesson == "temperature"
    assert PlaygroundOptions.from_json(options.to_json()).lesson == "temperature"


def test_a_relative_corpus_in_a_lesson_is_beside_the_lesson_file(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("hello world\n" * 50, encoding="utf-8")
    text = 'title = "t"\ngoal = "g"\n[settings]\ncorpus = "words.txt"\n[[cards]]\ndo = "x"'
    lesson = load_lesson(str(write(tmp_path, text)))
    assert lesson.settings["corpus"] == str((tmp_path / "words.txt").resolve())


def test_cards_fill_figures_and_mark_the_unknown() -> None:
    assert fill("val {val_loss}, lr {lr}", {"val_loss": 2.34567, "lr": None}) == (
        f"val 2.346, lr {UNKNOWN}"
    )
    assert fill("g {grad_50}", {"grad_50": 1.5e-7}) == "g 1.5e-07"
    assert grad_reach([[2.0, 1.0, 0.5]], 2) == 0.25
    assert grad_reach([[2.0, 1.0]], 50) is None


def test_options_refuse_a_lesson_that_is_not_a_string() -> None:
    import json

    from rnnplay.errors import ConfigError

    data = json.loads(PlaygroundOptions(TrainConfig()).to_json())
    data["lesson"] = 3
    with pytest.raises(ConfigError, match="'lesson'"):
        PlaygroundOptions.from_json(json.dumps(data))
