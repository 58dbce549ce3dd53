"""``rnnplay export`` and ``rnnplay import``: models travel to PyTorch and back.

``export CHECKPOINT OUT.safetensors`` writes a checkpoint's weights in
PyTorch's layout (:mod:`rnnplay.core.store.torch_layout`) and prints the
lines of PyTorch that load it. ``import IN.safetensors --out RUN`` makes a
run folder from such a file through the front door
(:func:`rnnplay.core.runs.opening.open_run`), so ``sample``, ``eval``, ``train
--resume`` and the playground open ``RUN/last.npz`` like any run's.

A command module of the CLI: :func:`register` adds its parsers and sets their
handlers. Light at import: NumPy and safetensors load when a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rnnplay.cli.flags import add_version
from rnnplay.errors import EXIT_OK, UsageError
from rnnplay.process import streams


def register(commands: Any) -> None:
    """Add ``export`` and ``import`` to the CLI's subparsers."""
    export = commands.add_parser(
        "export",
        help="write a checkpoint's weights for PyTorch (safetensors)",
        description="Write a checkpoint's weights as a safetensors file in PyTorch's layout "
        "(nn.Embedding, nn.RNN/LSTM/GRU, nn.Linear), with the vocabulary and the model "
        "config in its metadata, and print the lines of PyTorch that load it.",
    )
    export.add_argument("checkpoint", metavar="CHECKPOINT")
    export.add_argument("out", metavar="OUT.safetensors")
    export.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    add_version(export)
    export.set_defaults(handler=_cmd_export)

    imports = commands.add_parser(
        "import",
        help="a run folder from a safetensors file in PyTorch's layout",
        description="Make a run folder (RUN/last.npz) from a safetensors file written by "
        "'rnnplay export' or by PyTorch code following its layout; sample, eval, "
        "train --resume and the playground then open it. The corpus must give the "
        "model's vocabulary, so that training can continue on it.",
    )
    imports.add_argument("file", metavar="IN.safetensors")
    imports.add_argument("--out", required=True, metavar="RUN", help="the run folder to make")
    imports.add_argument(
        "--vocab",
        default=None,
        metavar="FILE",
        help="JSON vocabulary (a list of tokens in id order, or level and tokens), "
        "for a file whose metadata has none",
    )
    imports.add_argument(
        "--corpus",
        default=None,
        metavar="NAME|PATH",
        help="the text it was trained on (default: the one the file names, else the "
        "default corpus)",
    )
    imports.add_argument(
        "--batch", type=int, default=None, metavar="N", help="sequences per batch, to train on"
    )
    imports.add_argument(
        "--bptt", type=int, default=None, metavar="T", help="time steps per batch, to train on"
    )
    add_version(imports)
    imports.set_defaults(handler=_cmd_import)


# -- export ------------------------------------------------------------------------
def _cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"'{out}' is a folder; give the name of the file to write")
    if out.exists() and not args.overwrite:
        raise UsageError(f"'{out}' exists; add --overwrite to replace it")
    from rnnplay.core.store.checkpoint import load_checkpoint
    from rnnplay.core.store.travel import export_model

    checkpoint = load_checkpoint(args.checkpoint)
    saved = checkpoint.meta.get("config") if isinstance(checkpoint.meta, dict) else None
    corpus = saved.get("corpus") if isinstance(saved, dict) else None
    model = checkpoint.model
    export_model(out, model, checkpoint.vocab, corpus if isinstance(corpus, str) else None)
    streams.write_out(torch_lines(str(out), model.config.to_json()))
    return EXIT_OK


def torch_lines(path: str, config: dict[str, Any]) -> str:
    """The PyTorch code that loads the exported file at ``path`` (printed by export)."""
    from rnnplay.core.store.torch_layout import TORCH_MODULES

    V, D, H, L = config["vocab_size"], config["embed"], config["hidden"], config["layers"]
    module = TORCH_MODULES[config["cell"]]
    layers = "layer" if L == 1 else "layers"
    lines = [
        f"# {path}: a {config['cell']} language model ({V} tokens, embed {D}, hidden {H}, "
        f"{L} {layers}) in PyTorch's layout. To load it:",
        "import json",
        "import torch",
        "from safetensors import safe_open",
        "from safetensors.torch import load_file",
        "",
        "class RNNLM(torch.nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        f"        self.embedding = torch.nn.Embedding({V}, {D})",
        f"        self.rnn = torch.nn.{module}({D}, {H}, num_layers={L}, batch_first=True)",
        f"        self.decoder = torch.nn.Linear({H}, {V})",
    ]
    if config["tie"]:
        lines.append("        self.decoder.weight = self.embedding.weight  # tied")
    lines += [
        "",
        "    def forward(self, ids, state=None):",
        "        out, state = self.rnn(self.embedding(ids), state)",
        "        return self.decoder(out), state",
        "",
        "model = RNNLM().double()" if config["dtype"] == "float64" else "model = RNNLM()",
        f"model.load_state_dict(load_file({path!r}))",
        f"with safe_open({path!r}, 'pt') as f:",
        "    tokens = json.loads(f.metadata()['rnnplay.vocab'])['tokens']  # id -> token",
    ]
    return "\n".join(lines) + "\n"


# -- import ------------------------------------------------------------------------
def _cmd_import(args: argparse.Namespace) -> int:
    from rnnplay.core.runs.opening import open_run
    from rnnplay.core.store.run_folder import LAST
    from rnnplay.core.store.travel import import_model, read_vocabulary
    from rnnplay.core.train.config import TrainConfig

    vocab = read_vocabulary(args.vocab) if args.vocab is not None else None
    imported = import_model(args.file, vocab)
    model, vocab = imported.model, imported.vocab
    shape = {k: v for k, v in model.config.to_json().items() if k != "vocab_size"}
    corpus = args.corpus or imported.corpus or TrainConfig.corpus
    sizes = {k: getattr(args, k) for k in ("batch", "bptt") if getattr(args, k) is not None}
    config = TrainConfig(
        corpus=corpus,
        level=vocab.level,
        max_vocab=len(vocab) if len(vocab) >= 2 else None,
        **shape,
        **sizes,
    )
    run = open_run(config, out=args.out, model=model, vocab=vocab)
    try:
        path = run.save(LAST)
    except BaseException:
        run.close("failed")
        raise
    run.close("done")
    cell, layers = model.config.cell, model.config.layers
    streams.write_out(
        f"imported {args.file} ({cell}, {layers} layer{'s' if layers > 1 else ''}, "
        f"{len(vocab)} {vocab.level} tokens; corpus {corpus}) into {path}\n"
        f"  rnnplay sample {path}\n"
        f"  rnnplay train --resume {path} --max-steps N\n"
    )
    return EXIT_OK
