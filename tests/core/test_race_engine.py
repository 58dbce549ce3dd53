"""The race engine: equal budgets, the same data order, rotation, the results table.

Tiny models on a tiny text, so the whole file runs in seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.data.corpus import Dataset
from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.race.contenders import contender_names, differing_settings, expand_contenders
from rnnplay.core.race.events import ContenderEvent, GradFlowEvent, RaceStopEvent
from rnnplay.core.race.rotation import Race
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent, StepEvent, StopEvent
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import ConfigError

TEXT = (
    "the cat sat on the mat. the dog ate the log. a cat and a dog met on a mat.\n"
    "when the sun is up the cat is out; when the moon is up the dog is in.\n"
) * 30

BASE = TrainConfig(embed=8, hidden=16, batch=4, bptt=8, lr=0.01, eval_every=5, seed=3)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    vocab = Vocabulary.build(TEXT, "char")
    ids = vocab.encode(TEXT)
    cut = int(len(ids) * 0.85)
    return Dataset(vocab=vocab, train=ids[:cut], valid=ids[cut:], test=None, name="tiny")


def make_race(dataset: Dataset, models=("rnn", "lstm", "gru"), **limits) -> Race:
    configs = expand_contenders(BASE, {"cell": list(models)})
    names = contender_names(configs)
    trainers = [Trainer(config, dataset) for config in configs]
    limits.setdefault("probe_distance", 5)
    return Race(list(zip(names, trainers, strict=True)), **limits)


def step_events(events) -> list[tuple[int, int]]:
    return [
        (e.contender, e.event.step)
        for e in events
        if isinstance(e, ContenderEvent) and isinstance(e.event, StepEvent)
    ]


def test_every_contender_gets_the_same_number_of_steps(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=7)
    events = list(race.run())
    assert [c.trainer.step_count for c in race.contenders] == [7, 7, 7]
    assert [row.steps for row in race.results()] == [7, 7, 7]
    assert isinstance(events[-1], RaceStopEvent) and events[-1].reason == "steps"
    assert race.rounds == 7
    assert race.step_round() == []  # a finished race does nothing more


def test_a_time_budget_still_gives_equal_steps(dataset: Dataset) -> None:
    race = make_race(dataset, max_seconds=0.05)
    events = list(race.run())
    steps = [c.trainer.step_count for c in race.contenders]
    assert len(set(steps)) == 1 and steps[0] == race.rounds >= 1
    assert events[-1].reason == "seconds"
    # The budget is the contenders' summed training time: about 3 x 0.05 s.
    assert sum(c.train_s for c in race.contenders) >= 3 * 0.05


def test_contenders_read_the_same_batches_in_the_same_order(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=12)
    seen: list[list[np.ndarray]] = [[] for _ in race.contenders]
    for contender, batches in zip(race.contenders, seen, strict=True):
        original = contender.trainer.batcher.next_batch

        def record(original=original, batches=batches):
            xs, ts = original()
            batches.append(xs.copy())
            return xs, ts

        contender.trainer.batcher.next_batch = record
    list(race.run())
    assert len(seen[0]) >= 12
    for other in seen[1:]:
        assert len(other) == len(seen[0])
        assert all(np.array_equal(a, b) for a, b in zip(seen[0], other, strict=True))


def test_rounds_take_one_step_of_each_contender_in_turn(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=3)
    first = race.step_round()
    assert step_events(first) == [(0, 1), (1, 1), (2, 1)]
    rest = list(race.run())
    assert step_events(rest) == [(0, 2), (1, 2), (2, 2), (0, 3), (1, 3), (2, 3)]


def test_validation_and_probe_follow_the_cadence_for_every_contender(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=12)  # eval_every 5: at 5, 10 and a final one at 12
    events = [e for e in race.run() if isinstance(e, ContenderEvent)]
    for index in range(3):
        mine = [e.event for e in events if e.contender == index]
        assert [e.step for e in mine if isinstance(e, EvalEvent)] == [5, 10, 12]
        assert [e.step for e in mine if isinstance(e, GradFlowEvent)] == [5, 10, 12]
        assert isinstance(mine[-1], StopEvent) and mine[-1].reason == "steps"


def test_a_raced_contender_learns_exactly_like_a_solo_run(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=12)
    raced = [
        e.event.loss
        for e in race.run()
        if isinstance(e, ContenderEvent) and e.contender == 1 and hasattr(e.event, "loss")
    ]
    solo = Trainer(BASE.replace(cell="lstm"), dataset)
    alone = [e.loss for e in solo.run(max_steps=12) if hasattr(e, "loss")]
    assert raced == alone


def test_results_table_has_every_field(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=10)
    events = list(race.run())
    rows = race.results()
    assert [row.name for row in rows] == ["rnn", "lstm", "gru"]
    for index, (row, contender) in enumerate(zip(rows, race.contenders, strict=True)):
        evals = [
            e.event.loss
            for e in events
            if isinstance(e, ContenderEvent)
            and e.contender == index
            and isinstance(e.event, EvalEvent)
        ]
        assert row.params == contender.trainer.model.num_params()
        assert row.steps == 10 and row.tokens == 10 * 4 * 8
        assert row.best_val_loss == min(evals)
        assert row.best_val_ppl == pytest.approx(np.exp(min(evals)))
        assert row.best_val_bits == pytest.approx(min(evals) / np.log(2))
        assert row.tokens_per_s > 0 and row.wall_s >= row.train_s > 0
        assert row.grad_reach is not None and row.grad_reach > 0
        assert row.status == "steps"
        assert row.differs == {"cell": row.name}
    assert rows[0].params < rows[2].params < rows[1].params  # rnn < gru < lstm
    record = rows[0].to_json()
    assert set(record) >= {
        "name",
        "model",
        "params",
        "steps",
        "tokens_per_s",
        "best_val_loss",
        "best_val_ppl",
        "best_val_bits",
        "grad_reach",
        "wall_s",
        "differs",
    }


def test_a_probe_window_shorter_than_the_distance_reports_no_reach(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=5, probe_distance=50)  # bptt 8 < 50
    list(race.run())
    assert all(row.grad_reach is None for row in race.results())


def test_cancel_ends_at_once_without_final_validation(dataset: Dataset) -> None:
    race = make_race(dataset, max_steps=100)
    race.step_round()
    events = race.cancel()
    assert [e.event.reason for e in events if isinstance(e, ContenderEvent)] == ["cancelled"] * 3
    assert isinstance(events[-1], RaceStopEvent) and race.done
    assert all(row.best_val_loss is None for row in race.results())


def test_contenders_may_differ_in_other_flags(dataset: Dataset) -> None:
    configs = expand_contenders(BASE, {"cell": ["lstm"], "hidden": [8, 16]})
    assert [c.hidden for c in configs] == [8, 16] and {c.cell for c in configs} == {"lstm"}
    assert differing_settings(configs) == ["hidden"]
    assert contender_names(configs) == ["lstm hidden=8", "lstm hidden=16"]


@pytest.mark.parametrize(
    ("variations", "message"),
    [
        ({"cell": ["lstm"]}, "2 to 4 contenders, got 1"),
        ({"cell": ["rnn", "lstm", "gru", "rnn", "lstm"]}, "2 to 4 contenders, got 5"),
        ({"cell": ["rnn", "lstm"], "hidden": [8, 16, 32]}, "same length"),
        ({"cell": ["rnn", "transformer"]}, "--cell must be one of"),
        ({"cell": ["lstm", "lstm"]}, "contenders 1 and 2 are the same"),
    ],
)
def test_bad_contender_lists_are_refused_in_one_line(variations, message) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        expand_contenders(BASE, variations)
    assert "\n" not in str(info.value)


def test_a_race_needs_two_to_four_contenders(dataset: Dataset) -> None:
    trainer = Trainer(BASE, dataset)
    with pytest.raises(ConfigError, match="2 to 4"):
        Race([("only", trainer)])


def test_a_contender_whose_validation_is_not_finite_drops_out(dataset: Dataset) -> None:
    import dataclasses
    import math

    race = make_race(dataset, max_steps=10)
    lstm = race.contenders[1].trainer
    evaluate = lstm.evaluate

    def broken(split: str = "valid"):
        event = evaluate(split)
        return dataclasses.replace(event, loss=math.nan, ppl=math.nan)

    lstm.evaluate = broken
    events = list(race.run())
    stops = {
        e.contender: e.event
        for e in events
        if isinstance(e, ContenderEvent) and isinstance(e.event, StopEvent)
    }
    assert stops[1].reason == "nonfinite" and stops[1].step == 5
    assert "validation loss became nan" in stops[1].message
    assert stops[0].reason == stops[2].reason == "steps"
    assert [c.trainer.step_count for c in race.contenders] == [10, 5, 10]
    assert not any(
        isinstance(e, ContenderEvent) and e.contender == 1 and isinstance(e.event, GradFlowEvent)
        for e in events
    )


def test_a_probe_on_demand_leaves_training_untouched(dataset: Dataset) -> None:
    probed, plain = make_race(dataset, max_steps=6), make_race(dataset, max_steps=6)
    probed.step_round()
    event = probed.probe(0)
    assert isinstance(event.event, GradFlowEvent) and event.event.step == 1
    assert len(event.event.flows) == 1 and len(event.event.flows[0]) == BASE.bptt
    losses = [
        [e.event.loss for e in race.run() if hasattr(e, "event") and hasattr(e.event, "loss")]
        for race in (probed, plain)
    ]
    assert losses[0] == losses[1][3:]  # plain's first round (3 steps) came before
