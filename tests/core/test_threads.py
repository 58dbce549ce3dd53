"""BLAS thread choice: what the process may use, how busy the machine is, pinning."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnplay.core.train import threads
from rnnplay.core.train.threads import CpuMeter, ThreadGovernor, cgroup_quota_cpus, choose_threads


def test_one_competing_process_on_two_cores_leaves_one_thread() -> None:
    assert choose_threads(2, others_busy=0.0) == 2
    assert choose_threads(2, others_busy=1.0) == 1
    assert choose_threads(2, others_busy=0.6) == 1  # a second thread would get 0.4 of a core
    assert choose_threads(2, others_busy=0.2) == 2
    assert choose_threads(2, others_busy=5.0) == 1  # never fewer than one
    assert choose_threads(8, others_busy=3.0) == 5


def test_room_for_the_ui_thread_counts_against_the_free_cores() -> None:
    assert choose_threads(2, 0.0, reserve=threads.UI_SHARE) == 2
    assert choose_threads(4, 0.8, reserve=threads.UI_SHARE) == 3
    assert choose_threads(2, 0.5, reserve=threads.UI_SHARE) == 1


def test_cgroup_v2_quota(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cgroup_quota_cpus(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cgroup_quota_cpus(tmp_path) is None


def test_cgroup_v1_quota(tmp_path: Path) -> None:
    folder = tmp_path / "cpu"
    folder.mkdir()
    (folder / "cpu.cfs_quota_us").write_text("100000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_quota_cpus(tmp_path) == 1.0
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_quota_cpus(tmp_path) is None


class FakeMachine:
    """Clock ticks of two CPUs, our own CPU seconds and the wall clock, set by the test."""

    hz = 100

    def __init__(self) -> None:
        self.now = 0.0
        self.own = 0.0
        self.busy = {0: 0, 1: 0, 2: 0}

    def run(self, seconds: float, own_cores: float, other_cores: float, cpu2: float = 0) -> None:
        self.now += seconds
        self.own += own_cores * seconds
        total = (own_cores + other_cores) * seconds * self.hz
        self.busy[0] += int(total / 2)
        self.busy[1] += int(total / 2)
        self.busy[2] += int(cpu2 * seconds * self.hz)

    def meter(self) -> CpuMeter:
        meter = CpuMeter(
            cpus={0, 1},
            stat_reader=lambda: dict(self.busy),
            own_cpu=lambda: self.own,
            clock=lambda: self.now,
        )
        meter._hz = float(self.hz)
        return meter


def test_meter_counts_other_processes_on_our_cpus_only() -> None:
    machine = FakeMachine()
    meter = machine.meter()
    assert meter.read() is None  # nothing to compare with yet
    machine.run(2.0, own_cores=1.0, other_cores=1.0, cpu2=1.0)  # cpu 2 is not ours
    assert meter.read() == pytest.approx(1.0, abs=0.02)
    machine.run(2.0, own_cores=2.0, other_cores=0.0)
    assert meter.read() == pytest.approx(0.0, abs=0.02)


def test_governor_follows_the_load_and_a_pin_holds() -> None:
    machine = FakeMachine()
    sizes: list[int] = []
    governor = ThreadGovernor(
        meter=machine.meter(), usable=2, setter=sizes.append, clock=lambda: machine.now
    )
    assert sizes == [1]  # one thread until the first measurement
    machine.run(0.1, own_cores=1.0, other_cores=0.0)
    governor.tick()  # too soon to measure
    machine.run(0.5, own_cores=1.0, other_cores=0.0)
    assert governor.tick() == 2  # the cores are free
    machine.run(2.0, own_cores=1.3, other_cores=0.7)  # a competitor takes a share
    assert governor.tick() == 1
    machine.run(2.0, own_cores=1.0, other_cores=1.0)
    assert governor.tick() == 1
    machine.run(2.0, own_cores=1.0, other_cores=0.0)  # it stopped
    assert governor.tick() == 2
    assert sizes == [1, 2, 1, 2]

    pinned: list[int] = []
    governor = ThreadGovernor(pinned=2, meter=machine.meter(), usable=2, setter=pinned.append)
    machine.run(5.0, own_cores=1.0, other_cores=1.0)
    assert governor.tick() == 2 and pinned == [2]


def test_environment_variable_pins_and_refuses_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_VAR, "3")
    assert threads.env_threads() == 3
    monkeypatch.setenv(threads.ENV_VAR, "0")
    with pytest.raises(ValueError, match="RNNPLAY_THREADS"):
        threads.env_threads()
    monkeypatch.setenv(threads.ENV_VAR, "")
    assert threads.env_threads() is None


def test_setting_the_pool_size_reaches_numpys_blas() -> None:
    before = threads.blas_threads()
    try:
        threads.set_blas_threads(1)
        assert threads.blas_threads() == 1
    finally:
        threads.set_blas_threads(before or 2)
