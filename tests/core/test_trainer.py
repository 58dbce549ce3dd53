"""The Trainer: steps, evaluation, the run loop, schedules, NaN handling,
the gradient-flow probe, and exact resume through a checkpoint.

Models and corpora are tiny so the whole file runs in seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnplay.core.data.corpus import Dataset
from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from rnnplay.core.train.config import ConfigError, TrainConfig
from rnnplay.core.train.evaluation import sequence_loss
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent
from rnnplay.core.train.trainer import Trainer

TEXT = (
    "the cat sat on the mat. the dog ate the log. a cat and a dog met on a mat.\n"
    "when the sun is up the cat is out; when the moon is up the dog is in.\n"
) * 30


def make_dataset(text: str = TEXT, with_test: bool = False) -> Dataset:
    vocab = Vocabulary.build(text, "char")
    ids = vocab.encode(text)
    cut = int(len(ids) * 0.85)
    test = ids[cut - 300 : cut] if with_test else None
    return Dataset(vocab=vocab, train=ids[:cut], valid=ids[cut:], test=test, name="tiny")


def tiny(**changes) -> TrainConfig:
    settings = dict(embed=8, hidden=16, batch=4, bptt=8, lr=0.01, eval_every=50, seed=3)
    settings.update(changes)
    return TrainConfig(**settings)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return make_dataset()


def losses(events) -> list[float]:
    return [e.loss for e in events if isinstance(e, StepEvent)]


# -- steps -----------------------------------------------------------------------------
def test_steps_learn_the_corpus(dataset: Dataset) -> None:
    trainer = Trainer(tiny(lr=0.02), dataset)
    first = trainer.evaluate().loss
    for _ in range(150):
        trainer.step()
    after = trainer.evaluate().loss
    assert first == pytest.approx(math.log(len(dataset.vocab)), rel=0.05)
    assert after < 0.6 * first


def test_step_event_reports_counts_and_updates_the_weights(dataset: Dataset) -> None:
    trainer = Trainer(tiny(), dataset)
    before = [p.copy() for p in trainer.model.params]
    event = trainer.step()
    assert isinstance(event, StepEvent)
    assert (event.step, event.tokens) == (1, 4 * 8)
    assert trainer.step_count == 1 and trainer.tokens_seen == 32
    assert event.epoch == pytest.approx(32 / (len(dataset.train) - 1))
    assert event.lr == 0.01 and event.grad_norm > 0 and event.tokens_per_s > 0
    assert math.isfinite(event.loss) and event.elapsed_s > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, trainer.model.params, strict=True))


def test_gradients_are_clipped_to_the_configured_norm(dataset: Dataset) -> None:
    trainer = Trainer(tiny(clip=1e-3), dataset)
    event = trainer.step()
    total = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in trainer.model.grads))
    assert event.grad_norm > 1e-3  # reported before clipping
    assert total == pytest.approx(1e-3, rel=1e-3)


def test_random_batching_resets_state_before_each_batch(dataset: Dataset) -> None:
    trainer = Trainer(tiny(batching="random"), dataset)
    trainer.step()
    trainer.model.set_state([{"h": np.full((4, 16), 5.0), "c": np.full((4, 16), 5.0)}])
    poisoned = trainer.step().loss
    fresh = Trainer(tiny(batching="random"), dataset)
    fresh.step()
    assert poisoned == fresh.step().loss


def test_stream_state_is_carried_between_batches_and_reset_each_epoch(dataset: Dataset) -> None:
    trainer = Trainer(tiny(), dataset)
    trainer.step()
    carried = trainer.model.get_state()
    assert carried is not None and np.abs(carried[0]["h"]).sum() > 0
    per_epoch = trainer.batcher.steps_per_epoch
    for _ in range(per_epoch - 1):
        trainer.step()
    # the first batch of epoch 2 starts from zeros: poisoning the state changes nothing
    trainer.model.set_state([{"h": np.full((4, 16), 3.0), "c": np.full((4, 16), 3.0)}])
    twin = Trainer(tiny(), dataset)
    for _ in range(per_epoch):
        twin.step()
    assert trainer.step().loss == twin.step().loss


# -- learning rate and schedules -----------------------------------------------------
def test_lr_changes_between_steps_without_resetting_the_optimizer(dataset: Dataset) -> None:
    trainer = Trainer(tiny(), dataset)
    trainer.step()
    trainer.step()
    m_before = trainer.optimizer.state["m"][0].copy()
    trainer.lr = 0.001
    assert trainer.lr == 0.001
    assert trainer.optimizer.t == 2
    np.testing.assert_array_equal(trainer.optimizer.state["m"][0], m_before)
    assert trainer.step().lr == 0.001
    assert trainer.optimizer.t == 3 and trainer.step_count == 3
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="learning rate"):
            trainer.lr = bad


def test_cosine_schedule_drives_the_step_lr(dataset: Dataset) -> None:
    trainer = Trainer(tiny(schedule="cosine", max_steps=50, warmup_steps=5), dataset)
    lrs = [trainer.step().lr for _ in range(50)]
    assert lrs[:5] == pytest.approx([0.002, 0.004, 0.006, 0.008, 0.01])
    assert lrs[5] == pytest.approx(0.01)
    assert lrs[-1] < 0.0015
    assert np.all(np.diff(lrs[5:]) <= 0)


def test_plateau_divides_the_lr_when_validation_worsens(dataset: Dataset, monkeypatch) -> None:
    trainer = Trainer(tiny(schedule="plateau", eval_every=2), dataset)
    scripted = iter([2.0, 1.5, 1.8, 1.9])
    monkeypatch.setattr(
        "rnnplay.core.train.trainer.sequence_loss", lambda *a, **k: (next(scripted), 10)
    )
    events = list(trainer.run(max_steps=8, final_eval=False))
    changes = [e for e in events if isinstance(e, LRChangeEvent)]
    assert [(c.step, c.old_lr, c.new_lr) for c in changes] == [
        (6, 0.01, 0.0025),
        (8, 0.0025, 0.000625),
    ]
    step_lrs = [e.lr for e in events if isinstance(e, StepEvent)]
    assert step_lrs == [0.01] * 6 + [0.0025] * 2
    assert trainer.lr == 0.000625


# -- evaluation ---------------------------------------------------------------------------
def test_evaluate_reports_perplexity_and_leaves_training_exactly_as_it_was(
    dataset: Dataset,
) -> None:
    config = tiny(dropout=0.3)
    a, b = Trainer(config, dataset), Trainer(config, dataset)
    a.step()
    b.step()
    event = a.evaluate()
    assert isinstance(event, EvalEvent) and event.kind == "eval"
    assert event.ppl == pytest.approx(math.exp(event.loss))
    assert a.model.training
    assert [a.step().loss for _ in range(5)] == [b.step().loss for _ in range(5)]
    for pa, pb in zip(a.model.params, b.model.params, strict=True):
        np.testing.assert_array_equal(pa, pb)


def test_evaluate_tracks_the_best_validation_loss(dataset: Dataset) -> None:
    trainer = Trainer(tiny(lr=0.02), dataset)
    first = trainer.evaluate()
    assert trainer.improved and trainer.best_val_loss == first.loss
    for _ in range(40):
        trainer.step()
    second = trainer.evaluate()
    assert second.loss < first.loss and trainer.improved
    assert trainer.evaluate().loss == second.loss and not trainer.improved
    assert [h["step"] for h in trainer.history] == [0, 40, 40]


def test_test_split_is_evaluated_on_request() -> None:
    trainer = Trainer(tiny(), make_dataset(with_test=True))
    assert trainer.evaluate("test").kind == "test"
    with pytest.raises(ValueError, match="no test split"):
        Trainer(tiny(), make_dataset()).evaluate("test")


def _stateless_rnn(vocab_size: int) -> RNNLM:
    """An RNN whose recurrent weights are zero: each prediction depends only on its token."""
    model = RNNLM(vocab_size, 6, 10, cell="rnn", seed=0)
    model.recurrent[0].params[1][...] = 0
    return model


@pytest.mark.parametrize(("batch", "bptt"), [(1, 7), (3, 5), (4, 8), (32, 4), (5, 1000)])
def test_sequence_loss_scores_every_token_once_whatever_the_batching(batch, bptt) -> None:
    dataset = make_dataset()
    ids = dataset.valid[:203]
    model = _stateless_rnn(len(dataset.vocab))
    model.eval()
    scores = model.predict(ids[:-1].reshape(1, -1)).astype(np.float64)[0]
    scores -= scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(202), ids[1:]].mean()
    model.train()
    loss, count = sequence_loss(model, ids, batch, bptt)
    assert count == 202
    assert loss == pytest.approx(expected, rel=1e-5)
    assert model.training


# -- the run loop -----------------------------------------------------------------------
def test_run_stops_at_the_step_limit_with_evaluations_on_the_cadence(dataset: Dataset) -> None:
    trainer = Trainer(tiny(eval_every=4), dataset)
    events = list(trainer.run(max_steps=10))
    kinds = [(e.kind, e.step) for e in events if not isinstance(e, StepEvent)]
    assert kinds == [("eval", 4), ("eval", 8), ("eval", 10), ("stop", 10)]
    assert events[-1].reason == "steps"
    assert [e.step for e in events if isinstance(e, StepEvent)] == list(range(1, 11))
    # limits are totals: a second run to the same limit does nothing more
    again = list(trainer.run(max_steps=10))
    assert [e.kind for e in again] == ["stop"] and trainer.step_count == 10


def test_run_stops_at_epochs_and_seconds(dataset: Dataset) -> None:
    trainer = Trainer(tiny(eval_every=1000), dataset)
    events = list(trainer.run(max_epochs=1.0))
    assert events[-1].reason == "epochs" and trainer.epoch >= 1.0
    assert trainer.step_count == trainer.batcher.steps_per_epoch
    timed = list(Trainer(tiny(), dataset).run(max_seconds=0.0, eval_every=0))
    assert [e.kind for e in timed] == ["stop"] and timed[0].reason == "seconds"


def test_should_stop_is_asked_before_every_step(dataset: Dataset) -> None:
    trainer = Trainer(tiny(eval_every=2), dataset)
    asked = []

    def should_stop() -> bool:
        asked.append(trainer.step_count)
        return trainer.step_count >= 3

    events = list(trainer.run(max_steps=100, should_stop=should_stop))
    assert asked == [0, 1, 2, 3]
    assert isinstance(events[-1], StopEvent) and events[-1].reason == "cancelled"
    # cancelling is immediate: no final evaluation after step 3
    assert [e.kind for e in events if not isinstance(e, StepEvent)] == ["eval", "stop"]


# -- non-finite losses ------------------------------------------------------------------
def test_nan_loss_stops_without_touching_the_weights(dataset: Dataset, monkeypatch) -> None:
    trainer = Trainer(tiny(eval_every=1000), dataset)
    list(trainer.run(max_steps=3))
    params = [p.copy() for p in trainer.model.params]
    state = trainer.model.get_state()
    batcher = trainer.batcher.state_dict()
    adam_t = trainer.optimizer.t
    real_forward = RNNLM.forward
    monkeypatch.setattr(RNNLM, "forward", lambda self, xs, ts: math.nan)
    events = list(trainer.run(max_steps=10))
    stop = events[-1]
    assert [e.kind for e in events] == ["stop"]
    assert stop.reason == "nonfinite" and stop.step == 4
    assert "step 4" in stop.message and "lower learning rate" in stop.message
    assert trainer.step_count == 3 and trainer.optimizer.t == adam_t
    assert trainer.batcher.state_dict() == batcher
    for p, q in zip(params, trainer.model.params, strict=True):
        np.testing.assert_array_equal(p, q)
    for s, t in zip(state, trainer.model.get_state(), strict=True):
        np.testing.assert_array_equal(s["h"], t["h"])
    # with the fault gone the same batch is retried and training goes on
    monkeypatch.setattr(RNNLM, "forward", real_forward)
    assert trainer.step().step == 4


def test_a_huge_learning_rate_ends_in_a_nonfinite_stop(dataset: Dataset) -> None:
    trainer = Trainer(tiny(optimizer="sgd", lr=1e30, clip=1e6), dataset)
    events = list(trainer.run(max_steps=50, eval_every=0))
    stop = events[-1]
    assert stop.reason == "nonfinite" and f"step {stop.step}" in stop.message
    assert trainer.step_count == stop.step - 1


# -- gradient flow --------------------------------------------------------------------------
def test_grad_flow_probe_measures_distance_back_for_each_layer(dataset: Dataset) -> None:
    trainer = Trainer(tiny(cell="rnn", layers=2, bptt=12), dataset)
    for layer in trainer.model.recurrent:
        layer.params[1] *= 0.3  # small recurrent weights: the gradient must vanish
    flows = trainer.probe_grad_flow()
    assert len(flows) == 2
    for flow in flows:
        assert flow.shape == (12,) and flow[0] > 0
        assert np.all(np.diff(flow) < 0)
        assert flow[-1] < 1e-3 * flow[0]
    assert not any(layer.record_grad_flow for layer in trainer.model.recurrent)


@pytest.mark.parametrize(
    "changes",
    [
        {"cell": "lstm", "layers": 2, "dropout": 0.2},
        {"cell": "gru", "batching": "random", "dropout": 0.1},
    ],
)
def test_probing_grad_flow_leaves_training_bit_identical(dataset: Dataset, changes) -> None:
    plain = Trainer(tiny(**changes), dataset)
    probed = Trainer(tiny(**changes), dataset)
    expected = [plain.step().loss for _ in range(12)]
    got = []
    for k in range(12):
        if k % 3 == 1:
            probed.probe_grad_flow()
        got.append(probed.step().loss)
        if k % 4 == 2:
            probed.probe_grad_flow()
    assert got == expected
    for a, b in zip(plain.model.params, probed.model.params, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(plain.model.grads, probed.model.grads, strict=True):
        np.testing.assert_array_equal(a, b)


# -- checkpoints and exact resume -----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    "changes",
    [
        {"schedule": "cosine", "max_steps": 400, "warmup_steps": 20},
        {"batching": "random", "dropout": 0.2, "cell": "gru", "schedule": "plateau"},
    ],
)
def test_resume_continues_bit_for_bit(dataset: Dataset, tmp_path, changes) -> None:
    config = tiny(eval_every=50, **changes)
    straight = Trainer(config, dataset)
    expected = losses(straight.run(max_steps=400))

    first = Trainer(config, dataset)
    head = losses(first.run(max_steps=200))
    path = first.save(tmp_path / "half.npz")
    resumed = Trainer.resume(path, dataset=dataset)
    assert resumed.step_count == 200 and resumed.tokens_seen == first.tokens_seen
    assert resumed.best_val_loss == first.best_val_loss
    tail = losses(resumed.run(max_steps=400))
    assert head + tail == expected
    for a, b in zip(straight.model.params, resumed.model.params, strict=True):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_round_trip_through_the_trainer(dataset: Dataset, tmp_path) -> None:
    trainer = Trainer(tiny(), dataset)
    list(trainer.run(max_steps=60))
    path = trainer.save(tmp_path / "run.npz")
    checkpoint = load_checkpoint(path)
    assert checkpoint.vocab == dataset.vocab
    assert checkpoint.meta["step"] == 60
    assert checkpoint.meta["config"]["hidden"] == 16
    assert [h["step"] for h in checkpoint.meta["history"]] == [50, 60]
    for a, b in zip(trainer.model.params, checkpoint.model.params, strict=True):
        np.testing.assert_array_equal(a, b)
    assert sequence_loss(checkpoint.model, dataset.valid, 4, 8)[0] == pytest.approx(
        trainer.history[-1]["loss"], rel=1e-6
    )


def test_resume_refuses_a_model_only_checkpoint_and_changed_settings(
    dataset: Dataset, tmp_path
) -> None:
    trainer = Trainer(tiny(), dataset)
    trainer.step()
    bare = save_checkpoint(tmp_path / "bare.npz", model=trainer.model, vocab=dataset.vocab)
    with pytest.raises(CheckpointError, match="without training state"):
        Trainer.resume(bare, dataset=dataset)
    full = trainer.save(tmp_path / "full.npz")
    with pytest.raises(ConfigError, match="--hidden"):
        Trainer.resume(full, dataset=dataset, overrides={"hidden": 32})
    same = Trainer.resume(full, dataset=dataset, overrides={"hidden": 16, "max_steps": 9})
    assert same.config.max_steps == 9
    faster = Trainer.resume(full, dataset=dataset, overrides={"lr": 0.5})
    assert faster.lr == 0.5
    other = make_dataset(TEXT.upper())
    with pytest.raises(CheckpointError, match="different vocabulary"):
        Trainer.resume(full, dataset=other)


def test_a_corpus_shorter_than_one_batch_is_refused_with_the_length_needed() -> None:
    dataset = make_dataset("abcdefghij" * 3)
    with pytest.raises(ConfigError, match="needs at least 33"):
        Trainer(tiny(), dataset)
