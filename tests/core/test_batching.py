"""Batching for truncated BPTT: shapes, targets, streams, coverage, seeds and resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnplay.core.data.batching import (
    BATCHERS,
    RandomBatcher,
    StreamBatcher,
    min_corpus_tokens,
)


def corpus(n: int) -> np.ndarray:
    """Ids equal to their positions, so every batch shows where it was read."""
    return np.arange(n, dtype=np.int64)


@pytest.mark.parametrize("kind", sorted(BATCHERS))
def test_shapes_dtype_and_targets_are_inputs_shifted_by_one(kind):
    batcher = BATCHERS[kind](corpus(1000), batch_size=4, bptt=7, seed=0)
    for _ in range(50):
        xs, ts = batcher.next_batch()
        assert xs.shape == ts.shape == (4, 7)
        assert xs.dtype == ts.dtype == np.int32
        assert xs.flags.c_contiguous and ts.flags.c_contiguous
        np.testing.assert_array_equal(ts, xs + 1)


def test_targets_follow_inputs_for_arbitrary_token_values():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 50, size=500)
    for kind, cls in BATCHERS.items():
        batcher = cls(ids, 3, 5, seed=1)
        for _ in range(20):
            xs, ts = batcher.next_batch()
            # each row is a contiguous stretch of the corpus, read one token ahead
            for x_row, t_row in zip(xs, ts, strict=True):
                starts = np.flatnonzero(ids[:-5] == x_row[0])
                assert any(
                    (ids[s : s + 5] == x_row).all() and (ids[s + 1 : s + 6] == t_row).all()
                    for s in starts
                ), kind


def test_streams_start_at_evenly_spaced_offsets_and_advance_by_bptt():
    batcher = StreamBatcher(corpus(101), batch_size=4, bptt=5)
    xs, _ = batcher.next_batch()
    np.testing.assert_array_equal(xs[:, 0], [0, 25, 50, 75])
    np.testing.assert_array_equal(xs[1], np.arange(25, 30))
    xs2, _ = batcher.next_batch()
    np.testing.assert_array_equal(xs2[:, 0], [5, 30, 55, 80])
    assert not StreamBatcher.resets_state and RandomBatcher.resets_state


def test_stream_offsets_split_uneven_lengths_into_near_equal_parts():
    batcher = StreamBatcher(corpus(12), batch_size=3, bptt=1)  # 11 targets over 3 streams
    np.testing.assert_array_equal(batcher.offsets, [0, 3, 7])


@pytest.mark.parametrize(
    ("n", "batch", "bptt"), [(101, 4, 5), (1000, 7, 13), (13, 3, 4), (58, 5, 3), (17, 4, 2)]
)
def test_one_stream_epoch_covers_every_target_and_then_wraps(n, batch, bptt):
    batcher = StreamBatcher(corpus(n), batch, bptt)
    seen = np.zeros(n, dtype=bool)
    for _ in range(batcher.steps_per_epoch):
        xs, ts = batcher.next_batch()
        seen[ts.ravel()] = True
        assert xs.max() <= n - 2 and ts.max() <= n - 1  # never past the end
    assert seen[1:].all()
    assert batcher.epoch >= 1.0
    assert (batcher.steps - 1) * batch * bptt < n - 1  # one batch fewer is not an epoch
    for _ in range(3 * batcher.steps_per_epoch):  # wrapping around stays in bounds
        xs, ts = batcher.next_batch()
        assert xs.min() >= 0 and ts.max() <= n - 1
        np.testing.assert_array_equal(ts, xs + 1)


def test_streams_wrap_around_to_the_start():
    batcher = StreamBatcher(corpus(21), batch_size=2, bptt=4)  # 20 targets, offsets 0, 10
    rows = [batcher.next_batch()[0][1] for _ in range(3)]
    np.testing.assert_array_equal(rows[2], [18, 19, 0, 1])


@pytest.mark.parametrize("kind", sorted(BATCHERS))
def test_epoch_counts_tokens_consumed(kind):
    batcher = BATCHERS[kind](corpus(201), batch_size=4, bptt=5, seed=0)
    assert batcher.epoch == 0.0 and batcher.tokens_seen == 0
    assert batcher.steps_per_epoch == 10
    for _ in range(5):
        batcher.next_batch()
    assert batcher.tokens_seen == 100
    assert batcher.epoch == pytest.approx(0.5)


def test_random_windows_stay_inside_and_reach_both_ends():
    n = 60
    batcher = RandomBatcher(corpus(n), batch_size=8, bptt=6, seed=5)
    first, last = set(), set()
    for _ in range(300):
        xs, ts = batcher.next_batch()
        assert xs.min() >= 0 and ts.max() <= n - 1
        np.testing.assert_array_equal(np.diff(xs, axis=1), 1)  # contiguous windows
        first.update(xs[:, 0].tolist())
        last.update(ts[:, -1].tolist())
    assert 0 in first and n - 1 in last
    assert first == set(range(n - 6))


def test_random_batches_are_deterministic_for_a_seed_and_differ_between_seeds():
    def run(seed):
        batcher = RandomBatcher(corpus(500), 4, 8, seed=seed)
        return [batcher.next_batch()[0] for _ in range(5)]

    a, b, c = run(11), run(11), run(12)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert any((x != z).any() for x, z in zip(a, c, strict=True))


@pytest.mark.parametrize("kind", sorted(BATCHERS))
def test_resume_from_json_state_continues_identically(kind):
    ids = np.random.default_rng(0).integers(0, 30, size=777)
    original = BATCHERS[kind](ids, 5, 9, seed=42)
    for _ in range(37):
        original.next_batch()
    state = json.loads(json.dumps(original.state_dict()))
    resumed = BATCHERS[kind](ids, 5, 9, seed=999)  # a different seed: the state must win
    resumed.load_state_dict(state)
    assert resumed.steps == original.steps and resumed.epoch == original.epoch
    for _ in range(60):
        xa, ta = original.next_batch()
        xb, tb = resumed.next_batch()
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ta, tb)


@pytest.mark.parametrize("kind", sorted(BATCHERS))
def test_state_from_another_setup_is_refused(kind):
    ids = corpus(500)
    state = BATCHERS[kind](ids, 5, 9, seed=1).state_dict()
    other_kind = next(k for k in BATCHERS if k != kind)
    for batcher in (
        BATCHERS[kind](ids, 4, 9, seed=1),
        BATCHERS[kind](ids, 5, 8, seed=1),
        BATCHERS[kind](corpus(400), 5, 9, seed=1),
        BATCHERS[other_kind](ids, 5, 9, seed=1),
    ):
        with pytest.raises(ValueError):
            batcher.load_state_dict(state)
    broken = dict(state, steps=-1)
    with pytest.raises(ValueError, match="step count"):
        BATCHERS[kind](ids, 5, 9, seed=1).load_state_dict(broken)


def test_min_corpus_tokens_is_exactly_one_batch():
    for kind, cls in BATCHERS.items():
        needed = min_corpus_tokens(3, 4, kind)
        assert needed == 13
        cls(corpus(needed), 3, 4, seed=0).next_batch()
        with pytest.raises(ValueError, match=r"corpus shorter than one batch \(needs at least 13"):
            cls(corpus(needed - 1), 3, 4, seed=0)
    with pytest.raises(ValueError, match="batching"):
        min_corpus_tokens(3, 4, "shuffled")


@pytest.mark.parametrize("kind", sorted(BATCHERS))
@pytest.mark.parametrize(("batch", "bptt"), [(0, 5), (5, 0), (-1, 5), (5, -3), (2.5, 5), (True, 5)])
def test_non_positive_or_non_integer_sizes_are_refused(kind, batch, bptt):
    with pytest.raises(ValueError, match="positive integer"):
        BATCHERS[kind](corpus(100), batch, bptt, seed=0)


def test_ids_must_be_a_1d_integer_array():
    with pytest.raises(ValueError, match="1-D integer"):
        StreamBatcher(np.zeros((10, 10), dtype=np.int32), 2, 2)
    with pytest.raises(ValueError, match="1-D integer"):
        StreamBatcher(np.linspace(0, 1, 100), 2, 2)
