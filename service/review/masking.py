"""Masks of identifiers for reviewers: enough to recognise a pattern, never the raw value.

``j***@gmail.com``, ``+1 ***-***-12``, ``203.0.113.x``, ``•••• 4242``. Masks are what a case
keeps at rest; the raw values never leave the request.
"""

from __future__ import annotations

import ipaddress

import phonenumbers


def email(value: str | None) -> str | None:
    """First character of the mailbox and the whole domain."""
    if not value or "@" not in value:
        return None
    local, _, domain = value.strip().rpartition("@")
    return f"{local[:1]}***@{domain.lower()}" if local else None


def phone(value: str | None, region: str | None = None) -> str | None:
    """Country calling code (known from the number's region) and the last two digits."""
    if not value:
        return None
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) < 4:
        return None
    code = phonenumbers.country_code_for_region(region) if region else 0
    return f"+{code} ***-***-{digits[-2:]}" if code else f"***-***-{digits[-2:]}"


def ip(value: str | None) -> str | None:
    """IPv4 with its last octet hidden; IPv6 with its first three hextets only."""
    if not value:
        return None
    head, dot, _ = value.rpartition(".")
    if dot and ":" not in value:
        return f"{head}.x" if head.count(".") == 2 else None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 4:  # an IPv4-mapped form
        return ".".join(str(address).split(".")[:3]) + ".x"
    return ":".join(address.exploded.split(":")[:3]) + ":x"


def card(last4: str | None) -> str | None:
    """The last four digits the processor already shows."""
    if not last4 or not last4.isdigit():
        return None
    return f"•••• {last4[-4:]}"
