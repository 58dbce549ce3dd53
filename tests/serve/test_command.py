"""``rnnplay serve`` refuses what it cannot do in one line, and hands sessions the right flags."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rnnplay import cli
from rnnplay.cli import serve as command
from rnnplay.core.runs.options import PlaygroundOptions
from tests.serve.harness import free_port


def _serve_args(*argv: str):
    return cli.build_parser().parse_args(["serve", *argv])


def _session_options(args, runs_dir: Path) -> PlaygroundOptions:
    """What a served session reads back from the command line the server gives it."""
    argv = command.session_argv(command.session_options(args, runs_dir))
    assert argv[:4] == [sys.executable, "-m", "rnnplay.serve.tab", "--options"]
    assert len(argv) == 5
    return PlaygroundOptions.from_json(argv[4])


def test_the_session_command_line_carries_the_runs_dir_confinement_and_the_typed_flags(
    tmp_path: Path,
) -> None:
    args = _serve_args(
        "--port", "9999", "--max-sessions", "3", "--runs-dir", str(tmp_path / "class"),
        "--corpus", "toy", "--hidden", "48", "--embed", "48", "--tie", "--lr", "0.02",
    )  # fmt: skip
    options = _session_options(args, args.runs_dir)
    assert options.runs_dir == str((tmp_path / "class").resolve())
    assert options.confine_paths is True
    config = options.config
    assert (config.corpus, config.hidden, config.tie, config.lr) == ("toy", 48, True, 0.02)
    assert set(options.given) == {"corpus", "hidden", "embed", "tie", "lr"}


def test_file_flags_are_made_absolute_and_builtin_names_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("some text\n" * 50)
    args = _serve_args("--corpus", "notes.txt", "--checkpoint", "saved.npz", "--valid", "v.txt")
    options = _session_options(args, Path("class"))
    assert options.config.corpus == str(tmp_path / "notes.txt")
    assert options.checkpoint == str(tmp_path / "saved.npz")
    assert options.config.valid == str(tmp_path / "v.txt")
    assert options.runs_dir == str(tmp_path / "class")
    (tmp_path / "sonnets").write_text("a file named like a built-in\n")
    options = _session_options(_serve_args("--corpus", "sonnets"), Path("class"))
    assert options.config.corpus == "sonnets"


def test_untyped_flags_stay_untyped(tmp_path: Path) -> None:
    args = _serve_args("--runs-dir", str(tmp_path))
    options = _session_options(args, args.runs_dir)
    assert options.given == () and options.checkpoint is None
    assert options.runs_dir == str(tmp_path.resolve()) and options.confine_paths


def test_a_session_refuses_options_it_did_not_write(capsys) -> None:
    from rnnplay.serve import tab

    assert tab.main(["--options", '{"config": {}}']) == 2
    assert "session options" in capsys.readouterr().err


def test_without_the_extra_one_line_says_how_to_install_it(monkeypatch, capsys) -> None:
    real = command.importlib.util.find_spec
    monkeypatch.setattr(
        command.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "textual_serve" else real(name, *a),
    )
    assert cli.main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'rnnplay[serve]'" in err


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "rnnplay", "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-sessions", "0"], "--max-sessions must be at least 1"),
        (["--port", "70000"], "--port must lie in 1..65535"),
        (["--hidden", "0"], "hidden"),
        (["--corpus", "no-such-file.txt"], "no-such-file.txt"),
        (["--checkpoint", "no-such.npz"], "no-such.npz"),
    ],
)
def test_bad_flags_fail_before_serving(argv, message, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--port", str(free_port()), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_loopback_is_told_apart_from_network_addresses() -> None:
    for host in ("127.0.0.1", "127.1.2.3", "::1", "localhost"):
        assert command.is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.10", "my-laptop.local"):
        assert not command.is_loopback(host), host


def test_a_network_host_is_announced_in_one_line(monkeypatch, capsys, tmp_path) -> None:
    # Nothing is bound: the port check and the server are replaced.
    from rnnplay.serve import classroom

    monkeypatch.setattr(command, "check_port_free", lambda host, port: None)
    monkeypatch.setattr(classroom.Classroom, "run", lambda self, on_bind_error: 130)
    runs = str(tmp_path / "runs")
    assert cli.main(["serve", "--host", "0.0.0.0", "--runs-dir", runs]) == 130
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if "reachable from the network" in line] == [lines[1]]
    assert f"http://{socket.gethostname()}:8000/" in lines[1]
    assert cli.main(["serve", "--runs-dir", runs]) == 130
    assert "reachable from the network" not in capsys.readouterr().out
