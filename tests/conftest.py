"""Session-wide test settings.

BLAS threads are pinned (``RNNPLAY_THREADS``, read by ``rnnplay.core.train.threads``
in this process and in every ``rnnplay`` subprocess a test starts): the
thread count can change the last bits of a matrix product, and the tests
compare runs bit for bit, so it must not follow the machine's load.
"""

from __future__ import annotations

import os

os.environ.setdefault("RNNPLAY_THREADS", "2")

from rnnplay.core.train import threads

threads.set_blas_threads(threads.env_threads() or 2)


# -- the fast tier -------------------------------------------------------------------------
# `python -m pytest -m "not slow"` is the loop a developer runs while working; the full
# suite (README, CI) runs everything. Slow: whole-app Pilot sessions, real processes and
# terminals, browsers, fault injection, property runs, and the few core cases that train
# or write for seconds. Chosen from `pytest --durations` of the full suite.
SLOW_MODULES = frozenset(
    {
        "tests/cli/test_train_run_folder.py",
        "tests/cli/test_travel_hostile.py",
        "tests/core/test_checkpoint_summary.py",
        "tests/core/test_torch_parity.py",
        "tests/reliability/test_determinism.py",
        "tests/reliability/test_edge_input.py",
        "tests/reliability/test_faults.py",
        "tests/reliability/test_hostile_checkpoints.py",
        "tests/reliability/test_manifest_fields.py",
        "tests/reliability/test_odd_input_that_works.py",
        "tests/reliability/test_properties.py",
        "tests/reliability/test_refusals_touch_nothing.py",
        "tests/reliability/test_streams.py",
        "tests/serve/test_browser.py",
        "tests/serve/test_sessions.py",
        "tests/tui/test_app.py",
        "tests/tui/test_app_snapshot.py",
        "tests/tui/test_blas_listing.py",
        "tests/tui/test_compare.py",
        "tests/tui/test_compare_snapshot.py",
        "tests/tui/test_first_use.py",
        "tests/tui/test_hangup.py",
        "tests/tui/test_hostile_terminals.py",
        "tests/tui/test_monkey.py",
        "tests/tui/test_inspect_snapshot.py",
        "tests/tui/test_inspect_view.py",
        "tests/tui/test_keyboard_walk.py",
        "tests/tui/test_playground_run_folder.py",
        "tests/tui/test_runs_screen.py",
        "tests/tui/test_units_view.py",
        "tests/tui/test_walk_terminal.py",
    }
)


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test of SLOW_MODULES ``slow`` (others mark single cases themselves)."""
    import pytest

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for item in items:
        module = os.path.relpath(str(item.path), root)
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
