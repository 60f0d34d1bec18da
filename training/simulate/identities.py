"""People, the names they type and the email addresses they pick.

``Person`` is a synthetic human (Latin and native-script names, gender, name set). Name and email
generators take a ``naturalness``-style choice of pattern so the same code serves legitimate
users (varied, messy) and attackers (templated at low sophistication, natural at high).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from training.simulate.locales import DOMAIN_TYPOS
from training.simulate.names import COMPOUND_SURNAMES, HANDLE_WORDS, NAMES

_NICKNAMES = {
    "William": ("bill", "will", "liam"), "Robert": ("bob", "rob", "bobby"),
    "Elizabeth": ("liz", "beth", "lizzy"), "Michael": ("mike", "mikey"),
    "Christopher": ("chris", "topher"), "Jennifer": ("jen", "jenny"),
    "Katherine": ("kate", "katie", "kat"), "James": ("jim", "jimmy", "jamie"),
    "Alexander": ("alex", "xander"), "Daniel": ("dan", "danny"), "Matthew": ("matt",),
    "Jessica": ("jess", "jessie"), "Samantha": ("sam", "sammy"), "Joseph": ("joe", "joey"),
    "Anthony": ("tony",), "Richard": ("rick", "rich"), "Thomas": ("tom", "tommy"),
    "Steven": ("steve",), "Andrew": ("andy", "drew"), "Joshua": ("josh",),
    "Aleksandr": ("sasha", "alex"), "Dmitry": ("dima",), "Ekaterina": ("katya",),
    "Maximilian": ("max",), "Alejandro": ("alex", "ale"), "Francesco": ("frank", "checco"),
}  # fmt: skip
_TRANSLIT = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ı": "i", "ø": "o", "æ": "ae", "'": ""})
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic human: Latin-script names for email, native-script names when they differ."""

    first: str
    last: str
    first_native: str | None
    last_native: str | None
    female: bool
    name_set: str
    birth_year: int


@dataclass(frozen=True, slots=True)
class _NameSet:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]


def _split_names(text: str) -> tuple[str, ...]:
    for compound in COMPOUND_SURNAMES:
        text = text.replace(compound, compound.replace(" ", "_"))
    return tuple(t.replace("_", " ") for t in text.split())


class NameBook:
    """Parsed name tables; build once per simulation run."""

    def __init__(self) -> None:
        self._sets = {
            key: _NameSet(_split_names(m), _split_names(f), _split_names(last))
            for key, (m, f, last) in NAMES.items()
        }

    def person(self, rng: random.Random, name_set: str, birth_year: int | None = None) -> Person:
        """A random person from one name set."""
        table = self._sets[name_set]
        female = rng.random() < 0.5
        first = rng.choice(table.female if female else table.male)
        last = rng.choice(table.last)
        first_latin, _, first_native = first.partition("/")
        last_latin, _, last_native = last.partition("/")
        if female and name_set in ("ru", "pl"):
            last_latin, last_native = _feminine(last_latin), _feminine(last_native)
        year = birth_year if birth_year is not None else int(rng.triangular(1950, 2007, 1992))
        return Person(
            first_latin,
            last_latin,
            first_native or None,
            last_native or None,
            female,
            name_set,
            year,
        )


def _feminine(surname: str) -> str:
    for male, female in (
        ("ski", "ska"),
        ("cki", "cka"),
        ("ov", "ova"),
        ("ev", "eva"),
        ("in", "ina"),
        ("ов", "ова"),
        ("ев", "ева"),
        ("ин", "ина"),
    ):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname


def ascii_fold(text: str, german: bool = False) -> str:
    """Lower-case ASCII form of a Latin-script name, as people type it into an address."""
    if german:
        text = text.translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in "-.")).lower()


def full_name(rng: random.Random, person: Person, care: float = 1.0) -> str | None:
    """The name as typed: native script or Latin, order, case and spacing vary.

    ``care`` (0..1) lowers the chance of sloppy forms (all lower case, first name only).
    """
    roll = rng.random()
    if roll < 0.02 * (2 - care):
        return None
    first, last = person.first, person.last
    if person.first_native and person.last_native and rng.random() < 0.55:
        if person.name_set in ("ja", "ko", "zh"):
            sep = "" if person.name_set != "ja" or rng.random() < 0.6 else " "
            return f"{person.last_native}{sep}{person.first_native}"
        first, last = person.first_native, person.last_native
    elif person.name_set in ("ja", "ko", "zh", "vi", "hi") and rng.random() < 0.25:
        first, last = last, first  # family name first, as at home
    style = rng.random()
    if style < 0.05 * (2 - care):
        name = f"{first} {last}".lower()
    elif style < 0.07 * (2 - care):
        name = first
    elif style < 0.085:
        name = f"{first} {last}".upper()
    elif style < 0.14 and person.name_set in ("en", "de", "nl", "sv", "pt", "es"):
        name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
    elif style < 0.16:
        name = f"{first[0]}. {last}"
    else:
        name = f"{first} {last}"
    if rng.random() < 0.01:
        name = f" {name}  " if rng.random() < 0.5 else name.replace(" ", "  ", 1)
    return name


def _digits(rng: random.Random, person: Person) -> str:
    roll = rng.random()
    if roll < 0.35:
        return str(person.birth_year)
    if roll < 0.6:
        return f"{person.birth_year % 100:02d}"
    if roll < 0.8:
        return str(rng.randint(1, 99))
    if roll < 0.92:
        return str(rng.randint(100, 999))
    return str(rng.randint(1000, 99999))


def handle(rng: random.Random, words: Sequence[str] = HANDLE_WORDS) -> str:
    """A made-up screen name like ``bluefox42`` or ``xx_shadow_xx``."""
    a, b = rng.choice(words), rng.choice(words)
    roll = rng.random()
    if roll < 0.45:
        return f"{a}{b}{rng.randint(1, 999)}"
    if roll < 0.65:
        return f"{a}_{b}"
    if roll < 0.8:
        return f"{a}{rng.choice(('x', 'z', 'o', ''))}{b}"
    if roll < 0.9:
        return f"xx{a}xx" if rng.random() < 0.5 else f"the{a}{b}"
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9))


def name_local(rng: random.Random, person: Person, corporate: bool = False) -> str:
    """An email local part derived from a person's name, in one of the many real patterns."""
    german = person.name_set == "de" and rng.random() < 0.6
    first = ascii_fold(person.first, german).replace(" ", "")
    last = ascii_fold(person.last, german).replace(" ", "")
    if not first or not last:
        return handle(rng)
    if corporate:
        return rng.choices(
            [f"{first}.{last}", f"{first[0]}{last}", first, f"{first}{last[0]}", f"{first}_{last}"],
            weights=[55, 20, 10, 8, 7],
        )[0]
    nick = rng.choice(_NICKNAMES.get(person.first, (first[: max(3, len(first) - 2)],)))
    pattern = rng.choices(range(14), weights=[16, 9, 8, 7, 10, 8, 6, 5, 4, 6, 5, 4, 3, 9])[0]
    digits = _digits(rng, person)
    return (
        f"{first}.{last}",
        f"{first}{last}",
        f"{first[0]}{last}",
        f"{first}.{last}{digits}",
        f"{first}{last}{digits}",
        f"{first}{digits}",
        f"{nick}{digits}",
        f"{first}_{last}",
        f"{last}.{first}",
        f"{first[0]}{last}{digits}",
        f"{last}{first[0]}{digits}",
        f"{nick}.{last}",
        f"{first}.{rng.choice('abcdefghjklmnprstw')}.{last}",
        handle(rng),
    )[pattern]


def hide_my_email(rng: random.Random, sign_in_with_apple: bool = False) -> str:
    """A relay address from Apple's Hide My Email or Sign in with Apple: random by design."""
    alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
    if sign_in_with_apple:
        return "".join(rng.choice(alnum) for _ in range(10)) + "@privaterelay.appleid.com"
    first, second = rng.choice(HANDLE_WORDS), rng.choice(HANDLE_WORDS)
    tag = "".join(rng.choice(alnum) for _ in range(2))
    return f"{first}{rng.choice('_-.')}{second}.{tag}@icloud.com"


def plus_tag(rng: random.Random, local: str) -> str:
    """Add a sub-address tag, as people do for filtering (``jane+shop``)."""
    tag = rng.choice(("signup", "api", "dev", "work", "test", "news", "shop", "sg", "2026"))
    return f"{local}+{tag}"


def typo_domain(rng: random.Random, domain: str) -> str:
    """A common misspelling of a big provider's domain, or the domain itself."""
    options = DOMAIN_TYPOS.get(domain)
    return rng.choice(options) if options else domain


def shout_case(rng: random.Random, email: str) -> str:
    """Occasionally capitalised as phones auto-capitalise: ``John.Smith@Gmail.com``."""
    local, _, domain = email.partition("@")
    if rng.random() < 0.5:
        local = local[:1].upper() + local[1:]
    else:
        domain = domain[:1].upper() + domain[1:]
    return f"{local}@{domain}"


def weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    """Pick a key from ``(key, weight)`` pairs."""
    return rng.choices([k for k, _ in pairs], weights=[w for _, w in pairs])[0]
