"""Every name a rule condition may use, with its type: generated from the feature spec.

A condition sees what the model saw for the event at decision time: ``score`` (the live model's
score), ``features.<name>`` for every feature of the event type's spec
(:data:`service.features.spec.FEATURES`, so the list follows the spec), and the derived
``signals.<name>`` below (never a raw email, phone, IP or card: domains, regions, countries,
shapes and keyed hashes). The README's rules reference is :func:`reference`, written there by
``scripts/rules_reference.py``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache

from service.domain import EventType
from service.features.spec import FEATURES, Kind


class Type(enum.StrEnum):
    """The value types of the rule language (every number is a double)."""

    NUMBER = "number"
    STRING = "string"
    BOOL = "bool"
    NUMBER_LIST = "list<number>"
    STRING_LIST = "list<string>"


@dataclass(frozen=True, slots=True)
class Name:
    """One name a condition may read."""

    name: str
    type: Type
    description: str
    # Where the value comes from: "score", "feature" (index into the vector) or "signal".
    source: str
    index: int = -1


# Derived signals logged with every decision and readable by rules. ``signup`` only unless
# listed in _BOTH. Missing values read as the empty string.
SIGNALS: dict[str, str] = {
    "email_domain": "the email's domain, lower case (IDNA ASCII)",
    "email_shape": "letter/digit runs of the email's local part and its domain, e.g. a5d4@x.com",
    "phone_region": "ISO country of the phone number",
    "card_country": "ISO country of the card",
    "billing_country": "ISO country of the billing address",
    "ip_country": "ISO country of the IP (bundled GeoIP table)",
    "ip_prefix": "keyed hash of the IP's /24 (IPv4) or /48 (IPv6)",
    "language": "primary Accept-Language, e.g. en",
}
_BOTH = frozenset({"ip_country", "ip_prefix", "language"})


def signal_names(event_type: EventType) -> tuple[str, ...]:
    """Derived signals recorded for an event type."""
    return tuple(s for s in SIGNALS if event_type is EventType.SIGNUP or s in _BOTH)


@cache
def environment(event_type: EventType) -> dict[str, Name]:
    """Every name a condition of this event type may use, by its dotted name."""
    names: dict[str, Name] = {
        "score": Name("score", Type.NUMBER, "the live model's score, 0..1", "score"),
    }
    for i, feature in enumerate(FEATURES[event_type]):
        kind = {
            Kind.NUMERIC: "numeric",
            Kind.BINARY: "1 or 0",
            Kind.CATEGORICAL: "category code",
        }[feature.kind]
        text = f"feature ({kind}, from {feature.source}); NaN when missing"
        if feature.categories is not None:
            codes = ", ".join(f"{m.name}={int(m.value)}" for m in feature.categories)
            text += f"; codes: {codes}"
        full = f"features.{feature.name}"
        names[full] = Name(full, Type.NUMBER, text, "feature", i)
    for signal in signal_names(event_type):
        full = f"signals.{signal}"
        names[full] = Name(full, Type.STRING, SIGNALS[signal], "signal")
    return names


# The README's reference sits between these markers (scripts/rules_reference.py rewrites it).
START, END = "<!-- rules-reference:start -->", "<!-- rules-reference:end -->"

FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("size(string) -> number", "length of a string"),
    ("string.startsWith(string) -> bool", "prefix test"),
    ("string.endsWith(string) -> bool", "suffix test"),
    ("string.contains(string) -> bool", "substring test"),
    ("math.isNaN(number) -> bool", "true when a feature is missing"),
    ("x in [a, b, ...]", "membership in a list literal of numbers or strings"),
)


def reference() -> str:
    """The README's rules reference (Markdown), generated from the code."""
    lines = [
        START,
        "<!-- generated: `python scripts/rules_reference.py`; checked by a test -->",
        "",
        "Operators: `&&` `||` `!` `? :` `==` `!=` `<` `<=` `>` `>=` `+` `-` `*` `/`, "
        "parentheses. Every number is a double (`20` and `20.0` are equal); a comparison "
        "with a missing (NaN) feature is false.",
        "",
        "| function | meaning |",
        "| --- | --- |",
        *(f"| `{f}` | {m} |" for f, m in FUNCTIONS),
    ]
    for event_type in EventType:
        lines += [
            "",
            f"**`{event_type.value}` rules**",
            "",
            "| name | type | meaning |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| `{n.name}` | {n.type.value} | {n.description} |"
            for n in environment(event_type).values()
        ]
    return "\n".join([*lines, END]) + "\n"
