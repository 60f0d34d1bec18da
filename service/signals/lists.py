"""The reference lists: where each lives under the data directory, its upstream, its parser.

The parsers are strict: a line they cannot read makes the whole list invalid (``RefDataError``
naming the line), because a half-read list is usually an error page or a truncated download
saved in its place. The one exception is the free-mail domain list, whose upstream carries a
few words that are not domains ("multiplechoices", "asean-mail"): up to 1% of its lines may be
skipped (logged), more refuses the list. Blank lines and ``#`` comments are always allowed.
"""

from __future__ import annotations

import csv
import enum
import io
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from service.signals.codes import CloudProvider
from service.signals.iprange import IntervalSet, IpRanges, parse_cidr, parse_ip_int

logger = logging.getLogger(__name__)

_MAX_BAD_DOMAIN_SHARE = 0.01


class RefDataError(ValueError):
    """A reference list is missing, empty or unparsable; the message names the list and line."""


class ListFormat(enum.Enum):
    """How a list file is written."""

    DOMAINS = "domains"  # one domain per line
    CIDR_V4 = "cidr4"  # one IPv4 CIDR (or address) per line
    CIDR_V6 = "cidr6"  # one IPv6 CIDR (or address) per line
    TOR_CSV = "tor_csv"  # CSV with an ``ipaddr`` column (v4 and v6 mixed)
    CRAWLER_JSON = "crawler_json"  # monperrus/crawler-user-agents JSON array


@dataclass(frozen=True, slots=True)
class ListSpec:
    """One refreshable list: its file under the data directory, format and default upstream."""

    path: str
    format: ListFormat
    url: str


_RAW = "https://raw.githubusercontent.com"
_X4B = f"{_RAW}/X4BNet/lists_vpn/main/output"
_IPRANGES = f"{_RAW}/lord-alfred/ipranges/main"

# Cloud ranges in lookup priority: an address in two lists gets the first provider. Privacy
# relays come first because their egress ranges sit inside CDN ranges (Apple's inside
# Cloudflare's 104.16.0.0/13, for one) and the relay is the more specific fact.
CLOUD_PROVIDERS: tuple[tuple[CloudProvider, str], ...] = (
    (CloudProvider.APPLE_RELAY, "apple-proxy"),
    (CloudProvider.PROTONVPN, "protonvpn"),
    (CloudProvider.AMAZON, "amazon"),
    (CloudProvider.GOOGLE, "google"),
    (CloudProvider.MICROSOFT, "microsoft"),
    (CloudProvider.ORACLE, "oracle"),
    (CloudProvider.DIGITALOCEAN, "digitalocean"),
    (CloudProvider.LINODE, "linode"),
    (CloudProvider.VULTR, "vultr"),
    (CloudProvider.CLOUDFLARE, "cloudflare"),
)
# Upstream publishes no IPv6 list for these; they load as empty.
_NO_IPV6 = frozenset({"oracle", "protonvpn"})


def _cloud_specs() -> Iterator[tuple[str, ListSpec]]:
    for _, slug in CLOUD_PROVIDERS:
        for version, fmt in ((4, ListFormat.CIDR_V4), (6, ListFormat.CIDR_V6)):
            if version == 6 and slug in _NO_IPV6:
                continue
            yield (
                f"cloud-{slug}-ipv{version}",
                ListSpec(
                    f"ip/cloud/{slug}_ipv{version}.txt",
                    fmt,
                    f"{_IPRANGES}/{slug}/ipv{version}_merged.txt",
                ),
            )


LISTS: Mapping[str, ListSpec] = MappingProxyType(
    {
        "free-email": ListSpec(
            "email/free_providers.txt",
            ListFormat.DOMAINS,
            f"{_RAW}/willwhite/freemail/master/data/free.txt",
        ),
        "datacenter-ipv4": ListSpec(
            "ip/hosting/datacenter_ipv4.txt", ListFormat.CIDR_V4, f"{_X4B}/datacenter/ipv4.txt"
        ),
        "datacenter-ipv6": ListSpec(
            "ip/hosting/datacenter_ipv6.txt", ListFormat.CIDR_V6, f"{_X4B}/datacenter/ipv6.txt"
        ),
        "vpn-ipv4": ListSpec("ip/hosting/vpn_ipv4.txt", ListFormat.CIDR_V4, f"{_X4B}/vpn/ipv4.txt"),
        "vpn-ipv6": ListSpec("ip/hosting/vpn_ipv6.txt", ListFormat.CIDR_V6, f"{_X4B}/vpn/ipv6.txt"),
        **dict(_cloud_specs()),
        "tor-exits": ListSpec(
            "ip/tor/exits.csv",
            ListFormat.TOR_CSV,
            f"{_RAW}/alireza-rezaee/tor-nodes/main/latest.exits.csv",
        ),
        "crawler-user-agents": ListSpec(
            "ua/crawler-user-agents.json",
            ListFormat.CRAWLER_JSON,
            f"{_RAW}/monperrus/crawler-user-agents/master/crawler-user-agents.json",
        ),
    }
)
"""Every refreshable list by name (the name the ``refresh-data`` command takes)."""

_DOMAIN = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))+")


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered, stripped, non-blank, non-comment lines."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def parse_domain_list(text: str) -> frozenset[str]:
    """Lower-cased domains, one a line; lines that are not domains are skipped, up to 1%.

    ``RefDataError`` when the list is empty or more than 1% of its lines are not domains.
    """
    domains = set()
    bad: list[tuple[int, str]] = []
    for number, line in _lines(text):
        domain = line.lower()
        if len(domain) <= 253 and _DOMAIN.fullmatch(domain):
            domains.add(domain)
        else:
            bad.append((number, line))
    if not domains:
        raise RefDataError("domain list is empty")
    if len(bad) > _MAX_BAD_DOMAIN_SHARE * (len(domains) + len(bad)):
        number, line = bad[0]
        raise RefDataError(
            f"{len(bad)} lines are not domains, first at line {number}: {line[:64]!r}"
        )
    if bad:
        logger.warning("skipped %d lines that are not domains, e.g. line %d %r", len(bad), *bad[0])
    return frozenset(domains)


def parse_cidr_list(text: str, version: int) -> IntervalSet:
    """Merged ranges of one IP version; ``RefDataError`` on a line that is not a CIDR."""
    intervals = []
    for number, line in _lines(text):
        try:
            intervals.append(parse_cidr(line, version))
        except ValueError as exc:
            raise RefDataError(f"line {number}: {exc}") from exc
    if not intervals:
        raise RefDataError(f"IPv{version} range list is empty")
    return IntervalSet.from_intervals(version, intervals)


def parse_tor_csv(text: str) -> IpRanges:
    """Tor exit addresses from the ``ipaddr`` column of tor-nodes' CSV, both versions."""
    rows = csv.reader(io.StringIO(text), skipinitialspace=True)
    header = [name.strip().lower() for name in next(rows, [])]
    if "ipaddr" not in header:
        raise RefDataError("Tor exit CSV has no 'ipaddr' column")
    column = header.index("ipaddr")
    by_version: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        address = row[column].strip() if len(row) > column else ""
        version = 6 if ":" in address else 4
        try:
            value = parse_ip_int(address, version)
        except ValueError as exc:
            raise RefDataError(f"line {number}: {exc}") from exc
        by_version[version].append((value, value))
    if not by_version[4] and not by_version[6]:
        raise RefDataError("Tor exit list is empty")
    return IpRanges(
        IntervalSet.from_intervals(4, by_version[4]), IntervalSet.from_intervals(6, by_version[6])
    )
