"""The classroom web server: textual-serve, bounded and with no session left behind.

textual-serve runs one app process per browser websocket. This module adds
what a room of students needs:

* at most ``max_sessions`` sessions at once; the next visitor gets a page
  saying the class is full (and a websocket that arrives anyway is told so
  in its terminal and closed), never a terminal that hangs;
* each session runs without a shell in between, with one BLAS thread (so
  sessions share the cores fairly), the server's pid for its watchdog, and in
  a process group of its own (Ctrl-C in the teacher's terminal reaches the
  server, which then ends the sessions itself);
* a session is ended when its tab closes: asked to quit, then SIGTERM, then
  SIGKILL, a few seconds apart;
* Ctrl-C (or SIGTERM) ends every session, then the server; exit 130 (143).

The page itself is rnnplay's own template (no web fonts fetched: it works
offline); textual-serve's terminal script and styles are served as shipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from rnnplay.serve.watchdog import SERVER_PID_ENV

TEMPLATES = Path(__file__).parent / "templates"

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""BLAS thread limits for every session (read by NumPy's BLAS when it loads)."""

QUIT_GRACE_S = 3.0
"""How long a session has to quit by itself before SIGTERM, then again before SIGKILL."""

FULL_MESSAGE = "The class is full: every seat is taken. Try again later."

MAX_BOARDS = 2
"""Board pages open at once (the teacher's, perhaps a projector's); they take no seat."""

log = logging.getLogger("rnnplay.serve")


class Session(AppService):
    """One browser tab's playground process (textual-serve's AppService, hardened)."""

    def __init__(self, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = list(argv)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment.update(ONE_THREAD)
        environment[SERVER_PID_ENV] = str(os.getpid())
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """Relay the app's output; when its process is gone (quit, or failed to start),
        close the tab's websocket so the page says the session ended, not a frozen screen."""
        await super().run()
        await self.remote_close()

    async def stop(self) -> None:
        """Ask the app to quit; if it has not within the grace time, terminate, then kill."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            for send in (process.terminate, process.kill):
                try:
                    await asyncio.wait_for(asyncio.shield(process.wait()), QUIT_GRACE_S)
                    break
                except asyncio.TimeoutError:
                    log.warning("session %s did not quit; %s", process.pid, send.__name__)
                    try:
                        send()
                    except ProcessLookupError:
                        break
            await process.wait()
        if self._task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self._task
            self._task = None


class Classroom(Server):
    """Serve one playground command to browsers, ``max_sessions`` at a time; with
    ``board_argv``, the class board too, at ``/board/TOKEN`` (:attr:`board_path`)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        host: str,
        port: int,
        max_sessions: int,
        board_argv: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            " ".join(argv), host=host, port=port, title="rnnplay", templates_path=TEMPLATES
        )
        self.argv = list(argv)
        self.board_argv = None if board_argv is None else list(board_argv)
        self.board_token = secrets.token_urlsafe(18)
        """The board's secret: printed to the teacher's terminal only; no student page,
        session or file ever holds it."""
        self.boards_open = 0
        self.max_sessions = max_sessions
        self.sessions: set[Session] = set()
        self.seats_taken = 0
        self._stop = asyncio.Event()
        self._signal: int | None = None

    # -- running -----------------------------------------------------------------
    def run(self, on_bind_error: Callable[[OSError], None]) -> int:
        """Serve until SIGINT/SIGTERM; returns 130 (SIGINT) or 143 (SIGTERM)."""
        logging.basicConfig(level=logging.WARNING, format="rnnplay serve: %(message)s")
        return asyncio.run(self._serve(on_bind_error))

    async def _serve(self, on_bind_error: Callable[[OSError], None]) -> int:
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)
        runner = web.AppRunner(await self._make_app(), handle_signals=False, shutdown_timeout=2)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as error:
            await runner.cleanup()
            on_bind_error(error)
            raise
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
        return 128 + (self._signal or signal.SIGINT)

    def _on_signal(self, signum: int) -> None:
        self._signal = signum
        self._stop.set()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        if self.board_argv is not None:
            app.add_routes(
                [
                    web.get("/board/{token}", self.handle_board),
                    web.get("/board/{token}/ws", self.handle_board_websocket),
                ]
            )
        return app

    @property
    def board_path(self) -> str:
        """The board's address on this server (the token is the only key)."""
        return f"/board/{self.board_token}"

    def _check_board(self, request: web.Request) -> None:
        """404 unless the request carries the board's token (compared in constant time):
        a student who tries ``/board`` or guesses gets what any unknown page gets."""
        given = request.match_info.get("token", "")
        if self.board_argv is None or not secrets.compare_digest(given, self.board_token):
            raise web.HTTPNotFound(text="404: Not Found")

    async def on_startup(self, app: web.Application) -> None:
        """(textual-serve prints its logo here; rnnplay serve prints its own line.)"""

    async def on_shutdown(self, app: web.Application) -> None:
        """End every session before the server goes."""
        await asyncio.gather(*(session.stop() for session in list(self.sessions)))

    def _seats(self) -> str:
        return f"{self.seats_taken} of {self.max_sessions} seats taken"

    @staticmethod
    def _say(line: str) -> None:
        """One line on the teacher's terminal: who joined or left (never fails)."""
        with contextlib.suppress(OSError, ValueError):
            print(f"rnnplay serve: {line}", flush=True)

    # -- pages -------------------------------------------------------------------
    @property
    def full(self) -> bool:
        return self.seats_taken >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        """The playground page, or the class-is-full page (503) when every seat is taken."""
        if self.full:
            return aiohttp_jinja2.render_template(
                "full.html",
                request,
                {"message": FULL_MESSAGE, "max_sessions": self.max_sessions},
                status=503,
            )
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "websocket_url": f"{scheme}://{request.host}/ws",
            "static_url": "/static/",
        }
        return aiohttp_jinja2.render_template("index.html", request, context)

    async def handle_board(self, request: web.Request) -> web.Response:
        """The class board's page: the terminal page, its websocket the board's."""
        self._check_board(request)
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "14"), 14),
            "websocket_url": f"{scheme}://{request.host}{self.board_path}/ws",
            "static_url": "/static/",
        }
        return aiohttp_jinja2.render_template("index.html", request, context)

    async def handle_board_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """The board's terminal: a board process (reads the runs, changes nothing)."""
        self._check_board(request)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.boards_open >= MAX_BOARDS or self.board_argv is None:
            await websocket.send_bytes(b"\r\n  The board is open in enough tabs.\r\n")
            await websocket.close()
            return websocket
        self.boards_open += 1
        try:
            await self._serve_terminal(websocket, request, self.board_argv)
        finally:
            self.boards_open -= 1
        return websocket

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser terminal: a seat, a session process, and both freed at the end."""
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.full:
            await websocket.send_bytes(f"\r\n  {FULL_MESSAGE}\r\n".encode())
            await websocket.close()
            return websocket
        self.seats_taken += 1
        visitor = request.remote or "a visitor"
        seated = True

        def leave() -> None:
            """Free the seat once, as soon as the session process has ended (before the
            websocket's closing handshake, so the next visitor finds it free)."""
            nonlocal seated
            if seated:
                seated = False
                self.seats_taken -= 1
                self._say(f"{visitor} left ({self._seats()})")

        try:
            await self._serve_terminal(
                websocket,
                request,
                self.argv,
                started=lambda: self._say(f"{visitor} joined ({self._seats()})"),
                ended=leave,
            )
        finally:
            leave()
        return websocket

    async def _serve_terminal(
        self,
        websocket: web.WebSocketResponse,
        request: web.Request,
        argv: list[str],
        started: Callable[[], None] | None = None,
        ended: Callable[[], None] | None = None,
    ) -> None:
        """Run ``argv`` as this websocket's app process until either side ends
        (``started`` is told once the process runs, ``ended`` once it has stopped)."""
        session = Session(
            argv,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        try:
            self.sessions.add(session)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            await session.start(width, height)
            if started is not None:
                started()
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            pass
        except Exception as error:
            log.exception(error)
        finally:
            await asyncio.shield(session.stop())
            self.sessions.discard(session)
            if ended is not None:
                ended()
            if not websocket.closed:
                await websocket.close()
