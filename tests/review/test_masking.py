"""Masks shown to reviewers keep a pattern recognisable and never the raw value."""

from __future__ import annotations

from service.review import masking


def test_email_keeps_the_first_letter_and_the_domain() -> None:
    """john.smith@Gmail.com reads j***@gmail.com; junk reads as nothing."""
    assert masking.email("john.smith@Gmail.com") == "j***@gmail.com"
    assert masking.email("not an email") is None
    assert masking.email("@example.com") is None


def test_phone_keeps_the_country_code_and_two_digits() -> None:
    """+1 202 555 0112 reads +1 ***-***-12; without a known region only the digits show."""
    assert masking.phone("+12025550112", "US") == "+1 ***-***-12"
    assert masking.phone("020 7946 0018", "GB") == "+44 ***-***-18"
    assert masking.phone("+447700900000") == "***-***-00"
    assert masking.phone("12") is None


def test_ip_hides_the_host_part() -> None:
    """203.0.113.7 reads 203.0.113.x; IPv6 keeps its first three hextets."""
    assert masking.ip("203.0.113.7") == "203.0.113.x"
    assert masking.ip("2001:db8:85a3::8a2e:370:7334") == "2001:0db8:85a3:x"
    assert masking.ip("nope") is None


def test_card_shows_only_the_last_four() -> None:
    """4242 reads •••• 4242."""
    assert masking.card("4242") == "•••• 4242"
    assert masking.card("42a2") is None
