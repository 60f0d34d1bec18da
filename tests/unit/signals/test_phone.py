"""Phone: parsing with region hints, validity, E.164, region and line type."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.signals.codes import PhoneLineType
from service.signals.phone import phone_signals, prepare_phonenumbers

EXAMPLES_CSV = Path(__file__).parents[2] / "data" / "libphonenumber_example_numbers.csv"
_CSV_TYPES = {
    "fixedLine": PhoneLineType.FIXED_LINE,
    "mobile": PhoneLineType.MOBILE,
    "tollFree": PhoneLineType.TOLL_FREE,
    "premiumRate": PhoneLineType.PREMIUM_RATE,
    "sharedCost": PhoneLineType.SHARED_COST,
    "voip": PhoneLineType.VOIP,
    "personalNumber": PhoneLineType.PERSONAL_NUMBER,
    "pager": PhoneLineType.PAGER,
    "uan": PhoneLineType.UAN,
    "voicemail": PhoneLineType.VOICEMAIL,
}


def _examples() -> list[dict[str, str]]:
    with EXAMPLES_CSV.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _agrees(found: int, expected: PhoneLineType) -> bool:
    """libphonenumber answers FIXED_LINE_OR_MOBILE where a region's two patterns coincide."""
    if found == PhoneLineType.FIXED_LINE_OR_MOBILE:
        return expected in (PhoneLineType.FIXED_LINE, PhoneLineType.MOBILE)
    return found == expected


def test_example_numbers_get_their_line_type() -> None:
    """1140 of the 1144 example numbers are valid and typed as the CSV says; the other four
    (BJ voip and uan, ZW fixed line now invalid; a BW voip now mobile) reflect metadata that
    changed since the CSV was generated."""
    rows = _examples()
    agree = sum(
        _agrees(
            phone_signals(f"+{row['country_code']}{row['example_national_number']}").line_type,
            _CSV_TYPES[row["type"]],
        )
        for row in rows
    )
    assert len(rows) == 1144
    assert agree >= 1140


def test_voip_examples_are_voip() -> None:
    """98 of the 100 VOIP example numbers are flagged is_voip (see the test above)."""
    voip = [row for row in _examples() if row["type"] == "voip"]
    flagged = sum(
        phone_signals(f"+{row['country_code']}{row['example_national_number']}").is_voip
        for row in voip
    )
    assert len(voip) == 100
    assert flagged >= 98


@pytest.mark.parametrize(
    ("raw", "region", "line_type"),
    [
        ("+44 7400 123456", "GB", PhoneLineType.MOBILE),
        ("+44 20 7946 0958", "GB", PhoneLineType.FIXED_LINE),
        ("+1 415-555-2671", "US", PhoneLineType.FIXED_LINE_OR_MOBILE),
        ("+49 1512 3456789", "DE", PhoneLineType.MOBILE),
        ("+44 800 123 4567", "GB", PhoneLineType.TOLL_FREE),
        ("+44 56 1234 5678", "GB", PhoneLineType.VOIP),
    ],
)
def test_international_numbers(raw: str, region: str, line_type: PhoneLineType) -> None:
    """Numbers with a country code parse without hints to their region and line type."""
    signals = phone_signals(raw)
    assert signals.valid
    assert (signals.region, signals.line_type) == (region, line_type)
    assert signals.is_voip is (line_type is PhoneLineType.VOIP)


def test_e164_form() -> None:
    """Spaces, dashes and brackets disappear in the E.164 form."""
    assert phone_signals(" +44 (0)20 7946-0958 ").e164 == "+442079460958"


def test_national_number_needs_a_region_hint() -> None:
    """Without a "+", a number is read in the hinted regions, in order, until one is valid."""
    assert not phone_signals("020 7946 0958").valid
    assert phone_signals("020 7946 0958", ["GB"]).e164 == "+442079460958"
    assert phone_signals("020 7946 0958", ["US", "GB"]).region == "GB"
    assert not phone_signals("020 7946 0958", ["US"]).valid


def test_hints_do_not_override_a_country_code() -> None:
    """A number with "+" keeps its own country whatever the hints say."""
    assert phone_signals("+442079460958", ["US", "DE"]).region == "GB"


def test_non_geographic_number_has_no_region() -> None:
    """An international freephone (+800) is valid but names no ISO region."""
    signals = phone_signals("+800 1234 5678")
    assert signals.valid
    assert signals.region is None


@pytest.mark.parametrize("raw", ["123", "+1 555", "+999 123456789", "not a phone", "+" + "1" * 300])
def test_invalid_numbers(raw: str) -> None:
    """Too short, unknown country code, words and absurd length are present and invalid."""
    signals = phone_signals(raw, ["US"])
    assert signals.present
    assert not signals.valid
    assert signals.line_type is PhoneLineType.UNKNOWN


def test_absent_number() -> None:
    """None and blank are absent."""
    assert not phone_signals(None).present
    assert not phone_signals("  ").present


def test_prepare_phonenumbers_is_idempotent() -> None:
    """Preparing twice is harmless and parsing still works afterwards."""
    prepare_phonenumbers()
    prepare_phonenumbers()
    assert phone_signals("+442079460958").valid
