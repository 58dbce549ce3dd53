"""Learning-rate schedules: constant, the book's plateau rule, cosine with warm-up,
the per-epoch decay of Zaremba et al."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnplay.core.train.schedule import (
    CosineSchedule,
    EpochDecaySchedule,
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
    decay = make_schedule("epoch-decay", 1.0, steps_per_epoch=7, decay_after=2, decay_factor=0.1)
    assert isinstance(decay, EpochDecaySchedule)
    assert (decay.steps_per_epoch, decay.decay_after, decay.decay_factor) == (7, 2, 0.1)
    with pytest.raises(ValueError, match="schedule must be one of"):
        make_schedule("linear", 0.1)


def test_epoch_decay_is_zarembas_rule_the_rate_per_epoch() -> None:
    """1.0 for epochs 1-4, then halved at the start of each later epoch: epoch 13 at 1/512."""
    schedule = EpochDecaySchedule(1.0, steps_per_epoch=10, decay_after=4, decay_factor=0.5)
    per_epoch = [schedule.lr_at(10 * e) for e in range(13)]
    assert per_epoch == [1.0] * 4 + [0.5**k for k in range(1, 10)]
    # constant inside an epoch, changing exactly at its first step
    assert {schedule.lr_at(s) for s in range(40, 50)} == {0.5}
    assert schedule.lr_at(39) == 1.0 and schedule.lr_at(40) == 0.5
    assert schedule.observe(40, 123.0) is None  # validation results do not move it


def test_epoch_decay_from_the_start_and_without_decay() -> None:
    assert EpochDecaySchedule(2.0, steps_per_epoch=3, decay_after=0).lr_at(0) == 1.0
    flat = EpochDecaySchedule(2.0, steps_per_epoch=3, decay_after=1, decay_factor=1.0)
    assert {flat.lr_at(s) for s in range(100)} == {2.0}


def test_epoch_decay_never_reaches_zero_so_set_lr_stays_possible() -> None:
    schedule = EpochDecaySchedule(1.0, steps_per_epoch=1, decay_after=0, decay_factor=0.5)
    far = 10**9
    assert schedule.lr_at(far) == EpochDecaySchedule.MIN_FACTOR
    schedule.set_lr(0.25, step=far)
    assert schedule.lr_at(far) == pytest.approx(0.25)
    assert schedule.lr_at(far + 1) == pytest.approx(0.25)  # the floor holds the shape flat


def test_epoch_decay_set_lr_moves_the_curve_keeping_its_shape() -> None:
    schedule = EpochDecaySchedule(1.0, steps_per_epoch=5, decay_after=2, decay_factor=0.5)
    schedule.set_lr(0.1, step=12)  # epoch 3, factor 0.5
    assert schedule.lr_at(12) == pytest.approx(0.1)
    assert schedule.lr_at(15) == pytest.approx(0.05)
    assert schedule.lr_at(0) == pytest.approx(0.2)


def test_epoch_decay_state_round_trip_is_exact_and_json_able() -> None:
    import json

    a = EpochDecaySchedule(0.7, steps_per_epoch=13, decay_after=3, decay_factor=0.3)
    a.set_lr(0.05, step=50)
    state = json.loads(json.dumps(a.state_dict()))
    b = EpochDecaySchedule(9.0)
    b.load_state_dict(state)
    assert [b.lr_at(s) for s in range(200)] == [a.lr_at(s) for s in range(200)]


def test_epoch_decay_refuses_an_epoch_without_steps() -> None:
    with pytest.raises(ValueError, match="steps_per_epoch"):
        EpochDecaySchedule(1.0, steps_per_epoch=0)
