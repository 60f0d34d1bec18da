"""Email: validation, canonical mailbox, provider class, local-part shape, name similarity."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email

from service.signals import RefData
from service.signals.email import (
    email_signals,
    is_academic,
    local_shape,
    name_likeness,
    shannon_entropy,
)
from service.signals.name import name_similarity

ISEMAIL_XML = Path(__file__).parents[2] / "data" / "isemail_tests.xml"


def test_absent_email_is_not_present(refdata: RefData) -> None:
    """None and blank emails are absent, with empty features."""
    for raw in (None, "", " \t"):
        signals = email_signals(raw, "John Smith", refdata)
        assert not signals.present
        assert signals.normalized is None
        assert signals.name_similarity is None


@pytest.mark.parametrize(
    "raw", ["plainaddress", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@-x.com"]
)
def test_malformed_email_is_present_but_invalid(refdata: RefData, raw: str) -> None:
    """Addresses email-validator refuses are present, invalid and featureless."""
    signals = email_signals(raw, None, refdata)
    assert signals.present
    assert not signals.valid
    assert (signals.normalized, signals.domain, signals.local_shape) == (None, None, None)
    assert signals.local_length == 0


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("J.Smith+shop@GoogleMail.com", "jsmith@gmail.com"),
        ("j.s.m.i.t.h@gmail.com", "jsmith@gmail.com"),
        ("JSmith@gmail.com", "jsmith@gmail.com"),
        ("john.smith+news@outlook.com", "john.smith@outlook.com"),
        ("john.smith+x@hotmail.co.uk", "john.smith@hotmail.co.uk"),
        ("john-promo@yahoo.com", "john@yahoo.com"),
        ("john+x@me.com", "john@icloud.com"),
        ("john@mac.com", "john@icloud.com"),
        ("john+x@pm.me", "john@proton.me"),
        ("john@protonmail.com", "john@proton.me"),
        ("john+x@fastmail.com", "john@fastmail.com"),
        ("anything@john.fastmail.com", "john@fastmail.com"),
        ("john.smith+x@yandex.com", "john-smith@yandex.ru"),
        ("John.Smith+x@Example.COM", "john.smith+x@example.com"),
        ("+tag@gmail.com", "+tag@gmail.com"),
    ],
)
def test_provider_aliases_fold_to_one_mailbox(refdata: RefData, raw: str, normalized: str) -> None:
    """Dots, +tags, -keywords and alias domains fold per provider; unknown domains keep theirs."""
    assert email_signals(raw, None, refdata).normalized == normalized


def test_plus_tag_is_reported_for_any_domain(refdata: RefData) -> None:
    """has_plus_tag is set by a '+' after the first character, whatever the provider."""
    assert email_signals("a+b@example.com", None, refdata).has_plus_tag
    assert not email_signals("ab@example.com", None, refdata).has_plus_tag


def test_idn_domain_is_reported_in_ascii(refdata: RefData) -> None:
    """An internationalised domain is reported as its IDNA A-label, lower-cased."""
    signals = email_signals("zoë@Bücher.de", None, refdata)
    assert signals.domain == "xn--bcher-kva.de"
    assert signals.normalized == "zoë@xn--bcher-kva.de"


@pytest.mark.parametrize("domain", ["mailinator.com", "guerrillamail.com", "yopmail.com"])
def test_disposable_domains(refdata: RefData, domain: str) -> None:
    """Domains of the disposable-email-domains blocklist are disposable and not free."""
    signals = email_signals(f"x7kq9zt@{domain}", None, refdata)
    assert signals.is_disposable
    assert not signals.is_free


def test_subdomain_of_a_disposable_domain_is_disposable(refdata: RefData) -> None:
    """A parent domain on the blocklist makes its subdomains disposable too."""
    assert email_signals("a@inbox.mailinator.com", None, refdata).is_disposable
    assert not email_signals("a@mailinator.com.example.org", None, refdata).is_disposable


@pytest.mark.parametrize("domain", ["gmail.com", "yahoo.com", "outlook.com", "gmx.de", "me.com"])
def test_free_mail_domains(refdata: RefData, domain: str) -> None:
    """Domains of the bundled free-mail list are free, not disposable, not academic."""
    signals = email_signals(f"someone@{domain}", None, refdata)
    assert signals.is_free
    assert not signals.is_disposable
    assert not signals.is_edu


def test_company_domain_is_neither_free_nor_disposable(refdata: RefData) -> None:
    """An ordinary company domain carries none of the provider flags."""
    signals = email_signals("jane@acme-widgets.example", None, refdata)
    assert (signals.is_free, signals.is_disposable, signals.is_edu) == (False, False, False)


@pytest.mark.parametrize(
    ("domain", "academic"),
    [
        ("mit.edu", True),
        ("cs.stanford.edu", True),
        ("ox.ac.uk", True),
        ("u-tokyo.ac.jp", True),
        ("unsw.edu.au", True),
        ("education.com", False),
        ("ac.uk", False),
        ("edu.example.com", False),
        ("mail.ac.company", False),
    ],
)
def test_academic_domains(domain: str, academic: bool) -> None:
    """.edu, .ac.<cc> and .edu.<cc> are academic; look-alikes are not."""
    assert is_academic(domain) is academic


def test_free_mail_edu_lookalike_is_not_academic(refdata: RefData) -> None:
    """australia.edu is on the free-mail list, so it is free rather than academic."""
    signals = email_signals("x@australia.edu", None, refdata)
    assert signals.is_free
    assert not signals.is_edu


def test_local_part_counts(refdata: RefData) -> None:
    """Length and digit count are of the local part as typed, +tag included."""
    signals = email_signals("JSmit1234+x@example.com", None, refdata)
    assert (signals.local_length, signals.local_digits) == (11, 4)


@pytest.mark.parametrize(
    ("local", "shape"),
    [
        ("jsmit1234", "a5d4"),
        ("john.smith", "a4.a5"),
        ("x__9", "a1__d1"),
        ("john+shop", "a4+a4"),
        ("1", "d1"),
        ("zoë", "a3"),
    ],
)
def test_local_shape(local: str, shape: str) -> None:
    """Letter and digit runs compress to a<n>/d<n>; other characters stay themselves."""
    assert local_shape(local) == shape


def test_entropy() -> None:
    """Entropy is 0 for one repeated character and log2(n) for n distinct ones."""
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)
    assert shannon_entropy("aabb") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("local", "score"),
    [
        ("john.smith", 1.0),
        ("johnsmith", 1.0),
        ("john1987", 0.5),
        ("j.smith", 5 / 6),
        ("x7kq9zt", 0.0),
        ("xkcdqzw", 0.0),
        ("12345", 0.0),
        ("john.smith+x7kq", 1.0),
    ],
)
def test_name_likeness(local: str, score: float) -> None:
    """The share of letters and digits in pronounceable letter runs, +tag ignored."""
    assert name_likeness(local) == pytest.approx(score)


@pytest.mark.parametrize(
    ("name", "local", "low", "high"),
    [
        ("John Smith", "john.smith", 1.0, 1.0),
        ("John Smith", "smithjohn", 1.0, 1.0),
        ("Zoë Müller", "zoe.muller", 1.0, 1.0),
        ("John Smith", "jsmith", 0.9, 0.9),
        ("John Smith", "johns", 0.9, 0.9),
        ("John Smith", "jonsmith", 0.9, 0.95),
        ("John Smith", "x7kq9zt", 0.0, 0.2),
        ("John Smith", "1987", 0.0, 0.0),
    ],
)
def test_name_similarity(name: str, local: str, low: float, high: float) -> None:
    """Whole names, initial+surname shapes and near-misses score high; strangers low."""
    score = name_similarity(name, local)
    assert score is not None
    assert low <= score <= high


def test_name_similarity_needs_both_sides(refdata: RefData) -> None:
    """Without a name, or with a name of no letters, the similarity is None."""
    assert name_similarity(None, "john") is None
    assert name_similarity("John", None) is None
    assert name_similarity("1234", "john") is None
    assert email_signals("john@example.com", None, refdata).name_similarity is None
    assert email_signals("john.smith@example.com", "John Smith", refdata).name_similarity == 1.0


def _isemail_cases() -> list[tuple[str, str]]:
    """(address, category) of every isemail test; control characters are stored shifted to
    U+2400.. in the XML and are shifted back here."""
    cases = []
    for test in ET.parse(ISEMAIL_XML).getroot().iter("test"):  # our own test data
        address = "".join(
            chr(ord(ch) - 0x2400) if 0x2400 <= ord(ch) <= 0x241F else ch
            for ch in test.findtext("address") or ""
        )
        cases.append((address, test.findtext("category") or ""))
    return cases


def _validator_accepts(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def test_isemail_agreement_of_email_validator() -> None:
    """email-validator agrees with isemail on 87 of its 88 clear-cut cases (it refuses
    "test@io", a TLD-only domain) and refuses 75 of the 76 RFC-legal but unusual ones
    (quoted parts, comments, folding whitespace, domain literals, obsolete syntax)."""
    accepted: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for address, category in _isemail_cases():
        total[category] += 1
        accepted[category] += _validator_accepts(address)
    valid = ("ISEMAIL_VALID_CATEGORY", "ISEMAIL_DNSWARN")
    unusual = ("ISEMAIL_RFC5321", "ISEMAIL_CFWS", "ISEMAIL_DEPREC", "ISEMAIL_RFC5322")
    clear_total = sum(total[c] for c in valid) + total["ISEMAIL_ERR"]
    clear_agree = sum(accepted[c] for c in valid) + total["ISEMAIL_ERR"] - accepted["ISEMAIL_ERR"]
    assert clear_total == 88
    assert clear_agree >= 87
    assert sum(total[c] for c in unusual) == 76
    assert sum(total[c] - accepted[c] for c in unusual) >= 75


def test_email_signals_validate_the_stripped_address(refdata: RefData) -> None:
    """On every isemail case, validity is email-validator's verdict on the address with
    surrounding whitespace removed (a pasted "john@x.com\\n" is john@x.com)."""
    for address, _ in _isemail_cases():
        stripped = address.strip()
        expected = bool(stripped) and _validator_accepts(stripped)
        assert email_signals(address, None, refdata).valid == expected, repr(address)
