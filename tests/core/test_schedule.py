"""Learning-rate schedules: constant, the book's plateau rule, cosine with warm-up."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnplay.core.train.schedule import (
    CosineSchedule,
    PlateauSchedule,
    Schedule,
    make_schedule,
)


def test_constant_schedule_keeps_the_rate_and_follows_set_lr() -> None:
    schedule = Schedule(0.01)
    assert [schedule.lr_at(s) for s in (0, 1, 1000)] == [0.01, 0.01, 0.01]
    assert schedule.observe(5, 100.0) is None
    schedule.set_lr(0.5, step=7)
    assert schedule.lr_at(8) == 0.5


def test_plateau_divides_by_four_only_when_perplexity_does_not_improve() -> None:
    schedule = PlateauSchedule(1.0)
    assert schedule.observe(100, 50.0) is None  # first: becomes the best
    assert schedule.observe(200, 40.0) is None  # better
    assert schedule.lr_at(200) == 1.0
    reason = schedule.observe(300, 45.0)  # worse
    assert reason is not None and "divided by 4" in reason
    assert schedule.lr_at(300) == 0.25
    assert schedule.observe(400, 40.0) is not None  # equal is not better
    assert schedule.lr_at(400) == 0.0625
    assert schedule.observe(500, 30.0) is None
    assert schedule.lr_at(500) == 0.0625


def test_plateau_state_round_trip_continues_the_same() -> None:
    a = PlateauSchedule(2.0)
    a.observe(1, 10.0)
    a.observe(2, 11.0)
    b = PlateauSchedule(2.0)
    b.load_state_dict(a.state_dict())
    assert b.lr_at(3) == a.lr_at(3) == 0.5
    assert b.observe(4, 10.5) is not None  # the best (10.0) came along
    assert b.lr_at(4) == 0.125


def test_cosine_warms_up_linearly_then_decays_to_the_floor() -> None:
    schedule = CosineSchedule(1.0, warmup_steps=10, total_steps=110, min_ratio=0.1)
    warm = [schedule.lr_at(s) for s in range(10)]
    assert warm == pytest.approx([(s + 1) / 10 for s in range(10)])
    assert schedule.lr_at(10) == pytest.approx(1.0)
    assert schedule.lr_at(60) == pytest.approx(0.1 + 0.9 * 0.5)
    decay = [schedule.lr_at(s) for s in range(10, 111)]
    assert np.all(np.diff(decay) < 0)
    assert schedule.lr_at(110) == pytest.approx(0.1)
    assert schedule.lr_at(10_000) == pytest.approx(0.1)


def test_cosine_without_horizon_stays_at_base_after_warm_up() -> None:
    schedule = CosineSchedule(0.3, warmup_steps=4, total_steps=None)
    assert schedule.lr_at(0) == pytest.approx(0.075)
    assert schedule.lr_at(4) == schedule.lr_at(10_000) == pytest.approx(0.3)


def test_cosine_set_lr_keeps_the_shape() -> None:
    schedule = CosineSchedule(1.0, warmup_steps=0, total_steps=100, min_ratio=0.0)
    before = schedule.lr_at(50)
    schedule.set_lr(2 * before, step=50)
    assert schedule.lr_at(50) == pytest.approx(2 * before)
    assert schedule.lr_at(75) == pytest.approx(2 * 0.5 * (1 + math.cos(math.pi * 0.75)))


def test_cosine_state_round_trip() -> None:
    a = CosineSchedule(0.5, warmup_steps=3, total_steps=40)
    a.set_lr(0.2, step=20)
    b = CosineSchedule(9.0, warmup_steps=1, total_steps=None)
    b.load_state_dict(a.state_dict())
    assert [b.lr_at(s) for s in range(50)] == [a.lr_at(s) for s in range(50)]


def test_state_of_another_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="plateau"):
        Schedule(0.1).load_state_dict(PlateauSchedule(0.1).state_dict())


def test_make_schedule_builds_each_kind_and_refuses_unknown_names() -> None:
    assert type(make_schedule("constant", 0.1)) is Schedule
    assert type(make_schedule("plateau", 0.1)) is PlateauSchedule
    cosine = make_schedule("cosine", 0.1, warmup_steps=5, total_steps=50)
    assert isinstance(cosine, CosineSchedule) and cosine.total_steps == 50
    with pytest.raises(ValueError, match="schedule must be one of"):
        make_schedule("linear", 0.1)
