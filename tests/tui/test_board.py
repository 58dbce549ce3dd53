"""The class board: reading run folders incrementally, the board app, ``rnnplay board``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from textual.widgets import DataTable

from rnnplay.cli import main
from rnnplay.core.runs.board import BoardReader, BoardRow, read_board_status, write_board_status
from rnnplay.tui.board import BoardApp
from tests.cli.conftest import TEXT, TINY, Result
from tests.tui.app_helpers import wait_for


@pytest.fixture
def cli(capsys):
    """``rnnplay`` in-process, as tests/cli's fixture of the same name."""

    def run(*argv) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def train_run(cli, corpus: Path, out: Path, steps: int) -> None:
    result = cli(
        "train", "--corpus", corpus, *TINY, "--max-steps", steps, "--eval-every", "2",
        "--out", out, "--quiet",
    )  # fmt: skip
    assert result.code == 0, result.err


def test_the_reader_lists_runs_with_curves_and_notes(cli, corpus, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    train_run(cli, corpus, runs / "ana", 4)
    train_run(cli, corpus, runs / "ben", 6)
    write_board_status(runs / "ben", {"lesson": "L", "card": 2, "cards": 5, "sample": "abc"})
    reader = BoardReader([runs])
    rows = {row.name: row for row in reader.read()}
    assert set(rows) == {"ana", "ben"}
    assert rows["ana"].steps == 4 and len(rows["ana"].train) == 4
    assert rows["ben"].card == 2 and rows["ben"].cards == 5 and rows["ben"].sample == "abc"
    assert rows["ana"].card is None and rows["ana"].best_val is not None
    # More lines (and half a line) arrive: only the whole new lines are read.
    metrics = runs / "ana" / "metrics.jsonl"
    with open(metrics, "a", encoding="utf-8") as file:
        file.write(json.dumps({"kind": "train", "step": 5, "tokens": 160, "loss": 1.0}) + "\n")
        file.write('{"kind": "train", "step": 6, "tok')
    again = {row.name: row for row in reader.read()}["ana"]
    assert again.steps == 5 and again.train[-1] == (5, 1.0) and again.train_loss == 1.0
    with open(metrics, "a", encoding="utf-8") as file:
        file.write('ens": 192, "loss": 0.5}\n')
    assert {row.name: row for row in reader.read()}["ana"].train[-1] == (6, 0.5)


def test_a_broken_note_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / "board.json").write_text("{not json")
    assert read_board_status(tmp_path) == {}
    write_board_status(tmp_path, {"card": 1})
    assert read_board_status(tmp_path)["card"] == 1
    assert not list(tmp_path.glob(".*tmp"))


async def test_the_board_app_shows_every_run_and_follows_them(cli, corpus, tmp_path) -> None:
    runs = tmp_path / "runs"
    train_run(cli, corpus, runs / "ana", 4)
    app = BoardApp(runs, refresh_s=0.2)
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(DataTable)
        assert table.row_count == 1
        train_run(cli, corpus, runs / "ben", 3)
        await wait_for(pilot, lambda: table.row_count == 2)  # the next refresh tick
        names = [table.get_row_at(i)[1] for i in range(2)]
        assert names == ["ana", "ben"]
        assert "2 sessions" in str(app.query_one("#board-title").render())
    app.action_refresh_now()  # a tick that fires while the app closes: nothing to draw
    app.on_resize()


def test_rnnplay_board_refuses_a_missing_folder(cli, tmp_path: Path) -> None:
    result = cli("board", tmp_path / "nowhere")
    assert result.code == 2 and result.err_lines == [
        f"rnnplay: error: '{tmp_path / 'nowhere'}' is not a folder of runs"
    ]


class SeededReader:
    """Three students of a lesson, mid-class: fixed curves, cards and samples."""

    def read(self) -> list[BoardRow]:
        rows = []
        for i, (name, final, card, sample) in enumerate(
            (
                ("run-1", 1.9, 2, "Shall I compare thee to a summer's day"),
                ("run-2", 2.2, 4, "the sore the sore of thee and thee and"),
                ("run-3", 2.05, 3, "My love is as a feaver longing still"),
            )
        ):
            steps = 300 - 60 * i
            train = [
                (s, final + (math.log(62) - final) * math.exp(-s / (60 + 20 * i)))
                for s in range(1, steps + 1, 3)
            ]
            rows.append(
                BoardRow(
                    name=name, path=f"/runs/{name}", status="running", steps=steps,
                    best_val=final + 0.1, train_loss=train[-1][1], train=train,
                    lesson="Vanishing gradients", card=card, cards=6,
                    card_text="Gradient flow panel: the gradient 50 steps back is 4.6e-13",
                    sample=sample,
                )
            )  # fmt: skip
        return rows


def board_app() -> BoardApp:
    return BoardApp("runs", reader=SeededReader(), clock=lambda: "10:45:00", refresh_s=3600)


def test_board_80x24(snap_compare):
    assert snap_compare(board_app(), terminal_size=(80, 24))


def test_board_160x50(snap_compare):
    assert snap_compare(board_app(), terminal_size=(160, 50))
