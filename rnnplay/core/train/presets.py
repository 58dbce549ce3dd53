"""Named recipes: a set of TrainConfig settings a user picks with ``--preset NAME``.

A preset only fills in settings; a flag typed beside it wins. The defaults
stay the recipe that learns visibly within seconds; a preset is for a
stated goal that needs other choices (here: the lowest validation loss a
char-level model reaches in about three minutes on two cores). Its step
budget is what makes a cosine schedule end on time, and steps (not
seconds) keep a resumed run bit-exact; the seconds it takes depend on the
machine, which is why the summary says where it was measured.

``ptb-small`` is a paper's recipe rather than a time budget: Zaremba, Sutskever
and Vinyals (2014), "Recurrent neural network regularization", the small
non-regularized model, given with ``--corpus ptb.train.txt --valid ptb.valid.txt
--test ptb.test.txt``. The paper's loss is the sum over the 20 time steps of
the mean over the batch; rnnplay's is the mean over all 400 positions, 20
times smaller, and so are its gradients. The paper's lr 1 and clip 5 are
therefore lr 20 and clip 0.25 here: the same updates, step for step (the
book's ch06 recipe took the same two numbers). What differs from the paper: rnnplay's initialisation
(scaled Gaussians, not uniform in [-0.1, 0.1]), its evaluation (every token
once, state carried) and its epoch count (ceil, not floor, of the batches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PRESETS", "Preset"]

PTB_STEPS_PER_EPOCH = 2324
"""Steps of one epoch of the PTB training text (929,588 targets) in 20x20 batches:
``ptb-small`` validates once per epoch, as the paper reports its curve."""


@dataclass(frozen=True)
class Preset:
    """A named set of TrainConfig settings and a line saying what it is for."""

    name: str
    summary: str
    settings: dict[str, Any] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="char-3min",
            summary=(
                "char-level LSTM for a ~1M-char text in about 3 minutes on 2 quiet cores: "
                "H=384, random windows, Adam 1e-2 decayed by a cosine over 3400 steps "
                "(docs/quality.md)"
            ),
            settings={
                "cell": "lstm",
                "hidden": 384,
                "embed": 64,
                "layers": 1,
                "batch": 32,
                "bptt": 64,
                "batching": "random",
                "optimizer": "adam",
                "lr": 1e-2,
                "schedule": "cosine",
                "max_steps": 3400,
            },
        ),
        Preset(
            name="ptb-small",
            summary=(
                "Zaremba et al. 2014's small word-level LSTM for the Penn Treebank "
                "(test perplexity 114.5 in the paper): 2x200, streams of 20x20, SGD lr 20 "
                "halved every epoch after the 4th, clip 0.25 (the paper's lr 1 and clip 5 "
                "on a loss summed over the 20 steps), 13 epochs (docs/results.md)"
            ),
            settings={
                "level": "word",
                "cell": "lstm",
                "embed": 200,
                "hidden": 200,
                "layers": 2,
                "dropout": 0.0,
                "forget_bias": 0.0,
                "batch": 20,
                "bptt": 20,
                "batching": "streams",
                "optimizer": "sgd",
                "lr": 20.0,
                "schedule": "epoch-decay",
                "decay_after": 4,
                "decay_factor": 0.5,
                "clip": 0.25,
                "epochs": 13.0,
                "eval_every": PTB_STEPS_PER_EPOCH,
            },
        ),
    )
}
