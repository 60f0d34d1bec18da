"""The README stays true: its configuration table and quick start match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_configuration_table_lists_every_setting() -> None:
    """The README's settings table is what scripts/settings_table.py renders from Settings."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout


def test_quick_start_is_what_ci_runs() -> None:
    """The quick start's test command is the one .ci/run calls, and serve is `make serve`."""
    readme = (ROOT / "README.md").read_text()
    assert "make serve" in readme
    assert "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
