"""``rnnplay serve --lesson``: every session gets the lesson; the board is the teacher's only."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rnnplay import cli
from rnnplay.cli import serve as command
from rnnplay.core.runs.options import PlaygroundOptions
from tests.serve.harness import SMALL_MODEL, ServedClassroom


def _options(*argv: str, runs_dir: Path) -> PlaygroundOptions:
    args = cli.build_parser().parse_args(["serve", *argv])
    return PlaygroundOptions.from_json(
        command.session_argv(command.session_options(args, runs_dir))[4]
    )


def test_every_session_is_handed_the_lesson_and_its_settings(tmp_path: Path) -> None:
    options = _options("--lesson", "temperature", "--hidden", "32", runs_dir=tmp_path)
    assert options.lesson == "temperature"
    assert options.config.hidden == 32  # typed beside the lesson: wins
    assert options.config.max_steps == 500  # the lesson's


def test_a_lesson_file_travels_as_an_absolute_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("mine.toml").write_text('title = "t"\ngoal = "g"\n[[cards]]\ndo = "x"\n')
    options = _options("--lesson", "mine.toml", runs_dir=tmp_path / "class")
    assert options.lesson == str(tmp_path / "mine.toml")


def test_a_bad_lesson_stops_serve_in_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\ngoal = "g"\n[hide]\nkeys = ["quit"]\n[[cards]]\ndo = "x"\n')
    code = cli.main(["serve", "--lesson", str(bad), "--runs-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot hide key 'quit'" in err[0]
    assert not (tmp_path / "r").exists()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_board_answers_its_token_only(needs_serve_extra, tmp_path: Path) -> None:
    with ServedClassroom(tmp_path / "runs", "--lesson", "temperature", *SMALL_MODEL) as served:
        assert "lesson temperature" in served.banner
        assert served.board_url.startswith(served.url + "board/")
        token = served.board_url.rsplit("/", 1)[-1]
        assert len(token) >= 20
        assert _status(served.board_url) == 200
        for guess in ("board", "board/", "board/x", f"board/{token[:-1]}", f"board/{token}x"):
            assert _status(served.url + guess) == 404, guess
        assert _status(served.url) == 200  # the students' page is untouched
        # No session process, page or file holds the token.
        assert token not in urllib.request.urlopen(served.url, timeout=10).read().decode()
        served.stop()


@pytest.mark.parametrize("flag", ["--lesson"])
def test_serve_help_mentions_lessons_and_the_board(flag: str, capsys) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--help"])
    out = capsys.readouterr().out
    assert flag in out and "board" in out
