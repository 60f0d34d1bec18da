"""Payment signals, country-code validation and cross-signal country agreement."""

from __future__ import annotations

import pytest

from service.domain import CardFunding, Payment
from service.signals import RefData
from service.signals.countries import country_agreement, load_iso_countries, normalize_country
from service.signals.payment import check_bin, payment_signals


def test_iso_list_is_iso_3166() -> None:
    """tzdata's table holds the 249 ISO codes, Antarctica included, Kosovo not."""
    codes = load_iso_countries()
    assert len(codes) == 249
    assert {"AQ", "US", "GB", "DE"} <= codes
    assert "XK" not in codes
    assert "UK" not in codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [("de", ("DE", True)), (" US ", ("US", True)), ("UK", (None, False)),
     ("USA", (None, False)), ("", (None, None)), (None, (None, None))],
)  # fmt: skip
def test_normalize_country(
    refdata: RefData, code: str | None, expected: tuple[str | None, bool | None]
) -> None:
    """Codes are trimmed and upper-cased; unknown ones are invalid; blank ones absent."""
    assert normalize_country(code, refdata.iso_countries) == expected


@pytest.mark.parametrize(
    ("card_bin", "expected"),
    [("424242", (True, 4)), ("51234567", (True, 5)), ("37828", (False, None)),
     ("123456789", (False, None)), ("4242 42", (False, None)), ("٤٢٤٢٤٢", (False, None)),
     ("", (None, None)), (None, (None, None))],
)  # fmt: skip
def test_check_bin(card_bin: str | None, expected: tuple[bool | None, int | None]) -> None:
    """A BIN is 6 to 8 ASCII digits; its first digit is reported only when valid."""
    assert check_bin(card_bin) == expected


def test_payment_signals(refdata: RefData) -> None:
    """Funding code, countries and fingerprint come through validated and trimmed."""
    signals = payment_signals(
        Payment(
            card_bin="424242",
            card_country="gb",
            billing_country="Narnia",
            card_funding=CardFunding.PREPAID,
            card_fingerprint="  fp_123  ",
        ),
        refdata.iso_countries,
    )
    assert signals.present
    assert signals.funding == CardFunding.PREPAID
    assert (signals.card_country, signals.card_country_valid) == ("GB", True)
    assert (signals.billing_country, signals.billing_country_valid) == (None, False)
    assert signals.fingerprint == "fp_123"


def test_absent_payment(refdata: RefData) -> None:
    """No payment block gives absent signals with funding 0."""
    signals = payment_signals(None, refdata.iso_countries)
    assert not signals.present
    assert signals.funding == 0
    assert signals.bin_valid is None
    blank = payment_signals(Payment(card_fingerprint="   "), refdata.iso_countries)
    assert blank.present
    assert blank.fingerprint is None


def test_country_agreement_all_known() -> None:
    """Pairs compare for equality, sets by membership; distinct counts single countries."""
    agreement = country_agreement(
        phone="US",
        ip="US",
        card="GB",
        billing="GB",
        timezone=frozenset({"US"}),
        language=frozenset({"GB"}),
    )
    assert agreement.phone_ip is True
    assert agreement.card_ip is False
    assert agreement.billing_ip is False
    assert agreement.card_billing is True
    assert agreement.timezone_ip is True
    assert agreement.language_ip is False
    assert agreement.timezone_phone is True
    assert agreement.distinct_countries == 2


def test_country_agreement_unknowns_are_none() -> None:
    """A comparison with an unknown side, or an empty set, is None."""
    agreement = country_agreement(
        phone=None, ip="DE", card=None, billing=None, timezone=frozenset(), language=frozenset()
    )
    assert agreement.phone_ip is None
    assert agreement.card_billing is None
    assert agreement.timezone_ip is None
    assert agreement.language_ip is None
    assert agreement.distinct_countries == 1


def test_multi_country_timezone_counts_only_when_single() -> None:
    """Europe/Berlin's five countries agree with a Danish IP but add nothing to distinct."""
    agreement = country_agreement(
        phone="DE",
        ip="DK",
        card=None,
        billing=None,
        timezone=frozenset({"DE", "DK", "NO", "SE", "SJ"}),
        language=frozenset(),
    )
    assert agreement.timezone_ip is True
    assert agreement.distinct_countries == 2
    single = country_agreement(
        phone="DE", ip="DE", card=None, billing=None,
        timezone=frozenset({"JP"}), language=frozenset(),
    )  # fmt: skip
    assert single.distinct_countries == 2
