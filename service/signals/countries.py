"""Country codes: the ISO 3166-1 list, normalising an input code, and cross-signal agreement."""

from __future__ import annotations

import functools

from service.signals.locale import zoneinfo_dir
from service.signals.types import CountryAgreement


def load_iso_countries() -> frozenset[str]:
    """The 249 ISO 3166-1 alpha-2 codes, from ``tzdata``'s ``iso3166.tab``.

    tzdata's table is the ISO list itself; phonenumbers' regions are not (they add AC, TA and
    XK and lack AQ, BV, GS, HM, PN, TF and UM).
    """
    text = (zoneinfo_dir() / "iso3166.tab").read_text(encoding="utf-8")
    return frozenset(
        line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )


def normalize_country(
    code: str | None, iso_countries: frozenset[str]
) -> tuple[str | None, bool | None]:
    """``(CODE, True)`` for a valid alpha-2 code in any case, ``(None, False)`` for an invalid
    one, ``(None, None)`` when absent or blank."""
    if code is None or not code.strip():
        return None, None
    upper = code.strip().upper()
    if upper in iso_countries:
        return upper, True
    return None, False


def _same(a: str | None, b: str | None) -> bool | None:
    return None if a is None or b is None else a == b


def _member(country: str | None, countries: frozenset[str]) -> bool | None:
    return None if country is None or not countries else country in countries


_AGREEMENT_CACHE_SIZE = 4096  # distinct combinations remembered; real traffic repeats a few


def country_agreement(
    *,
    phone: str | None,
    ip: str | None,
    card: str | None,
    billing: str | None,
    timezone: frozenset[str],
    language: frozenset[str],
) -> CountryAgreement:
    """Pairwise agreement of the countries each signal implies; ``None`` where one is unknown.

    A timezone or language names a *set* of countries, so it agrees when the other country is in
    the set. ``distinct_countries`` counts phone, IP, card and billing countries, plus the
    timezone's country when it names exactly one. A pure function of a few country codes, so
    results are cached (the same immutable object is returned for the same countries).
    """
    return _agreement(phone, ip, card, billing, timezone, language)


@functools.lru_cache(maxsize=_AGREEMENT_CACHE_SIZE)
def _agreement(
    phone: str | None,
    ip: str | None,
    card: str | None,
    billing: str | None,
    timezone: frozenset[str],
    language: frozenset[str],
) -> CountryAgreement:
    named = {c for c in (phone, ip, card, billing) if c is not None}
    if len(timezone) == 1:
        named |= timezone
    return CountryAgreement(
        phone_ip=_same(phone, ip),
        card_ip=_same(card, ip),
        billing_ip=_same(billing, ip),
        card_billing=_same(card, billing),
        timezone_ip=_member(ip, timezone),
        language_ip=_member(ip, language),
        timezone_phone=_member(phone, timezone),
        distinct_countries=len(named),
    )
