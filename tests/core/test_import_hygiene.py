"""The engine is reachable without the TUI: importing it loads neither textual nor rich.
(What ``rnnplay --help`` loads is tests/cli/test_process.py's.)"""

from __future__ import annotations

import subprocess
import sys


def loaded_modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


def test_core_imports_neither_textual_nor_rich() -> None:
    modules = loaded_modules_after("import rnnplay.core, rnnplay.core.nn.model")
    assert "numpy" in modules, "sanity: the probe sees what was imported"
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich")}


def test_numba_loads_only_when_a_recurrent_layer_runs() -> None:
    """The compiled loop's numba (the ``fast`` extra) costs ~0.3 s to import: neither
    ``rnnplay --help`` nor importing the engine and building a model may pay it."""
    modules = loaded_modules_after(
        "from rnnplay import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "import rnnplay.core\nfrom rnnplay.core import RNNLM\nRNNLM(5, 4, 8, seed=0)"
    )
    assert "rnnplay.core.nn.model" in modules
    assert not {m for m in modules if m.split(".")[0] in ("numba", "scipy")}
