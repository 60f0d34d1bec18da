"""The README's rules reference is the one the code generates (it follows the feature spec)."""

from __future__ import annotations

from pathlib import Path

from service.domain import EventType
from service.features import names
from service.rules.names import reference

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_name_a_condition_may_use() -> None:
    """The generated reference appears verbatim in the README (scripts/rules_reference.py)."""
    assert reference() in README.read_text(encoding="utf-8")


def test_reference_names_every_feature_of_the_spec() -> None:
    """Every feature of every event type is in the reference."""
    text = reference()
    for event_type in EventType:
        for name in names(event_type):
            assert f"`features.{name}`" in text
