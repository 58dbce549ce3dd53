"""Changing the playground's session: train, pause, reset, open, apply settings, save.

Opening a checkpoint, resetting and applying new settings all replace the
session, and all must work while training runs, however long a step takes.
So the new trainer is built first, off the UI thread, while the old one
keeps training; if building fails (a corpus that cannot be read, a
checkpoint that will not load) nothing changed: training goes on and the
error is shown. Only once the new trainer exists is the old loop asked to
stop, and the app waits, with "finishing the current step" on the status
panel, for as long as that step takes. Nothing here gives up on a timer.

This is a mixin of :class:`~rnnplay.tui.app.RnnPlayApp` (it uses the app's
session, panels, run place and sample runs).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import Worker, get_current_worker

from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import RnnplayError, one_line
from rnnplay.tui.messages import CheckpointFailed, CheckpointSaved
from rnnplay.tui.screens import ConfirmScreen, OpenCheckpointScreen
from rnnplay.tui.training import TrainingSession, build_trainer
from rnnplay.tui.widgets.controls import Controls

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp

FINISHING = "finishing the current step"
LOADING = "loading"


class SessionChanges:
    """Train/pause/step, and the replacements of the session (reset, open, apply)."""

    busy: str | None = None
    """What the playground is doing that other session changes must wait for
    (LOADING, FINISHING), or None; written only here."""
    changing = False
    """True while a new session is being built or installed."""
    single_step = False
    """True when the running (or last) loop was one step on demand (``n``)."""
    _train_worker: Worker | None = None

    # -- the training loop --------------------------------------------------------
    @property
    def training(self: RnnPlayApp) -> bool:
        """True while the training thread runs (a pause takes effect at the next step)."""
        return self.session.running

    def loop_stopped(self: RnnPlayApp) -> None:
        """The training loop returned: a pause asked for is finished."""
        if self.busy == FINISHING and not self.changing:
            self.busy = None

    def action_toggle_training(self: RnnPlayApp) -> None:
        """Space: start training, or ask the running loop to pause."""
        if self._refuse_while_busy():
            return
        if self.session.running:
            self.session.request_stop()
            self.busy = FINISHING
        else:
            self.start_loop(steps=None)
            if self.samples.auto and not self.samples.active:
                self.samples.request(self.session)
        self.refresh_status()

    def action_step_once(self: RnnPlayApp) -> None:
        """n: exactly one training step (when paused); its loss is said."""
        if self._refuse_while_busy():
            return
        if self.session.running:
            self.notify("training is running: press space to pause first", timeout=2)
            return
        self.start_loop(steps=1)
        self.refresh_status()

    def start_loop(self: RnnPlayApp, steps: int | None) -> None:
        """Run the session's loop in a thread worker (``steps``: that many, else until paused)."""
        session = self.session
        session.begin()
        self.single_step = steps == 1
        try:
            self.place.ensure_folder()
        except (RnnplayError, OSError) as error:
            self.notify(f"no run folder: {one_line(error)}", severity="warning", timeout=6)
        else:
            session.recorder = self.place.recorder
        self._train_worker = self.run_worker(
            partial(_train_body, session, steps),
            name="training",
            group="training",
            thread=True,
            exit_on_error=False,
        )

    async def wait_idle(self: RnnPlayApp, timeout: float | None = None) -> bool:
        """Ask the loop to stop and wait (the UI keeps running) until its step is done.

        Without ``timeout`` it waits as long as the step takes; quitting
        passes one, since leaving must not hang on a huge model.
        """
        session = self.session
        session.request_stop()
        if self._train_worker is not None:
            self._train_worker.cancel()
        deadline = None if timeout is None else time.monotonic() + timeout
        while session.running and (deadline is None or time.monotonic() < deadline):
            await asyncio.sleep(0.01)
        return not session.running

    def _refuse_while_busy(self: RnnPlayApp) -> bool:
        if self.busy is None:
            return False
        self.notify(f"wait: {self.busy}", severity="warning", timeout=2)
        return True

    # -- replacing the session ------------------------------------------------------------
    @work(group="session", exclusive=True)
    async def replace_session(
        self: RnnPlayApp,
        factory: Callable[[], Trainer],
        done: str,
        *,
        on_fail: Callable[[], None] | None = None,
        sample: bool = False,
        resumed_from: Path | None = None,
    ) -> None:
        """Build a trainer with ``factory`` (off the UI thread), then show it.

        Training goes on while it is built; a failure is shown and changes
        nothing (``on_fail`` then puts back what the user edited).
        """
        self.changing = True
        self.busy = LOADING
        self.refresh_status()
        try:
            try:
                trainer = await asyncio.get_running_loop().run_in_executor(None, factory)
            except Exception as error:  # shown; the session keeps what it had
                self.notify(
                    one_line(error),
                    title="could not load",
                    severity="error",
                    timeout=8,
                    markup=False,
                )
                if on_fail is not None:
                    on_fail()
                return
            if self.session.running:
                self.busy = FINISHING
                self.refresh_status()
            self.samples.stop()
            await self.wait_idle()
            self._install(trainer, resumed_from)
            self.notify(done, timeout=3)
            if sample:
                self.samples.request(self.session)
        finally:
            self.changing = False
            self.busy = None
            self.refresh_status()

    def _install(self: RnnPlayApp, trainer: Trainer, resumed_from: Path | None = None) -> None:
        """Show ``trainer`` as the new session (training is stopped): a new run,
        whose folder is claimed when it first trains or saves."""
        self.session = TrainingSession(trainer, self.post_message)
        self.place.attach(trainer, resumed_from)
        self.clear_panels()
        self.query_one(Controls).show(trainer.config, self.live_settings())
        self.show_history()
        self.readable_prime()  # another vocabulary may read the prime differently

    def action_reset(self: RnnPlayApp) -> None:
        """r: start over with the same settings (after confirming)."""

        def answered(yes: bool | None) -> None:
            if yes:
                config = self.session.config
                self.replace_session(partial(build_trainer, config), "reset: new weights")

        self.push_screen(
            ConfirmScreen("Reset? Training so far is discarded (save with s first)."), answered
        )

    def open_path(self: RnnPlayApp, path: str, *, sample: bool = True) -> None:
        """Continue the checkpoint at ``path`` (the open dialog's and the Runs screen's
        way in: the run folder's rules apply, a failure changes nothing)."""
        self.replace_session(
            partial(self.place.resume, path),
            f"opened {path}",
            sample=sample,
            resumed_from=Path(path),
        )

    def action_open(self: RnnPlayApp) -> None:
        """o: open a checkpoint: one found under the runs folder, or a typed path."""

        def chosen(path: str | None) -> None:
            if path:
                self.open_path(path)

        found = self.place.found()
        self.push_screen(OpenCheckpointScreen(found, root=self.place.runs_dir), chosen)

    def on_controls_structural_change(self: RnnPlayApp, message: Controls.StructuralChange) -> None:
        controls = self.query_one(Controls)

        def put_back() -> None:
            controls.show(self.session.config)

        try:
            config = self.session.config.replace(**message.changes).validate()
        except RnnplayError as error:
            self.notify(one_line(error), title="settings", severity="error", timeout=6)
            put_back()
            return
        described = ", ".join(
            f"{k} {'auto' if v is None else v}" for k, v in message.changes.items()
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.replace_session(
                    partial(build_trainer, config), f"new session: {described}", on_fail=put_back
                )
            else:
                put_back()

        self.push_screen(
            ConfirmScreen(f"Apply {described}?\nThis starts training over from new weights."),
            answered,
        )

    # -- saving ------------------------------------------------------------------------
    def action_save(self: RnnPlayApp) -> None:
        """s: write a checkpoint into the run folder's saves/, named after the step it holds."""
        place = self.place
        try:
            place.ensure_folder()
        except (RnnplayError, OSError) as error:
            self.notify(one_line(error), title="save failed", severity="error")
            return

        def path_for(trainer: Trainer) -> Path:
            # Named when written (between steps), so the name is the step it holds.
            return place.save_path(trainer.step_count)

        def done(written: Path | None, error: str | None) -> None:
            message: Any = CheckpointFailed(error) if error else CheckpointSaved(str(written))
            self.post_message(message)

        self.session.save(path_for, done)


def _train_body(session: TrainingSession, steps: int | None) -> None:
    worker = get_current_worker()
    session.run_loop(lambda: worker.is_cancelled, steps=steps)
