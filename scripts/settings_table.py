"""Writes the README's configuration table from service.config.Settings (or checks it).

python scripts/settings_table.py          # rewrite README.md between the markers
python scripts/settings_table.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.cli import build_parser
from service.config import DEFAULT_MODEL_DIR, Settings

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def _flags() -> set[str]:
    parser = build_parser()
    serve = next(
        action.choices["serve"]
        for action in parser._actions
        if hasattr(action, "choices") and isinstance(action.choices, dict)
    )
    return {opt for action in serve._actions for opt in action.option_strings}


def table() -> str:
    """The markdown table of every setting."""
    flags = _flags()
    lines = ["| setting | flag | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if hasattr(default, "get_secret_value"):
            default = "(development key: set your own)"
        elif default == DEFAULT_MODEL_DIR:
            default = "(the model shipped in the package)"
        flag = f"--{name.replace('_', '-')}"
        lines.append(
            f"| `SIGNUPGUARD_{name.upper()}` | {f'`{flag}`' if flag in flags else ''} | "
            f"`{default}` | {field.description} |"
        )
    return "\n".join(lines)


def render(text: str) -> str:
    """README text with the table between the markers replaced."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    """Rewrite or check README.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    fresh = render(text)
    if args.check:
        if fresh != text:
            print("README.md configuration table is stale: run scripts/settings_table.py")
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
