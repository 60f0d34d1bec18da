"""All reference data the signal layer reads, loaded once into one immutable object.

``RefData.load()`` reads the lists of ``service/data/`` (or another directory with the same
layout, e.g. one kept fresh by ``refresh-data``), the disposable-domain set of the
``disposable-email-domains`` package, the timezone and country tables of ``tzdata``, the
geoip2fast country table and ua-parser's browser regexes. The entry point builds it and passes
it to ``SignalExtractor``; nothing here is global. Loading takes about 0.3 s (see the log line).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from disposable_email_domains import blocklist
from ua_parser.core import Resolver as UaResolver

from service.signals.codes import CloudProvider
from service.signals.countries import load_iso_countries
from service.signals.crawlers import CrawlerMatcher, parse_crawler_json
from service.signals.geo import GeoCountry
from service.signals.ipindex import IpIndex
from service.signals.iprange import IntervalSet, IpRanges
from service.signals.lists import (
    CLOUD_PROVIDERS,
    LISTS,
    RefDataError,
    parse_cidr_list,
    parse_domain_list,
    parse_tor_csv,
)
from service.signals.locale import ZoneTable, load_zone_table
from service.signals.useragent import build_ua_resolver

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
"""The lists bundled with the package (``service/data/``)."""


@dataclass(frozen=True, slots=True, eq=False)
class RefData:
    """Reference lists and tables; build with ``RefData.load`` (or directly, in tests)."""

    free_email_domains: frozenset[str]
    disposable_email_domains: frozenset[str]
    datacenter: IpRanges
    vpn: IpRanges
    tor_exits: IpRanges
    clouds: tuple[tuple[CloudProvider, IpRanges], ...]  # in lookup priority
    ip_index: IpIndex  # the IP lists above folded into one lookup
    crawlers: CrawlerMatcher
    ua_resolver: UaResolver  # ua-parser's browser/OS regexes, compiled
    zones: ZoneTable
    iso_countries: frozenset[str]
    geo: GeoCountry

    @classmethod
    def load(cls, data_dir: Path | None = None, geo_table: Path | None = None) -> RefData:
        """Load every list from ``data_dir`` (default: the bundled data); strict.

        Raises ``RefDataError`` naming the file when a list is missing or has a line that does
        not parse: a service should not start on a silently half-read list.
        """
        root = data_dir or DEFAULT_DATA_DIR
        started = time.perf_counter()
        datacenter = _ranges(root, "datacenter")
        vpn = _ranges(root, "vpn")
        tor_exits = _parse(root, "tor-exits", parse_tor_csv)
        clouds = tuple((code, _ranges(root, f"cloud-{slug}")) for code, slug in CLOUD_PROVIDERS)
        refdata = cls(
            free_email_domains=_parse(root, "free-email", parse_domain_list),
            disposable_email_domains=frozenset(blocklist),
            datacenter=datacenter,
            vpn=vpn,
            tor_exits=tor_exits,
            clouds=clouds,
            ip_index=IpIndex.build(datacenter=datacenter, vpn=vpn, tor=tor_exits, clouds=clouds),
            crawlers=CrawlerMatcher(_parse(root, "crawler-user-agents", parse_crawler_json)),
            ua_resolver=build_ua_resolver(),
            zones=load_zone_table(),
            iso_countries=load_iso_countries(),
            geo=GeoCountry(geo_table),
        )
        logger.info(
            "reference data loaded from %s in %.3f s: %d free-mail, %d disposable domains, "
            "%d datacenter, %d VPN, %d Tor, %d cloud ranges, %d crawler patterns, %d zones",
            root,
            time.perf_counter() - started,
            len(refdata.free_email_domains),
            len(refdata.disposable_email_domains),
            len(refdata.datacenter),
            len(refdata.vpn),
            len(refdata.tor_exits),
            sum(len(ranges) for _, ranges in refdata.clouds),
            len(refdata.crawlers),
            len(refdata.zones.countries),
        )
        return refdata


def _read(root: Path, name: str) -> str:
    path = root / LISTS[name].path
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RefDataError(f"cannot read list {name!r} at {path}: {exc}") from exc


def _parse(root: Path, name: str, parser: Callable[[str], _T]) -> _T:
    try:
        return parser(_read(root, name))
    except RefDataError as exc:
        raise RefDataError(f"list {name!r} ({root / LISTS[name].path}): {exc}") from exc


def _ranges(root: Path, prefix: str) -> IpRanges:
    """The ``-ipv4`` and ``-ipv6`` lists of one name; a version with no list is empty."""
    v4, v6 = (
        _parse(root, f"{prefix}-ipv{version}", functools.partial(parse_cidr_list, version=version))
        if f"{prefix}-ipv{version}" in LISTS
        else IntervalSet(version, (), ())
        for version in (4, 6)
    )
    return IpRanges(v4, v6)
