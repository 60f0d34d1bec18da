"""Browser locale: IANA timezone → countries, and Accept-Language → languages and countries.

Timezones come from the ``tzdata`` package. A zone's countries are the union of ``zone.tab``
(the country a zone name belongs to) and ``zone1970.tab`` (every country whose clocks have
agreed with the zone since 1970, so Europe/Berlin also covers DK, NO, SE, SJ). Names that are
only links (Asia/Calcutta, US/Eastern, Europe/Kiev: what browsers often report, because ICU keeps
the old names) are resolved to the zones whose compiled file is byte-identical. Lookups ignore
case. UTC, Etc/GMT+5 and similar are valid but name no country.

Accept-Language countries are the region subtags (en-US → US, zh-Hant-TW → TW; numeric UN
regions such as es-419 are ignored) plus, for a bare language tag, the one country where that
language is essentially national (``_NATIONAL_LANGUAGES``: ja → JP, ko → KR ...). Languages
spoken as a majority language in several countries (en, es, fr, de, pt, ar, zh, ru ...) imply
nothing.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from service.signals.types import LocaleSignals

_EMPTY: frozenset[str] = frozenset()
_MAX_LANGUAGE_ITEMS = 32  # real headers carry under 10; the rest of a longer one is ignored
_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")

_NATIONAL_LANGUAGES: Mapping[str, str] = MappingProxyType(
    {
        "ja": "JP",
        "ko": "KR",
        "th": "TH",
        "vi": "VN",
        "uk": "UA",
        "pl": "PL",
        "cs": "CZ",
        "sk": "SK",
        "hu": "HU",
        "bg": "BG",
        "sl": "SI",
        "lt": "LT",
        "lv": "LV",
        "et": "EE",
        "fi": "FI",
        "da": "DK",
        "nb": "NO",
        "nn": "NO",
        "no": "NO",
        "is": "IS",
        "he": "IL",
        "iw": "IL",
        "ka": "GE",
        "hy": "AM",
        "id": "ID",
        "km": "KH",
        "lo": "LA",
        "my": "MM",
        "mn": "MN",
    }
)


@dataclass(frozen=True, slots=True)
class ZoneTable:
    """Every IANA timezone name (lower-cased) → the countries that use it."""

    countries: Mapping[str, frozenset[str]]

    def lookup(self, name: str) -> frozenset[str] | None:
        """Countries of a zone (possibly none), or ``None`` when the name is not a zone."""
        return self.countries.get(name.strip().lower())


def _zone_tab_rows(text: str) -> list[tuple[list[str], str]]:
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            rows.append((fields[0].split(","), fields[2]))
    return rows


def zoneinfo_dir() -> Path:
    """The ``zoneinfo`` directory of the installed ``tzdata`` package."""
    return Path(str(importlib.resources.files("tzdata").joinpath("zoneinfo")))


def load_zone_table() -> ZoneTable:
    """Build the table from the installed ``tzdata`` package (about 50 ms: it reads ~600 files)."""
    package = importlib.resources.files("tzdata")
    zoneinfo = zoneinfo_dir()
    names = package.joinpath("zones").read_text(encoding="utf-8").split()
    own: dict[str, set[str]] = defaultdict(set)
    for tab in ("zone.tab", "zone1970.tab"):
        for codes, zone in _zone_tab_rows((zoneinfo / tab).read_text(encoding="utf-8")):
            own[zone].update(codes)
    by_content: dict[bytes, set[str]] = defaultdict(set)
    content = {}
    for name in names:
        content[name] = data = (zoneinfo / name).read_bytes()
        by_content[data].update(own.get(name, ()))
    table = {
        name.lower(): frozenset(own[name]) if name in own else frozenset(by_content[content[name]])
        for name in names
    }
    return ZoneTable(MappingProxyType(table))


@dataclass(frozen=True, slots=True)
class LanguagePreferences:
    """What one Accept-Language header says."""

    primary_language: str | None
    languages: tuple[str, ...]  # distinct primary subtags, most preferred first
    countries: frozenset[str]


def _quality(params: list[str]) -> float | None:
    """The ``q`` parameter (default 1), or ``None`` when it is malformed or out of range."""
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return None
            return q if math.isfinite(q) and 0.0 <= q <= 1.0 else None
    return 1.0


def _tag_countries(subtags: list[str], iso_countries: frozenset[str]) -> set[str]:
    found = set()
    for subtag in subtags[1:]:
        if len(subtag) == 2 and subtag.isalpha() and subtag.upper() in iso_countries:
            found.add(subtag.upper())
            break
    if not found and len(subtags) == 1 and subtags[0] in _NATIONAL_LANGUAGES:
        found.add(_NATIONAL_LANGUAGES[subtags[0]])
    return found


# Browsers send a few hundred distinct headers between them: the parse is a pure function of
# the header, so a bounded cache turns ~10 µs into a dict lookup for nearly every request.
@functools.lru_cache(maxsize=4096)
def parse_accept_language(header: str, iso_countries: frozenset[str]) -> LanguagePreferences:
    """Parse an Accept-Language header; malformed items are skipped, never an error."""
    weighted = []
    for position, item in enumerate(header.split(",")[:_MAX_LANGUAGE_ITEMS]):
        tag, *params = item.split(";")
        tag = tag.strip()
        q = _quality(params)
        if q is None or q == 0.0 or not _TAG.fullmatch(tag):
            continue
        weighted.append((-q, position, tag.lower().split("-")))
    weighted.sort()
    languages: list[str] = []
    countries: set[str] = set()
    for _, _, subtags in weighted:
        if subtags[0] not in languages:
            languages.append(subtags[0])
        countries |= _tag_countries(subtags, iso_countries)
    return LanguagePreferences(
        languages[0] if languages else None, tuple(languages), frozenset(countries)
    )


def locale_signals(
    timezone: str | None,
    accept_language: str | None,
    zones: ZoneTable,
    iso_countries: frozenset[str],
) -> LocaleSignals:
    """Timezone validity and countries, and the languages and countries of Accept-Language."""
    timezone_valid: bool | None = None
    timezone_countries = _EMPTY
    if timezone is not None and timezone.strip():
        found = zones.lookup(timezone)
        timezone_valid = found is not None
        timezone_countries = found or _EMPTY
    prefs = parse_accept_language(accept_language or "", iso_countries)
    return LocaleSignals(
        timezone_valid=timezone_valid,
        timezone_countries=timezone_countries,
        language_countries=prefs.countries,
        primary_language=prefs.primary_language,
        language_count=len(prefs.languages),
    )
