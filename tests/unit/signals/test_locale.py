"""Locale: IANA timezone → countries and Accept-Language → languages and countries."""

from __future__ import annotations

import pytest

from service.signals import RefData
from service.signals.locale import locale_signals, parse_accept_language


@pytest.mark.parametrize(
    ("zone", "countries"),
    [
        ("Asia/Seoul", {"KR"}),
        ("America/New_York", {"US"}),
        ("Europe/Copenhagen", {"DK"}),
        ("Europe/Berlin", {"DE", "DK", "NO", "SE", "SJ"}),
        ("Asia/Calcutta", {"IN"}),
        ("US/Eastern", {"US"}),
        ("Europe/Kiev", {"UA"}),
        ("asia/kolkata", {"IN"}),
        ("UTC", set()),
        ("Etc/GMT+5", set()),
    ],
)
def test_timezone_countries(refdata: RefData, zone: str, countries: set[str]) -> None:
    """Zones map to their countries (zone.tab ∪ zone1970.tab), links such as Asia/Calcutta
    to their target's, case ignored; UTC-like zones are valid and name no country."""
    signals = locale_signals(zone, None, refdata.zones, refdata.iso_countries)
    assert signals.timezone_valid is True
    assert signals.timezone_countries == countries


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "+02:00", "GMT+2 (CEST)"])
def test_unknown_timezone_is_invalid(refdata: RefData, zone: str) -> None:
    """A name that is not an IANA zone is invalid, with no countries."""
    signals = locale_signals(zone, None, refdata.zones, refdata.iso_countries)
    assert signals.timezone_valid is False
    assert signals.timezone_countries == frozenset()


def test_absent_timezone_and_language(refdata: RefData) -> None:
    """Absent fields give None validity, no countries and no languages."""
    signals = locale_signals(None, None, refdata.zones, refdata.iso_countries)
    assert signals.timezone_valid is None
    assert signals.primary_language is None
    assert signals.language_count == 0


def test_accept_language_with_q_values(refdata: RefData) -> None:
    """Languages are ordered by q; regions become countries; bare tags of shared languages
    imply nothing."""
    prefs = parse_accept_language("de;q=0.8,en-US,en;q=0.9", refdata.iso_countries)
    assert prefs.primary_language == "en"
    assert prefs.languages == ("en", "de")
    assert prefs.countries == {"US"}


@pytest.mark.parametrize(
    ("header", "countries"),
    [
        ("zh-Hant-TW", {"TW"}),
        ("es-419,es;q=0.9", set()),
        ("ja", {"JP"}),
        ("ko-KR,ko;q=0.9", {"KR"}),
        ("pt-BR,pt;q=0.9,en-GB;q=0.5", {"BR", "GB"}),
        ("en-UK", set()),
        ("fr", set()),
    ],
)
def test_accept_language_countries(refdata: RefData, header: str, countries: set[str]) -> None:
    """Region subtags name ISO countries (not UN regions, not "UK"); only a few national
    languages imply a country on their own."""
    assert parse_accept_language(header, refdata.iso_countries).countries == countries


def test_accept_language_skips_malformed_and_zero_items(refdata: RefData) -> None:
    """Items with q=0, a bad q, the wildcard or an invalid tag are skipped."""
    prefs = parse_accept_language(
        "*, en;q=0, fr;q=abc, de;q=1.5, x y, it;q=0.4, nl", refdata.iso_countries
    )
    assert prefs.languages == ("nl", "it")


def test_language_count_counts_distinct_primary_languages(refdata: RefData) -> None:
    """en-US, en-GB and en count as one language."""
    signals = locale_signals(
        None, "en-US,en-GB;q=0.9,en;q=0.8,fr;q=0.5", refdata.zones, refdata.iso_countries
    )
    assert signals.language_count == 2
    assert signals.language_countries == {"US", "GB"}
