"""Email address: syntax, canonical mailbox, provider class and the shape of the local part.

Syntax and normalisation come from email-validator without DNS. The canonical mailbox folds the
aliases a provider is known to deliver to one inbox (see ``canonical_mailbox``), so that
``J.Smith+shop@googlemail.com`` and ``jsmith@gmail.com`` are one identity.

Speed: ``validate_email`` spends most of its time on the domain (UTS-46 and IDNA checks, per
character), and domains repeat while local parts do not. ``validated_parts`` therefore checks a
plain ASCII address with email-validator's own local-part and domain functions, in
``validate_email``'s order, with the domain's verdict cached; anything else goes through
``validate_email`` itself. Facts that depend only on the domain are cached per domain too.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import math
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOMAIN_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
)
from email_validator.syntax import validate_email_domain_name, validate_email_local_part

from service.signals.name import fold, letter_runs, name_similarity
from service.signals.refdata import RefData
from service.signals.types import EmailSignals

_GMAIL = frozenset({"gmail.com", "googlemail.com"})
_APPLE = frozenset({"icloud.com", "me.com", "mac.com"})
_PROTON = frozenset({"proton.me", "protonmail.com", "protonmail.ch", "pm.me"})
_YANDEX = frozenset({"yandex.ru", "yandex.com", "ya.ru", "yandex.by", "yandex.kz", "yandex.ua"})
# Matched on the first label, for domains the free-mail list names (hotmail.co.uk, live.fr ...).
_MICROSOFT_LABELS = frozenset({"outlook", "hotmail", "live", "msn", "windowslive"})
_YAHOO_LABELS = frozenset({"yahoo", "ymail", "rocketmail"})
_FASTMAIL_LABELS = frozenset({"fastmail", "messagingengine"})
_VOWELS = frozenset("aeiouy")

# An address of one "@" between dot-atom ASCII characters and hostname characters: nothing in it
# can be quoted, escaped, bracketed, a display name or need Unicode normalisation.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_DOMAIN_CACHE_SIZE = 4096  # distinct domains remembered; real traffic has a few hundred
_VALIDATION_ERRORS = (EmailNotValidError, UnicodeError, ValueError)
_ENTROPY_TABLE_CHARS = 64  # texts up to this long take their entropy terms from a table
_ASCII_DIGIT = re.compile(r"[0-9]")  # str.isdecimal (and isdigit) of an ASCII character
_ASCII_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")  # not str.isalnum, for an ASCII character
_RUN_CACHE_SIZE = 8192  # letter runs judged by _pronounceable, remembered
_MAX_RUN_CACHED_CHARS = 256  # runs of longer local parts are judged but not remembered

_ABSENT = EmailSignals(
    present=False,
    valid=False,
    normalized=None,
    domain=None,
    is_free=False,
    is_disposable=False,
    is_edu=False,
    has_plus_tag=False,
    local_length=0,
    local_digits=0,
    local_entropy=0.0,
    local_name_likeness=0.0,
    local_shape=None,
    name_similarity=None,
)
_INVALID = dataclasses.replace(_ABSENT, present=True)


def _strip_tag(local: str, separator: str = "+") -> str:
    """The local part before its first ``separator``, unless that would leave it empty."""
    head, found, _ = local.partition(separator)
    return head if found and head else local


class MailboxRule(NamedTuple):
    """How a provider folds local parts to its inboxes: a ``fold`` (``FOLD_*``), the canonical
    domain, and for Fastmail subdomain addressing the local part the domain itself names."""

    fold: int
    domain: str
    local: str = ""


FOLD_KEEP = 0  # unknown rules: only lower-cased
FOLD_TAG = 1  # +tag dropped
FOLD_GMAIL = 2  # +tag dropped, dots ignored
FOLD_YANDEX = 3  # +tag dropped, "." is "-"
FOLD_YAHOO = 4  # -keyword dropped
FOLD_FIXED = 5  # the rule's own local part


def mailbox_rule(domain: str, free_domains: frozenset[str]) -> MailboxRule:
    """The folding rule of a (lower-cased) domain; see ``canonical_mailbox``."""
    first_label = domain.split(".", 1)[0]
    if domain in _GMAIL:
        return MailboxRule(FOLD_GMAIL, "gmail.com")
    if domain in _APPLE:
        return MailboxRule(FOLD_TAG, "icloud.com")
    if domain in _PROTON:
        return MailboxRule(FOLD_TAG, "proton.me")
    if domain in _YANDEX:
        return MailboxRule(FOLD_YANDEX, "yandex.ru")
    parts = domain.split(".")
    if len(parts) == 3 and parts[1:] == ["fastmail", "com"]:
        return MailboxRule(FOLD_FIXED, "fastmail.com", parts[0])
    if domain in free_domains:
        if first_label in _MICROSOFT_LABELS or first_label in _FASTMAIL_LABELS:
            return MailboxRule(FOLD_TAG, domain)
        if first_label in _YAHOO_LABELS:
            return MailboxRule(FOLD_YAHOO, domain)
    return MailboxRule(FOLD_KEEP, domain)


def fold_local(rule: MailboxRule, lowered: str) -> str:
    """The canonical local part, under ``rule``, of an already lower-cased local part."""
    fold = rule.fold
    if fold == FOLD_KEEP:
        return lowered
    if fold == FOLD_TAG:
        return _strip_tag(lowered)
    if fold == FOLD_GMAIL:
        return _strip_tag(lowered).replace(".", "") or lowered
    if fold == FOLD_YANDEX:
        return _strip_tag(lowered).replace(".", "-")
    if fold == FOLD_YAHOO:
        return _strip_tag(lowered, "-")
    return rule.local


def canonical_mailbox(local: str, domain: str, free_domains: frozenset[str]) -> tuple[str, str]:
    """``(local, domain)`` of the inbox a provider delivers the address to, lower-cased.

    - Gmail: dots are ignored, ``+tag`` dropped, googlemail.com is gmail.com.
    - Outlook/Hotmail/Live/MSN, iCloud, Fastmail, Proton: ``+tag`` dropped.
    - iCloud: me.com and mac.com are aliases of the same Apple ID address at icloud.com.
    - Proton: protonmail.com, protonmail.ch and pm.me are the same account as proton.me.
    - Yahoo: ``-keyword`` disposable addresses (hyphens are not allowed in Yahoo IDs) dropped.
    - Fastmail: subdomain addressing, ``anything@user.fastmail.com`` is ``user@fastmail.com``.
    - Yandex: all its domains share one mailbox; "." and "-" are equivalent in logins.
    Other domains keep their local part (only lower-cased): their rules are unknown.
    """
    rule = mailbox_rule(domain, free_domains)
    return fold_local(rule, local.lower()), rule.domain


def is_disposable(domain: str, disposable: frozenset[str]) -> bool:
    """The domain or one of its parents (down to two labels) is a disposable-mail domain."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in disposable for i in range(len(labels) - 1))


def is_academic(domain: str) -> bool:
    """An academic domain: ``.edu``, or ``.ac.<cc>`` / ``.edu.<cc>`` (ox.ac.uk, unsw.edu.au)."""
    labels = domain.split(".")
    if len(labels) >= 2 and labels[-1] == "edu":
        return True
    return len(labels) >= 3 and labels[-2] in ("ac", "edu") and len(labels[-1]) == 2


def _count_elements_py(counts: dict[str, int], text: Iterable[str]) -> None:
    """Pure-Python ``collections._count_elements``: add each element's count, in order."""
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1


# Counter's own C counting loop, when the interpreter has it.
_count_elements: Callable[[dict[str, int], Iterable[str]], None] = getattr(
    collections, "_count_elements", _count_elements_py
)


def _entropy_terms(n: int) -> tuple[float, ...]:
    """``c / n * log2(n / c)`` for every count ``c`` of a text of length ``n`` (0.0 for 0)."""
    return (0.0, *(c / n * math.log2(n / c) for c in range(1, n + 1)))


# Entropy terms of short texts, computed by the very expression ``shannon_entropy`` would use.
_ENTROPY_TERMS = tuple(_entropy_terms(n) for n in range(_ENTROPY_TABLE_CHARS + 1))


def shannon_entropy(text: str) -> float:
    """Shannon entropy of the character distribution, in bits per character (0 for "").

    Characters are counted as ``Counter`` counts them and the terms summed in its order (first
    occurrence), so the float is the same whether a short text's terms come from the table or
    are computed.
    """
    if not text:
        return 0.0
    n = len(text)
    counts: dict[str, int] = {}
    _count_elements(counts, text)  # what Counter(text) does, without its overhead
    if n > _ENTROPY_TABLE_CHARS:
        return sum(c / n * math.log2(n / c) for c in counts.values())
    terms = _ENTROPY_TERMS[n]
    return sum([terms[c] for c in counts.values()])


def count_digits(text: str) -> int:
    """How many characters of ``text`` are decimal digits (of any script)."""
    if text.isascii():
        return len(_ASCII_DIGIT.findall(text))
    return sum(1 for ch in text if ch.isdecimal())


def local_shape(text: str) -> str:
    """Letter runs as ``a<n>``, digit runs as ``d<n>``, any other character as itself.

    "jsmit1234" → "a5d4", "john.smith" → "a4.a5", "x__9" → "a1__d1".
    """
    out: list[str] = []
    kind, run = "", 0
    for ch in text:
        this = "a" if ch.isalpha() else "d" if ch.isdecimal() else ""
        if this and this == kind:
            run += 1
            continue
        if kind:
            out.append(f"{kind}{run}")
        kind, run = this, 1
        if not this:
            out.append(ch)
    if kind:
        out.append(f"{kind}{run}")
    return "".join(out)


def _pronounceable(run: str) -> bool:
    """ASCII letters, at least two, with a vowel (a e i o u y) and no more than four consonants
    or three vowels in a row."""
    if len(run) < 2 or not run.isascii():
        return False
    consonants = vowels = 0
    seen_vowel = False
    for ch in run:
        if ch in _VOWELS:
            seen_vowel = True
            vowels, consonants = vowels + 1, 0
        else:
            vowels, consonants = 0, consonants + 1
        if consonants > 4 or vowels > 3:
            return False
    return seen_vowel


# Runs repeat (names, words) and are short: remembered ones skip the character loop.
_pronounceable_cached = functools.lru_cache(maxsize=_RUN_CACHE_SIZE)(_pronounceable)


def name_likeness(local: str) -> float:
    """0..1: the share of the local part's letters and digits that sit in pronounceable runs.

    The part before any ``+tag`` is folded (lower case, accents removed) and cut into maximal
    letter runs; a run counts when ``_pronounceable`` (so single letters, digits and strings
    like "xkcdqz" do not). "john.smith" → 1.0, "john1987" → 0.5, "x7kq9zt" → 0.0. Letters of
    other scripts are not judged and count as not name-like.
    """
    base = fold(_strip_tag(local))
    pronounceable: Callable[[str], bool]
    if base.isascii():
        total = len(base) - len(_ASCII_NOT_ALNUM.findall(base))
        cached = len(base) <= _MAX_RUN_CACHED_CHARS
        pronounceable = _pronounceable_cached if cached else _pronounceable
    else:
        total = sum(1 for ch in base if ch.isalnum())
        pronounceable = _pronounceable
    if not total:
        return 0.0
    return sum([len(run) for run in letter_runs(base) if pronounceable(run)]) / total


@functools.lru_cache(maxsize=_DOMAIN_CACHE_SIZE)
def _checked_domain(domain: str) -> tuple[str, int] | None:
    """``(ascii_domain, bytes)`` of a domain email-validator accepts, ``bytes`` being the longer
    UTF-8 length of its ASCII and Unicode forms (both count in the address length limit);
    ``None`` when it refuses the domain."""
    try:
        info = validate_email_domain_name(domain, test_environment=False, globally_deliverable=True)
        ascii_domain = info["ascii_domain"]
        size = max(len(ascii_domain.encode("utf-8")), len(info["domain"].encode("utf-8")))
    except _VALIDATION_ERRORS:
        return None
    return ascii_domain, size


def _validate_in_full(address: str) -> tuple[str, str] | None:
    try:
        parsed = validate_email(address, check_deliverability=False)
    except _VALIDATION_ERRORS:
        return None
    return parsed.local_part, parsed.ascii_domain


def validated_parts(address: str) -> tuple[str, str] | None:
    """``(local_part, ascii_domain)`` exactly as ``validate_email(address,
    check_deliverability=False)`` reports them, or ``None`` when it refuses the address.

    A plain ASCII address (``_PLAIN_ADDRESS``) takes the steps ``validate_email`` takes for it,
    with its default options: the local part, the RFC 2142 mailbox names lower-cased, the
    domain (cached), then the length of the address as given, normalised and in ASCII.
    """
    if _PLAIN_ADDRESS.fullmatch(address) is None:
        return _validate_in_full(address)
    local, _, domain = address.partition("@")
    try:
        local = validate_email_local_part(
            local,
            allow_smtputf8=True,
            allow_empty_local=False,
            quoted_local_part=False,
            strict=False,
        )["local_part"]
    except _VALIDATION_ERRORS:
        return None
    if local.lower() in _CASE_INSENSITIVE:
        local = local.lower()
    if len(domain) > DOMAIN_MAX_LENGTH:  # the domain check's first test; keeps the cache small
        return None
    checked = _checked_domain(domain)
    if checked is None:
        return None
    ascii_domain, domain_bytes = checked
    if len(address) > EMAIL_MAX_LENGTH or len(local) + 1 + domain_bytes > EMAIL_MAX_LENGTH:
        return None
    return local, ascii_domain


class DomainFacts(NamedTuple):
    """What the signals take from the domain alone."""

    domain: str  # lower-cased ASCII domain
    rule: MailboxRule
    is_free: bool
    is_disposable: bool
    is_edu: bool


@functools.lru_cache(maxsize=_DOMAIN_CACHE_SIZE)
def domain_facts(
    ascii_domain: str, free_domains: frozenset[str], disposable_domains: frozenset[str]
) -> DomainFacts:
    """Provider class and folding rule of a domain as validation reports it (cached)."""
    domain = ascii_domain.lower()
    rule = mailbox_rule(domain, free_domains)
    is_free = domain in free_domains or rule.domain in free_domains
    return DomainFacts(
        domain=domain,
        rule=rule,
        is_free=is_free,
        is_disposable=is_disposable(domain, disposable_domains),
        is_edu=not is_free and is_academic(domain),
    )


def email_signals(raw: str | None, full_name: str | None, refdata: RefData) -> EmailSignals:
    """Everything the signal layer derives from an email address; never raises."""
    address = raw.strip() if raw is not None else ""
    if not address:
        return _ABSENT
    parts = validated_parts(address)
    if parts is None:
        return _INVALID
    local, ascii_domain = parts
    facts = domain_facts(ascii_domain, refdata.free_email_domains, refdata.disposable_email_domains)
    lowered = local.lower()
    return EmailSignals(
        present=True,
        valid=True,
        normalized=f"{fold_local(facts.rule, lowered)}@{facts.rule.domain}",
        domain=facts.domain,
        is_free=facts.is_free,
        is_disposable=facts.is_disposable,
        is_edu=facts.is_edu,
        has_plus_tag="+" in local[1:],
        local_length=len(local),
        local_digits=count_digits(local),
        local_entropy=shannon_entropy(lowered),
        local_name_likeness=name_likeness(local),
        local_shape=local_shape(local),
        name_similarity=name_similarity(full_name, local),
    )
