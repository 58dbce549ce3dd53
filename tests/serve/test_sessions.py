"""Served sessions through textual-serve's websocket, without a browser: their flags
and environment, the seat limit, and that every way of stopping ends them."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rnnplay.core.runs.options import PlaygroundOptions
from tests.serve.harness import ServedClassroom, alive, wait_until

pytestmark = pytest.mark.usefixtures("needs_serve_extra")


async def _open_terminal(url: str):
    """Connect like the page does and wait for the status panel; (client, websocket)."""
    import aiohttp

    client = aiohttp.ClientSession()
    websocket = await client.ws_connect(url.replace("http", "ws") + "ws?width=100&height=30")
    received = b""
    deadline = time.monotonic() + 30
    while b"Status" not in received and time.monotonic() < deadline:
        message = await websocket.receive(timeout=30)
        if message.type != aiohttp.WSMsgType.BINARY:
            break
        received += message.data
    assert b"Status" in received, received[-500:]
    return client, websocket


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def test_a_session_runs_confined_with_one_blas_thread_and_ends_with_its_tab(tmp_path) -> None:
    async def scenario(classroom: ServedClassroom) -> None:
        client, websocket = await _open_terminal(classroom.url)
        (pid,) = classroom.sessions()
        argv = _cmdline(pid)
        assert argv[1:4] == ["-m", "rnnplay.serve.tab", "--options"]
        options = PlaygroundOptions.from_json(argv[4])
        assert options.runs_dir == str((tmp_path / "runs").resolve())
        assert options.confine_paths and options.config.hidden == 32
        environ = _environ(pid)
        assert environ["OPENBLAS_NUM_THREADS"] == environ["OMP_NUM_THREADS"] == "1"
        assert environ["RNNPLAY_SERVE_PID"] == str(classroom.pid)
        runs = (tmp_path / "runs").resolve()
        assert Path(f"/proc/{pid}/cwd").resolve() == runs
        await websocket.send_json(["stdin", " "])  # training, as a student would start it
        await asyncio.sleep(1)
        await websocket.send_json(["stdin", "s"])  # a save lands under the runs directory
        assert await asyncio.to_thread(wait_until, lambda: any(runs.rglob("*.npz")), 15)
        await websocket.close()
        await client.close()
        assert await asyncio.to_thread(wait_until, lambda: not alive(pid), 5)

    with ServedClassroom(tmp_path / "runs", max_sessions=1) as classroom:
        asyncio.run(scenario(classroom))
        assert classroom.stop() == 130


def _page_status(url: str) -> int:
    """The HTTP status of the playground page now (503 while the class is full)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as page:
            return page.status
    except urllib.error.HTTPError as error:
        return error.code


def test_one_over_the_limit_is_told_the_class_is_full(tmp_path) -> None:
    import aiohttp

    async def scenario(classroom: ServedClassroom) -> None:
        client, websocket = await _open_terminal(classroom.url)
        with pytest.raises(urllib.error.HTTPError) as page:
            await asyncio.to_thread(urllib.request.urlopen, classroom.url, timeout=10)
        assert page.value.code == 503
        assert "The class is full" in page.value.read().decode()
        # A terminal that connects anyway is told so and closed, not left hanging.
        async with client.ws_connect(classroom.url.replace("http", "ws") + "ws") as late:
            message = await late.receive(timeout=10)
            assert message.type == aiohttp.WSMsgType.BINARY
            assert b"The class is full" in message.data
            assert (await late.receive(timeout=10)).type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
            )
        assert len(classroom.sessions()) == 1
        await websocket.close()
        await client.close()
        assert await asyncio.to_thread(wait_until, lambda: not classroom.sessions(), 5)
        # The seat frees once the server has seen the session end (a moment after
        # its process is gone): the page is served again within seconds.
        assert await asyncio.to_thread(wait_until, lambda: _page_status(classroom.url) == 200, 5)
        with urllib.request.urlopen(classroom.url, timeout=10) as free:
            assert free.status == 200 and 'id="terminal"' in free.read().decode()

    with ServedClassroom(tmp_path / "runs", max_sessions=1) as classroom:
        asyncio.run(scenario(classroom))


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -signal.SIGKILL)],
)
def test_no_session_outlives_its_server(tmp_path, signum, code) -> None:
    async def open_two(classroom: ServedClassroom):
        return [await _open_terminal(classroom.url) for _ in range(2)]

    with ServedClassroom(tmp_path / "runs", max_sessions=2) as classroom:
        loop = asyncio.new_event_loop()
        try:
            opened = loop.run_until_complete(open_two(classroom))
            for _, websocket in opened:
                loop.run_until_complete(websocket.send_json(["stdin", " "]))
            sessions = classroom.sessions()
            assert len(sessions) == 2
            assert classroom.stop(signum) == code
            assert wait_until(lambda: not any(alive(pid) for pid in sessions), 5), sessions
        finally:
            for client, _ in opened:
                loop.run_until_complete(client.close())
            loop.close()


def test_a_session_whose_app_dies_closes_its_tab() -> None:
    from textual_serve.download_manager import DownloadManager

    from rnnplay.serve import classroom

    closed = asyncio.Event()

    async def nothing(*args) -> None:
        return None

    async def close() -> None:
        closed.set()

    async def scenario() -> None:
        session = classroom.Session(
            [sys.executable, "-c", "import sys; sys.exit(3)"],
            write_bytes=nothing,
            write_str=nothing,
            close=close,
            download_manager=DownloadManager(),
        )
        await session.start(80, 24)
        await asyncio.wait_for(closed.wait(), 20)
        await session.stop()

    asyncio.run(scenario())


def test_a_session_that_ignores_quit_and_sigterm_is_killed(monkeypatch) -> None:
    from textual_serve.download_manager import DownloadManager

    from rnnplay.serve import classroom

    monkeypatch.setattr(classroom, "QUIT_GRACE_S", 0.3)
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('__GANGLION__', flush=True); time.sleep(60)",
    ]

    async def nothing(*args) -> None:
        return None

    async def scenario() -> int | None:
        session = classroom.Session(
            stubborn,
            write_bytes=nothing,
            write_str=nothing,
            close=nothing,
            download_manager=DownloadManager(),
        )
        await session.start(80, 24)
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await session.stop()
        assert time.monotonic() - started < 3
        return session._process.returncode

    assert asyncio.run(scenario()) == -signal.SIGKILL
