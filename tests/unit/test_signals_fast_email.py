"""The fast email signals equal what the straightforward implementation computed.

Each fast path (the plain-address validation, the per-domain caches, the entropy table, the
ASCII branches) is compared, value for value, with a reference copied from the code before the
speed-up: ``validate_email`` itself, ``Counter`` entropy, the per-character loops.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import email_validator
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.signals import RefData
from service.signals import email as fast
from service.signals.name import fold, letter_runs, name_similarity
from service.signals.types import EmailSignals
from tests.unit.signals.strategies import hostile_text, maybe_text

ISEMAIL_XML = Path(__file__).parent.parent / "data" / "isemail_tests.xml"
_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def refdata() -> RefData:
    """The bundled reference data."""
    return RefData.load()


# --- references: the implementation before the speed-up --------------------------------------


def _reference_parts(address: str) -> tuple[str, str] | None:
    try:
        parsed = validate_email(address, check_deliverability=False)
    except (EmailNotValidError, UnicodeError, ValueError):
        return None
    return parsed.local_part, parsed.ascii_domain


def _reference_entropy(text: str) -> float:
    if not text:
        return 0.0
    n = len(text)
    return sum(c / n * math.log2(n / c) for c in Counter(text).values())


def _reference_likeness(local: str) -> float:
    base = fold(fast._strip_tag(local))
    total = sum(1 for ch in base if ch.isalnum())
    if not total:
        return 0.0
    return sum(len(run) for run in letter_runs(base) if fast._pronounceable(run)) / total


def _reference_mailbox(local: str, domain: str, free: frozenset[str]) -> tuple[str, str]:
    strip = fast._strip_tag
    local = local.lower()
    first_label = domain.split(".", 1)[0]
    if domain in fast._GMAIL:
        return strip(local).replace(".", "") or local, "gmail.com"
    if domain in fast._APPLE:
        return strip(local), "icloud.com"
    if domain in fast._PROTON:
        return strip(local), "proton.me"
    if domain in fast._YANDEX:
        return strip(local).replace(".", "-"), "yandex.ru"
    parts = domain.split(".")
    if len(parts) == 3 and parts[1:] == ["fastmail", "com"]:
        return parts[0], "fastmail.com"
    if domain in free:
        if first_label in fast._MICROSOFT_LABELS or first_label in fast._FASTMAIL_LABELS:
            return strip(local), domain
        if first_label in fast._YAHOO_LABELS:
            return strip(local, "-"), domain
    return local, domain


def _reference_signals(raw: str | None, name: str | None, refdata: RefData) -> EmailSignals:
    if raw is None or not raw.strip():
        return fast._ABSENT
    parts = _reference_parts(raw.strip())
    if parts is None:
        return fast._INVALID
    local, domain = parts[0], parts[1].lower()
    free = refdata.free_email_domains
    canonical_local, canonical_domain = _reference_mailbox(local, domain, free)
    is_free = domain in free or canonical_domain in free
    return EmailSignals(
        present=True,
        valid=True,
        normalized=f"{canonical_local}@{canonical_domain}",
        domain=domain,
        is_free=is_free,
        is_disposable=fast.is_disposable(domain, refdata.disposable_email_domains),
        is_edu=not is_free and fast.is_academic(domain),
        has_plus_tag="+" in local[1:],
        local_length=len(local),
        local_digits=sum(1 for ch in local if ch.isdecimal()),
        local_entropy=_reference_entropy(local.lower()),
        local_name_likeness=_reference_likeness(local),
        local_shape=fast.local_shape(local),
        name_similarity=name_similarity(name, local),
    )


# --- corpora -----------------------------------------------------------------------------------

_LOCALS = [
    "john",
    "John.Smith",
    "j.s",
    ".john",
    "john.",
    "jo..hn",
    "a+tag",
    "+tag",
    "a-b_c",
    "Postmaster",
    "ABUSE",
    "www",
    "x" * 64,
    "x" * 200,
    "!#$%&'*/=?^`{|}~",
    "a",
    "0",
]
_DOMAINS = [
    "gmail.com",
    "GMail.COM",
    "googlemail.com",
    "sub.fastmail.com",
    "hotmail.co.uk",
    "yahoo.com",
    "mit.edu",
    "ox.ac.uk",
    "mailinator.com",
    "inbox.mailinator.com",
    "example.com",
    "localhost",
    "a.b",
    "x.local",
    "y.arpa",
    "invalid",
    "test",
    "a..com",
    ".a.com",
    "a.com.",
    "-a.com",
    "a-.com",
    "a.-com",
    "ab--cd.com",
    "xn--bcher-kva.de",
    "xn--zz.com",
    "xn--.com",
    "XN--BCHER-KVA.DE",
    "xn--4dbc.1.com",
    "1.xn--4dbc.com",
    "123.456",
    "a.123",
    "a." + "b" * 63 + ".com",
    "a." + "b" * 64 + ".com",
    ".".join(["abcdefghi"] * 25) + ".com",
    ".".join(["abcdefghi"] * 26),
    "xn--bcher-kva." + "d" * 230 + ".de",
]


def _isemail_addresses() -> list[str]:
    """The isemail corpus, control characters shifted back from U+2400."""
    return [
        "".join(
            chr(ord(ch) - 0x2400) if 0x2400 <= ord(ch) <= 0x241F else ch
            for ch in test.findtext("address") or ""
        )
        for test in ET.parse(ISEMAIL_XML).getroot().iter("test")  # our own test data
    ]


_ADDRESS_PIECES = st.sampled_from(
    [*_LOCALS[:12], *_DOMAINS[:30], "@", "@", ".", "-", "+", '"', "<", ">", "[", "]", " ", "é"]
)
email_like = st.lists(_ADDRESS_PIECES | hostile_text, min_size=1, max_size=6).map("".join)


# --- validation --------------------------------------------------------------------------------


def test_validator_defaults_are_the_ones_the_fast_path_mirrors() -> None:
    """validated_parts hard-codes validate_email's module defaults; they are still these."""
    assert email_validator.ALLOW_SMTPUTF8 is True
    assert email_validator.ALLOW_EMPTY_LOCAL is False
    assert email_validator.ALLOW_QUOTED_LOCAL is False
    assert email_validator.ALLOW_DOMAIN_LITERAL is False
    assert email_validator.ALLOW_DISPLAY_NAME is False
    assert email_validator.STRICT is False
    assert email_validator.GLOBALLY_DELIVERABLE is True
    assert email_validator.TEST_ENVIRONMENT is False


def test_plain_addresses_agree_with_validate_email() -> None:
    """Every local part × domain of the edge-case lists (dots, hyphens, case-insensitive
    mailbox names, Punycode, special-use names, label and address length limits) is
    accepted or refused, with the same local part and ASCII domain, as validate_email."""
    compared = 0
    for local, domain in itertools.product(_LOCALS, _DOMAINS):
        address = f"{local}@{domain}"
        assert fast.validated_parts(address) == _reference_parts(address), address
        compared += 1
    assert compared == len(_LOCALS) * len(_DOMAINS)


def test_addresses_at_the_length_limit_agree_with_validate_email() -> None:
    """Around 254 characters, also where the Unicode form of a Punycode domain is longer in
    UTF-8 than its ASCII form (20 × 中 is 29 ASCII characters but 63 bytes), the verdict is
    validate_email's."""
    domains = (
        "example.com",
        "xn--bcher-kva.de",
        "xn--4dbc.com",
        "xn--ls8h.la",
        "xn--l8jaaaaaaaaa.jp",
        "xn--fiqaaaaaaaaaaaaaaaaaaa.jp",
    )
    for domain in domains:
        for length in range(210, 262):
            local = "a" * (length - len(domain) - 1)
            address = f"{local}@{domain}"
            assert fast.validated_parts(address) == _reference_parts(address), address


def test_isemail_corpus_agrees_with_validate_email() -> None:
    """All isemail cases (quoted parts, comments, literals, control characters) agree."""
    addresses = _isemail_addresses()
    assert len(addresses) == 164
    for address in addresses:
        stripped = address.strip()
        assert fast.validated_parts(stripped) == _reference_parts(stripped), repr(address)


@_SETTINGS
@given(address=email_like | hostile_text)
def test_any_text_agrees_with_validate_email(address: str) -> None:
    """Any text, including Unicode, quotes, brackets and several '@', gets validate_email's
    verdict, local part and ASCII domain."""
    assert fast.validated_parts(address) == _reference_parts(address)


def test_plain_addresses_use_the_domain_cache() -> None:
    """A plain ASCII address is validated through the cached domain check, once per domain."""
    fast._checked_domain.cache_clear()
    for local in ("ann", "bob", "cy.d"):
        assert fast.validated_parts(f"{local}@example.org") == (local, "example.org")
    info = fast._checked_domain.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_other_addresses_go_through_validate_email() -> None:
    """Unicode, quoted and display-name addresses bypass the domain cache."""
    fast._checked_domain.cache_clear()
    assert fast.validated_parts("zoë@Bücher.de") == ("zoë", "xn--bcher-kva.de")
    assert fast.validated_parts('"john smith"@example.com') is None
    assert fast.validated_parts("John <john@example.com>") is None
    assert fast._checked_domain.cache_info().currsize == 0


# --- local-part and domain features ----------------------------------------------------------


@_SETTINGS
@given(text=hostile_text | st.text("abcdeé1.", max_size=80))
def test_entropy_is_bit_identical(text: str) -> None:
    """The table-driven entropy is the very float the Counter formula gives, short or long."""
    assert fast.shannon_entropy(text).hex() == _reference_entropy(text).hex()


def test_entropy_table_covers_every_count() -> None:
    """Every length up to the table size, with every count pattern of two characters."""
    for n in range(1, fast._ENTROPY_TABLE_CHARS + 2):
        for split in range(n + 1):
            text = "a" * split + "b" * (n - split)
            assert fast.shannon_entropy(text).hex() == _reference_entropy(text).hex()


@_SETTINGS
@given(text=hostile_text)
def test_digit_count_and_likeness_match_the_character_loops(text: str) -> None:
    """count_digits and name_likeness equal the per-character definitions on any text."""
    assert fast.count_digits(text) == sum(1 for ch in text if ch.isdecimal())
    assert fast.name_likeness(text).hex() == _reference_likeness(text).hex()


def test_likeness_of_ascii_local_parts_matches_the_character_loop() -> None:
    """On name-like ASCII local parts (where the cached branch runs) the scores agree."""
    for local in [*_LOCALS, "john1987", "x7kq9zt", "aeiou.bcdfg", "yyyy+z", "Zoe_Muller"]:
        assert fast.name_likeness(local).hex() == _reference_likeness(local).hex(), local


def test_mailbox_rules_fold_like_canonical_mailbox(refdata: RefData) -> None:
    """mailbox_rule + fold_local reproduce the one-step canonical mailbox on every provider."""
    free = refdata.free_email_domains
    domains = [d.lower() for d in _DOMAINS] + [
        "me.com",
        "mac.com",
        "pm.me",
        "protonmail.ch",
        "yandex.by",
        "ya.ru",
        "outlook.com",
        "live.fr",
        "ymail.com",
        "rocketmail.com",
        "fastmail.com",
        "messagingengine.com",
        "a.fastmail.com",
        "a.b.fastmail.com",
    ]
    for local in [*_LOCALS, "J.Smith+shop", "john-promo", "a.b-c+d", "+", "."]:
        for domain in domains:
            expected = _reference_mailbox(local, domain, free)
            assert fast.canonical_mailbox(local, domain, free) == expected
            rule = fast.mailbox_rule(domain, free)
            assert (fast.fold_local(rule, local.lower()), rule.domain) == expected


# --- the whole of email_signals -----------------------------------------------------------------


@_SETTINGS
@given(raw=maybe_text | email_like, name=maybe_text)
def test_email_signals_equal_the_reference(
    refdata: RefData, raw: str | None, name: str | None
) -> None:
    """Every field of EmailSignals equals the pre-speed-up computation, floats bit for bit."""
    assert repr(fast.email_signals(raw, name, refdata)) == repr(
        _reference_signals(raw, name, refdata)
    )


def test_email_signals_of_the_edge_cases_equal_the_reference(refdata: RefData) -> None:
    """The edge-case addresses, with and without a name, give the reference signals."""
    for local, domain in itertools.product(_LOCALS, _DOMAINS):
        for name in (None, "John Smith", "Zoë Müller"):
            raw = f" {local}@{domain}\n"
            assert repr(fast.email_signals(raw, name, refdata)) == repr(
                _reference_signals(raw, name, refdata)
            ), raw
