"""Email address: syntax, canonical mailbox, provider class and the shape of the local part.

Syntax and normalisation come from email-validator without DNS. The canonical mailbox folds the
aliases a provider is known to deliver to one inbox (see ``canonical_mailbox``), so that
``J.Smith+shop@googlemail.com`` and ``jsmith@gmail.com`` are one identity.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

from email_validator import EmailNotValidError, validate_email

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
    local = local.lower()
    first_label = domain.split(".", 1)[0]
    if domain in _GMAIL:
        return _strip_tag(local).replace(".", "") or local, "gmail.com"
    if domain in _APPLE:
        return _strip_tag(local), "icloud.com"
    if domain in _PROTON:
        return _strip_tag(local), "proton.me"
    if domain in _YANDEX:
        return _strip_tag(local).replace(".", "-"), "yandex.ru"
    parts = domain.split(".")
    if len(parts) == 3 and parts[1:] == ["fastmail", "com"]:
        return parts[0], "fastmail.com"
    if domain in free_domains:
        if first_label in _MICROSOFT_LABELS or first_label in _FASTMAIL_LABELS:
            return _strip_tag(local), domain
        if first_label in _YAHOO_LABELS:
            return _strip_tag(local, "-"), domain
    return local, domain


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


def shannon_entropy(text: str) -> float:
    """Shannon entropy of the character distribution, in bits per character (0 for "")."""
    if not text:
        return 0.0
    n = len(text)
    return sum(c / n * math.log2(n / c) for c in Counter(text).values())


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


def name_likeness(local: str) -> float:
    """0..1: the share of the local part's letters and digits that sit in pronounceable runs.

    The part before any ``+tag`` is folded (lower case, accents removed) and cut into maximal
    letter runs; a run counts when ``_pronounceable`` (so single letters, digits and strings
    like "xkcdqz" do not). "john.smith" → 1.0, "john1987" → 0.5, "x7kq9zt" → 0.0. Letters of
    other scripts are not judged and count as not name-like.
    """
    base = fold(_strip_tag(local))
    total = sum(1 for ch in base if ch.isalnum())
    if not total:
        return 0.0
    return sum(len(run) for run in letter_runs(base) if _pronounceable(run)) / total


def email_signals(raw: str | None, full_name: str | None, refdata: RefData) -> EmailSignals:
    """Everything the signal layer derives from an email address; never raises."""
    if raw is None or not raw.strip():
        return _ABSENT
    try:
        parsed = validate_email(raw.strip(), check_deliverability=False)
    except (EmailNotValidError, UnicodeError, ValueError):
        return _INVALID
    local, domain = parsed.local_part, parsed.ascii_domain.lower()
    canonical_local, canonical_domain = canonical_mailbox(local, domain, refdata.free_email_domains)
    free = refdata.free_email_domains
    is_free = domain in free or canonical_domain in free
    lowered = local.lower()
    return EmailSignals(
        present=True,
        valid=True,
        normalized=f"{canonical_local}@{canonical_domain}",
        domain=domain,
        is_free=is_free,
        is_disposable=is_disposable(domain, refdata.disposable_email_domains),
        is_edu=not is_free and is_academic(domain),
        has_plus_tag="+" in local[1:],
        local_length=len(local),
        local_digits=sum(1 for ch in local if ch.isdecimal()),
        local_entropy=shannon_entropy(lowered),
        local_name_likeness=name_likeness(local),
        local_shape=local_shape(local),
        name_similarity=name_similarity(full_name, local),
    )
