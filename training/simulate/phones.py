"""Phone numbers that libphonenumber accepts, typed the many ways people type them.

Numbers start from ``phonenumbers.example_number_for_type`` and have their digits varied; each
(region, kind) gets a pool of valid number prefixes, searched once per run with its own seeded
generator so the pool does not depend on who asked first. A region without VOIP metadata (the
US: Google Voice, TextNow) yields ordinary-looking numbers for ``kind="voip"`` — the line type
is then invisible to libphonenumber, as it is in production.
"""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

_TYPES = {
    "mobile": (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "fixed": (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE),
    "voip": (PhoneNumberType.VOIP,),
}
_EXAMPLE_TYPE = {
    "mobile": PhoneNumberType.MOBILE,
    "fixed": PhoneNumberType.FIXED_LINE,
    "voip": PhoneNumberType.VOIP,
}
_POOL_SIZE = 24
_SEARCH_TRIES = 160


class PhoneBook:
    """Valid-number prefix pools per (region, kind), built lazily within one run."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._pools: dict[tuple[str, str], tuple[list[str], int]] = {}

    def has_voip(self, region: str) -> bool:
        """Whether libphonenumber can tell VOIP numbers apart in this region."""
        return phonenumbers.example_number_for_type(region, PhoneNumberType.VOIP) is not None

    def _pool(self, region: str, kind: str) -> tuple[list[str], int]:
        """(prefixes, how many digits follow each) for valid numbers of this kind."""
        key = (region, kind)
        if key in self._pools:
            return self._pools[key]
        if kind == "voip" and not self.has_voip(region):
            kind = "mobile"
        example = phonenumbers.example_number_for_type(region, _EXAMPLE_TYPE[kind])
        if example is None:
            example = phonenumbers.example_number(region)
        assert example is not None, region
        nsn = phonenumbers.national_significant_number(example)
        code = phonenumbers.country_code_for_region(region)
        rng = random.Random(f"{self._seed}:phone:{region}:{kind}")
        wanted = _TYPES[kind]
        found: dict[str, None] = {}
        tail = _tail(nsn)
        for attempt in range(_SEARCH_TRIES):
            keep = min(attempt % 4, len(nsn) - tail)
            digits = nsn[:keep] + "".join(rng.choice("0123456789") for _ in nsn[keep:])
            number = _number(code, digits)
            if (
                phonenumbers.national_significant_number(number) == digits
                and phonenumbers.is_valid_number(number)
                and phonenumbers.number_type(number) in wanted
            ):
                found[digits[:-tail]] = None
                if len(found) >= _POOL_SIZE:
                    break
        pool = (list(found) or [nsn[:-tail]], tail)
        self._pools[key] = pool
        return pool

    def number(self, rng: random.Random, region: str, kind: str = "mobile") -> PhoneNumber:
        """A valid number of ``kind`` ("mobile", "fixed", "voip") for an ISO region."""
        prefixes, tail = self._pool(region, kind)
        code = phonenumbers.country_code_for_region(region)
        number = PhoneNumber(country_code=code, national_number=0)
        for _ in range(6):
            digits = rng.choice(prefixes) + f"{rng.randrange(10**tail):0{tail}d}"
            number = _number(code, digits)
            if phonenumbers.is_valid_number(number):
                return number
        return number

    def block(self, rng: random.Random, region: str, count: int) -> list[PhoneNumber]:
        """``count`` valid mobile numbers in sequence from one block, as a SIM bank holds them.

        Numbers follow each other with small gaps (a few SIMs of the batch dead or sold).
        """
        start = self.number(rng, region, "mobile")
        digits = phonenumbers.national_significant_number(start)
        code = start.country_code or phonenumbers.country_code_for_region(region)
        value, width = int(digits), len(digits)
        out: list[PhoneNumber] = []
        misses = 0
        while len(out) < count and misses < 50:
            number = _number(code, f"{value:0{width}d}")
            if phonenumbers.is_valid_number(number):
                out.append(number)
                misses = 0
            else:
                misses += 1
            value += 1 if rng.random() < 0.8 else rng.randint(2, 4)
        return out or [start]


def _number(country_code: int, digits: str) -> PhoneNumber:
    zeros = len(digits) - len(digits.lstrip("0"))
    return PhoneNumber(
        country_code=country_code,
        national_number=int(digits),
        italian_leading_zero=True if zeros else None,
        number_of_leading_zeros=zeros if zeros > 1 else None,
    )


def _tail(nsn: str) -> int:
    """How many trailing digits vary freely within one prefix (fewer for short numbers)."""
    return 5 if len(nsn) >= 9 else (4 if len(nsn) >= 7 else 3)


def format_phone(rng: random.Random, number: PhoneNumber, e164_bias: float = 0.0) -> str:
    """The number as a person types it: E.164, international, national, bare digits, ...

    ``e164_bias`` (0..1) shifts the mix towards clean E.164, as form widgets and scripts do.
    """
    if rng.random() < e164_bias:
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    roll = rng.random()
    if roll < 0.25:
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if roll < 0.48:
        text = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    elif roll < 0.8:
        text = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    elif roll < 0.92:
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        return "".join(c for c in national if c.isdigit())
    elif roll < 0.96:
        return f"00{number.country_code} {number.national_number}"
    else:
        return f"{number.country_code}{number.national_number}"
    if rng.random() < 0.15:
        text = text.replace("-", rng.choice((" ", ".", ""))).replace("(", "").replace(")", "")
    return text


def mistype(rng: random.Random, text: str) -> str:
    """Drop or double one digit, the usual phone-field slip (usually makes it invalid)."""
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    if len(positions) < 4:
        return text
    i = rng.choice(positions[2:])
    return text[:i] + text[i + 1 :] if rng.random() < 0.5 else text[:i] + text[i] + text[i:]
