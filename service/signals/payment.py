"""Card: funding type, BIN shape, validated countries and the processor's fingerprint."""

from __future__ import annotations

from service.domain import Payment
from service.signals.countries import normalize_country
from service.signals.types import PaymentSignals

_ABSENT = PaymentSignals(
    present=False,
    funding=0,
    bin_valid=None,
    bin_prefix=None,
    card_country=None,
    billing_country=None,
    card_country_valid=None,
    billing_country_valid=None,
    fingerprint=None,
)


def check_bin(card_bin: str | None) -> tuple[bool | None, int | None]:
    """``(valid, first digit)`` of a BIN: 6 to 8 ASCII digits; ``(None, None)`` when absent.

    The first digit (the major industry identifier: 4 Visa, 5 Mastercard, 3 Amex/JCB ...) is
    only reported for a valid BIN.
    """
    if card_bin is None or not card_bin.strip():
        return None, None
    text = card_bin.strip()
    if 6 <= len(text) <= 8 and text.isascii() and text.isdigit():
        return True, int(text[0])
    return False, None


def payment_signals(payment: Payment | None, iso_countries: frozenset[str]) -> PaymentSignals:
    """Everything the signal layer derives from the card; never raises."""
    if payment is None:
        return _ABSENT
    bin_valid, bin_prefix = check_bin(payment.card_bin)
    card_country, card_country_valid = normalize_country(payment.card_country, iso_countries)
    billing_country, billing_country_valid = normalize_country(
        payment.billing_country, iso_countries
    )
    fingerprint = (payment.card_fingerprint or "").strip() or None
    return PaymentSignals(
        present=True,
        funding=int(payment.card_funding) if payment.card_funding is not None else 0,
        bin_valid=bin_valid,
        bin_prefix=bin_prefix,
        card_country=card_country,
        billing_country=billing_country,
        card_country_valid=card_country_valid,
        billing_country_valid=billing_country_valid,
        fingerprint=fingerprint,
    )
