"""``rnnplay serve`` refuses what it cannot do in one line, and hands sessions the right flags."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rnnplay import cli
from rnnplay.serve import command
from rnnplay.serve.session import session_flags
from tests.serve.harness import free_port


def _serve_args(*argv: str):
    return cli.build_parser().parse_args(["serve", *argv])


def test_the_session_command_line_carries_the_runs_dir_confinement_and_the_typed_flags(
    tmp_path: Path,
) -> None:
    args = _serve_args(
        "--port", "9999", "--max-sessions", "3", "--runs-dir", str(tmp_path / "class"),
        "--corpus", "toy", "--hidden", "48", "--embed", "48", "--tie", "--lr", "0.02",
    )  # fmt: skip
    argv = command.session_argv(args, args.runs_dir)
    assert argv[:3] == [sys.executable, "-m", "rnnplay.serve.session"]
    rest = argv[3:]
    assert rest[rest.index("--runs-dir") + 1] == str((tmp_path / "class").resolve())
    assert "--confine-paths" in rest
    for flag, value in (("--corpus", "toy"), ("--hidden", "48"), ("--lr", "0.02")):
        assert rest[rest.index(flag) + 1] == value
    assert "--tie" in rest
    for server_flag in ("--port", "--max-sessions", "--host"):
        assert server_flag not in rest
    # The session's own parser reads what the server wrote, the rest goes to the TUI.
    own, forwarded = session_flags().parse_known_args(rest)
    assert own.confine_paths is True
    assert own.runs_dir == (tmp_path / "class").resolve()
    tui = cli.build_parser().parse_args(forwarded)
    assert (tui.corpus, tui.hidden, tui.tie, tui.lr) == ("toy", 48, True, 0.02)


def test_file_flags_are_made_absolute_and_builtin_names_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("some text\n" * 50)
    args = _serve_args("--corpus", "notes.txt", "--checkpoint", "saved.npz", "--valid", "v.txt")
    rest = command.session_argv(args, Path("class"))[3:]
    assert rest[rest.index("--corpus") + 1] == str(tmp_path / "notes.txt")
    assert rest[rest.index("--checkpoint") + 1] == str(tmp_path / "saved.npz")
    assert rest[rest.index("--valid") + 1] == str(tmp_path / "v.txt")
    assert rest[rest.index("--runs-dir") + 1] == str(tmp_path / "class")
    (tmp_path / "sonnets").write_text("a file named like a built-in\n")
    rest = command.session_argv(_serve_args("--corpus", "sonnets"), Path("class"))[3:]
    assert rest[rest.index("--corpus") + 1] == "sonnets"


def test_untyped_flags_stay_untyped(tmp_path: Path) -> None:
    args = _serve_args("--runs-dir", str(tmp_path))
    rest = command.session_argv(args, args.runs_dir)[3:]
    assert rest == ["--runs-dir", str(tmp_path.resolve()), "--confine-paths"]


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
