"""Writes the README's rules reference from service.rules.names (or checks it).

python scripts/rules_reference.py          # rewrite README.md between the markers
python scripts/rules_reference.py --check  # exit 1 if README.md is out of date

Run it after the feature spec changes: the reference lists ``features.<name>`` for every feature.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.rules.names import END, START, reference

README = Path(__file__).resolve().parent.parent / "README.md"


def rendered(text: str) -> str:
    """``text`` with the reference between the markers replaced by the generated one."""
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise SystemExit(f"README.md needs the {START} and {END} markers")
    return head + reference().rstrip("\n") + tail


def main() -> int:
    """Rewrite (or with --check, compare) the README's rules reference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    updated = rendered(text)
    if args.check:
        if updated != text:
            print("README.md's rules reference is out of date: run scripts/rules_reference.py")
            return 1
        return 0
    if updated != text:
        README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
