"""The default validation cadence: every 100 steps, rarer on a large validation split."""

from __future__ import annotations

import numpy as np

from rnnplay.core.data.corpus import Dataset
from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.evaluation import EVAL_EVERY_MIN, default_eval_interval
from rnnplay.core.train.events import EvalEvent
from rnnplay.core.train.trainer import Trainer


def test_small_splits_keep_every_100_steps_large_ones_bound_the_share() -> None:
    # the sonnets (about 9k validation chars, 32 x 64 tokens a step)
    assert default_eval_interval(9_400, 2048) == EVAL_EVERY_MIN
    # tinyshakespeare: 111.5k validation chars
    assert default_eval_interval(111_540, 2048) == 246
    # PTB's validation split at the book's 20 x 35: 53 full passes in 4 epochs before
    assert default_eval_interval(73_760, 700) == 475
    # the share it implies: cost 0.5 per validated token
    k = default_eval_interval(73_760, 700)
    share = 0.5 * 73_760 / (0.5 * 73_760 + k * 700)
    assert 0.09 < share <= 0.10


def dataset(valid_chars: int) -> Dataset:
    text = "the cat sat on the mat. a dog met a cat.\n" * 200
    vocab = Vocabulary.build(text, "char")
    ids = vocab.encode(text)
    rng = np.random.default_rng(0)
    valid = rng.choice(ids, size=valid_chars)
    return Dataset(vocab=vocab, train=ids, valid=valid, test=None, name="tiny")


def config(**changes) -> TrainConfig:
    settings = dict(embed=8, hidden=16, batch=2, bptt=4, seed=3)
    return TrainConfig(**(settings | changes))


def test_the_trainer_validates_on_the_scaled_cadence_unless_told() -> None:
    trainer = Trainer(config(), dataset(valid_chars=4_000))
    assert trainer.config.eval_every is None
    assert trainer.eval_interval == default_eval_interval(4_000, 8) == 2250
    told = Trainer(config(eval_every=3), dataset(valid_chars=4_000))
    assert told.eval_interval == 3
    events = list(told.run(max_steps=7, final_eval=False))
    assert [e.step for e in events if isinstance(e, EvalEvent)] == [3, 6]


def test_streams_start_from_zeros_at_epoch_starts_and_every_k_steps_when_asked() -> None:
    trainer = Trainer(config(batching="streams"), dataset(valid_chars=100))
    per_epoch = trainer.batcher.steps_per_epoch
    resets: list[int] = []
    reset = trainer.model.reset_state

    def recording_reset() -> None:
        resets.append(trainer.step_count)
        reset()

    trainer.model.reset_state = recording_reset
    for _ in range(per_epoch + 1):
        trainer.step()
    assert resets == [per_epoch]
    resets.clear()
    trainer.stream_reset_every = 7
    for _ in range(15):
        trainer.step()
    start = per_epoch + 1
    expected = [s for s in range(start, start + 15) if s % 7 == 0 or s % per_epoch == 0]
    assert resets == expected
