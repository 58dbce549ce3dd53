"""The training session (the bridge between the app and the engine), without the app.

The session's loop runs here on a plain thread with a list as its message
sink, so what the app receives can be checked message by message.
"""

from __future__ import annotations

import threading

import numpy as np

from rnnplay.tui.messages import (
    Evaluated,
    GradFlowMeasured,
    TrainingProgress,
    TrainingStopped,
    WeightsSnapshot,
)
from rnnplay.tui.training import TrainingSession, build_trainer
from tests.tui.app_helpers import tiny_config


def run_in_thread(session: TrainingSession, **kwargs) -> None:
    session.begin()
    thread = threading.Thread(target=session.run_loop, args=(lambda: False,), kwargs=kwargs)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_step_events_are_coalesced_but_evaluations_always_arrive():
    posted: list = []
    trainer = build_trainer(tiny_config(eval_every=5))
    session = TrainingSession(trainer, posted.append, progress_interval=1e9)
    run_in_thread(session, steps=12)
    kinds = [type(m).__name__ for m in posted]
    # Pending steps are flushed before each evaluation and at the end.
    assert kinds == [
        "TrainingProgress",
        "Evaluated",
        "TrainingProgress",
        "Evaluated",
        "TrainingProgress",
        "GradFlowMeasured",
        "TrainingStopped",
    ]
    progress = [m for m in posted if isinstance(m, TrainingProgress)]
    assert [len(m.points) for m in progress] == [5, 5, 2]
    assert [m.step.step for m in progress] == [5, 10, 12]
    points = [tokens for m in progress for tokens, _ in m.points]
    assert points == [4 * 8 * k for k in range(1, 13)]  # batch 4 x bptt 8 per step
    assert [m.event.step for m in posted if isinstance(m, Evaluated)] == [5, 10]
    assert all(m.source is session for m in posted)
    assert trainer.step_count == 12 and not session.running


def test_without_throttling_every_step_is_a_message():
    posted: list = []
    session = TrainingSession(build_trainer(tiny_config()), posted.append, progress_interval=0)
    run_in_thread(session, steps=7)
    assert sum(isinstance(m, TrainingProgress) for m in posted) == 7
    stopped = [m for m in posted if isinstance(m, TrainingStopped)]
    assert len(stopped) == 1 and stopped[0].error is None and stopped[0].event.reason == "steps"


def test_requests_run_between_steps_while_the_loop_runs():
    posted: list = []
    trainer = build_trainer(tiny_config())
    session = TrainingSession(trainer, posted.append, progress_interval=0)
    seen_at: list[int] = []

    def on_progress(message) -> None:
        posted.append(message)
        if isinstance(message, TrainingProgress) and message.step.step == 3:
            # Called on the training thread, as the app's requests are.
            assert session.submit(lambda t: seen_at.append(t.step_count)) is True
            session.set_lr(0.0125)
            session.request_snapshot()
        if isinstance(message, TrainingProgress) and message.step.step == 6:
            session.request_stop()

    session._post = on_progress
    run_in_thread(session)
    assert seen_at == [3], "the command ran right after step 3, before step 4"
    assert trainer.lr == 0.0125
    snapshots = [m for m in posted if isinstance(m, WeightsSnapshot)]
    assert len(snapshots) == 1
    stopped = posted[-1]
    assert isinstance(stopped, TrainingStopped) and stopped.event.reason == "cancelled"
    assert trainer.step_count == 6


def test_idle_requests_run_at_once():
    posted: list = []
    trainer = build_trainer(tiny_config())
    session = TrainingSession(trainer, posted.append)
    assert session.submit(lambda t: None) is False
    session.set_lr(0.03)
    assert trainer.lr == 0.03
    session.request_snapshot()
    (snapshot,) = posted
    assert isinstance(snapshot, WeightsSnapshot)
    for copy, live in zip(snapshot.model.params, trainer.model.params, strict=True):
        np.testing.assert_array_equal(copy, live)
        assert copy is not live


def test_gradient_flow_is_probed_without_changing_training():
    posted: list = []
    probed = build_trainer(tiny_config())
    session = TrainingSession(probed, posted.append, progress_interval=0, grad_flow_interval=0)

    def sink(message) -> None:
        posted.append(message)
        if isinstance(message, TrainingProgress) and message.step.step == 4:
            session.request_stop()

    session._post = sink
    run_in_thread(session)
    plain = build_trainer(tiny_config())
    for _ in plain.run(max_steps=4, final_eval=False):
        pass
    kinds = [type(m).__name__ for m in posted]
    assert kinds.index("GradFlowMeasured") < kinds.index("TrainingProgress", 1)
    flows = [m for m in posted if isinstance(m, GradFlowMeasured)]
    assert flows[0].norms[0].shape == (8,)
    assert probed.step_count == 4
    for a, b in zip(probed.model.params, plain.model.params, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_crash_in_the_loop_is_reported_not_raised():
    posted: list = []
    trainer = build_trainer(tiny_config())
    session = TrainingSession(trainer, posted.append)

    def broken_step():
        raise RuntimeError("disk on fire\n  \x1b[2Jsecond line")

    trainer.step = broken_step
    run_in_thread(session)
    (stopped,) = [m for m in posted if isinstance(m, TrainingStopped)]
    # The one formatter of the project (rnnplay.errors.one_line): one line, escapes shown.
    assert stopped.error == "disk on fire \\x1b[2Jsecond line"
    assert not session.running


def test_probes_keep_coming_when_a_probe_is_slow():
    """A probe that takes long (a word-level softmax) stretches the interval, but only
    up to GRAD_FLOW_MAX_INTERVAL_S: probes keep coming at every level."""
    from rnnplay.tui.training import GRAD_FLOW_MAX_INTERVAL_S

    now = [0.0]
    trainer = build_trainer(tiny_config(max_steps=40))
    probe = trainer.probe_grad_flow

    def slow_probe():
        now[0] += 10.0  # each probe "takes" 10 s; a budget of 2.5% would wait 400 s
        return probe()

    trainer.probe_grad_flow = slow_probe

    def step_then_tick():
        now[0] += 1.0  # each step "takes" 1 s
        return real_step()

    real_step = trainer.step
    trainer.step = step_then_tick
    posted: list = []
    session = TrainingSession(trainer, posted.append, grad_flow_interval=2.0, clock=lambda: now[0])
    run_in_thread(session)
    probes = [m for m in posted if isinstance(m, GradFlowMeasured)]
    assert session._probe_every == GRAD_FLOW_MAX_INTERVAL_S
    assert len(probes) >= 3, "40 steps of 1 s with probes every 15 s at most"


def test_tokens_per_second_are_averaged_over_a_window():
    from rnnplay.tui.session_figures import TokenRate

    rate = TokenRate(window_s=5.0)
    for k, seconds in enumerate([1.0, 1.0, 4.0, 1.0, 1.0, 1.0, 1.0], start=1):
        elapsed = sum([1.0, 1.0, 4.0, 1.0, 1.0, 1.0, 1.0][:k])
        rate.add(elapsed, 1000 * k, fallback=1000 / seconds)
    # From the newest mark at least 5 s old (t=2 s) to the last (t=10 s): one slow
    # step (4 s) does not make the figure jump to 250.
    assert rate.value == (7000 - 2000) / (10 - 2)
    rate.pause()
    rate.add(20.0, 9000, fallback=123.0)
    assert rate.value == 123.0, "after a pause the first step's own figure"
