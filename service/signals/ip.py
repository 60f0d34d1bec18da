"""Client IP: parse, normalise, classify against the reference ranges, locate the country.

Classification rules (the lists can overlap, so the order matters):

- ``is_private``: the address is in a fixed special-purpose range (``ipindex``); nothing else is
  looked up for it.
- ``cloud_provider``: the first provider, in ``CLOUD_PROVIDERS`` priority, whose ranges hold it.
- ``is_relay``: the provider is iCloud Private Relay. A relay address is *only* a relay:
  X4BNet's VPN list holds 952 of Apple's 953 IPv4 egress ranges and its datacenter list most of
  them, yet these are ordinary Safari users, so ``is_vpn`` and ``is_datacenter`` stay False.
- ``is_datacenter``: the X4BNet datacenter list, or a compute cloud (AWS, Google, Azure, Oracle,
  DigitalOcean, Linode, Vultr). Cloudflare alone does not make an address a datacenter.
- ``is_vpn``: the X4BNet VPN list, or ProtonVPN.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from service.signals import ipindex
from service.signals.codes import CloudProvider
from service.signals.iprange import format_ip_int, parse_ip_int
from service.signals.refdata import RefData
from service.signals.types import IpSignals

_MASK_CACHE_SIZE = 1024  # distinct layer combinations; real lists produce a few dozen

# Clouds that rent compute: an address of theirs is a server, so it counts as a datacenter.
_COMPUTE_CLOUDS = frozenset(
    {
        CloudProvider.AMAZON,
        CloudProvider.GOOGLE,
        CloudProvider.MICROSOFT,
        CloudProvider.ORACLE,
        CloudProvider.DIGITALOCEAN,
        CloudProvider.LINODE,
        CloudProvider.VULTR,
    }
)


def _empty(present: bool) -> IpSignals:
    return IpSignals(
        present=present,
        valid=False,
        normalized=None,
        version=0,
        prefix=None,
        is_private=False,
        is_datacenter=False,
        is_vpn=False,
        is_tor=False,
        is_relay=False,
        cloud_provider=CloudProvider.NONE,
        country=None,
    )


_ABSENT = _empty(present=False)
_INVALID = _empty(present=True)


def parse_ip(raw: str) -> tuple[int, int] | None:
    """``(version, integer)`` of the address in ``raw`` (surrounding whitespace ignored), an
    IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) as IPv4; ``None`` when it is not an address.

    Strict like ``inet_pton``: no "1.2.3", no leading zeros, no zone suffix ("fe80::1%eth0").
    """
    text = raw.strip()
    version = 6 if ":" in text else 4
    try:
        value = parse_ip_int(text, version)
    except ValueError:
        return None
    if version == 6 and value >> 32 == 0xFFFF:
        return 4, value & 0xFFFFFFFF
    return version, value


def network_prefix(value: int, version: int) -> str:
    """The /24 (IPv4) or /48 (IPv6) network holding the address, e.g. ``"192.0.2.0/24"``."""
    if version == 4:
        return f"{format_ip_int(value & 0xFFFFFF00, 4)}/24"
    return f"{format_ip_int((value >> 80) << 80, 6)}/48"


class _MaskFlags(NamedTuple):
    """The classification a layer bitmask implies (see the module docstring)."""

    is_private: bool
    is_datacenter: bool
    is_vpn: bool
    is_tor: bool
    is_relay: bool
    cloud_provider: CloudProvider


@functools.lru_cache(maxsize=_MASK_CACHE_SIZE)
def _mask_flags(mask: int) -> _MaskFlags:
    """Flags of an index bitmask: a pure function of a few bits, so cached."""
    if mask & ipindex.NON_PUBLIC:
        mask = ipindex.NON_PUBLIC  # nothing else is looked up for a non-public address
    cloud = ipindex.cloud_from_mask(mask)
    relay = cloud is CloudProvider.APPLE_RELAY
    return _MaskFlags(
        is_private=bool(mask & ipindex.NON_PUBLIC),
        is_datacenter=not relay and (cloud in _COMPUTE_CLOUDS or bool(mask & ipindex.DATACENTER)),
        is_vpn=not relay and (cloud is CloudProvider.PROTONVPN or bool(mask & ipindex.VPN)),
        is_tor=bool(mask & ipindex.TOR),
        is_relay=relay,
        cloud_provider=cloud,
    )


def ip_signals(raw: str | None, refdata: RefData) -> IpSignals:
    """Everything the signal layer derives from the client IP; never raises."""
    if raw is None or not raw.strip():
        return _ABSENT
    parsed = parse_ip(raw)
    if parsed is None:
        return _INVALID
    version, value = parsed
    normalized = format_ip_int(value, version)
    flags = _mask_flags(refdata.ip_index.lookup(value, version))
    if version == 4:  # network_prefix's answer, read off the dotted quad
        prefix = f"{normalized.rpartition('.')[0]}.0/24"
    else:
        prefix = network_prefix(value, version)
    return IpSignals(
        present=True,
        valid=True,
        normalized=normalized,
        version=version,
        prefix=prefix,
        is_private=flags.is_private,
        is_datacenter=flags.is_datacenter,
        is_vpn=flags.is_vpn,
        is_tor=flags.is_tor,
        is_relay=flags.is_relay,
        cloud_provider=flags.cloud_provider,
        country=None if flags.is_private else refdata.geo.country_of(value, normalized),
    )
