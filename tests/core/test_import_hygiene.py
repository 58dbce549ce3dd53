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
