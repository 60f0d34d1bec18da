"""IP address pools built from the bundled range lists and the GeoIP country table.

We have no list of residential ranges, so "consumer" addresses are drawn from /16 blocks that the
GeoIP table places in the wanted country and that the bundled datacenter, VPN, cloud/relay and
Tor lists (nearly) do not touch; every drawn address is checked against both again. Each run
gives every country its own skewed set of "ISP" blocks and a few "mobile carrier" /24 prefixes
(carrier-grade NAT: many subscribers per address). Countries come from the service's own
GeoIP table (``service.signals.geo``), so simulator and service agree. IPv4 only for now.
"""

from __future__ import annotations

import bisect
import random
import socket
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from service.signals.geo import GeoCountry

Interval = tuple[int, int]  # inclusive first and last address as integers

HOSTING_PROVIDERS = ("amazon", "digitalocean", "vultr", "linode", "oracle", "google", "microsoft")
# Private/reserved /8s and legacy /8s held by one government or company (not consumer ISPs).
_RESERVED_FIRST_OCTETS = frozenset(
    {0, 10, 127, 3, 6, 7, 9, 11, 15, 16, 17, 19, 21, 22, 25, 26, 28, 29, 30, 33, 44, 48, 53}
    | {55, 56, 57}
    | set(range(224, 256))
)
_ISP_BLOCKS = 60
_CARRIER_BLOCKS = 3
_CARRIER_PREFIXES_PER_BLOCK = 6


def data_dir() -> Path:
    """The bundled ``service/data`` directory."""
    return Path(str(files("service") / "data"))


def ip_to_int(ip: str) -> int:
    """Dotted IPv4 to an integer."""
    return int.from_bytes(socket.inet_aton(ip), "big")


def int_to_ip(value: int) -> str:
    """Integer to dotted IPv4."""
    return socket.inet_ntoa(value.to_bytes(4, "big"))


def _read_cidrs(path: Path) -> list[Interval]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or ":" in line:
            continue
        addr, _, bits = line.partition("/")
        length = int(bits or 32)
        first = ip_to_int(addr) & ~((1 << (32 - length)) - 1) & 0xFFFFFFFF
        out.append((first, first + (1 << (32 - length)) - 1))
    return out


def _read_tor(path: Path) -> list[Interval]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) >= 2 and parts[1].count(".") == 3:
            value = ip_to_int(parts[1])
            out.append((value, value))
    return sorted(set(out))


class Ranges:
    """A set of IPv4 intervals, merged, with a fast membership test."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        merged: list[list[int]] = []
        for lo, hi in sorted(intervals):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __contains__(self, ip: object) -> bool:
        value = ip_to_int(ip) if isinstance(ip, str) else ip
        if not isinstance(value, int):
            return False
        i = bisect.bisect_right(self.starts, value) - 1
        return i >= 0 and value <= self.ends[i]

    def overlaps(self, interval: Interval) -> bool:
        """Whether any address of ``interval`` is in the set."""
        lo, hi = interval
        i = bisect.bisect_right(self.starts, hi) - 1
        return i >= 0 and self.ends[i] >= lo

    def intervals(self) -> list[Interval]:
        """The merged intervals in order."""
        return list(zip(self.starts, self.ends, strict=True))


@dataclass(frozen=True, slots=True)
class RangeLists:
    """The bundled lists, parsed."""

    datacenter: list[Interval]
    vpn: list[Interval]
    cloud: dict[str, list[Interval]]  # provider -> ranges, including apple-proxy and protonvpn
    tor: list[Interval]

    @classmethod
    def load(cls, root: Path | None = None) -> RangeLists:
        """Read the lists from ``service/data/ip`` (or another root with the same layout)."""
        base = (root or data_dir()) / "ip"
        cloud = {
            p.name.removesuffix("_ipv4.txt"): _read_cidrs(p)
            for p in sorted((base / "cloud").glob("*_ipv4.txt"))
            if p.name != "all_ipv4.txt"
        }
        return cls(
            datacenter=_read_cidrs(base / "hosting" / "datacenter_ipv4.txt"),
            vpn=_read_cidrs(base / "hosting" / "vpn_ipv4.txt"),
            cloud=cloud,
            tor=_read_tor(base / "tor" / "exits.csv"),
        )

    def hosting(self) -> Ranges:
        """Datacenter and cloud ranges (without the privacy relay and VPN providers)."""
        clouds = [r for name in HOSTING_PROVIDERS for r in self.cloud.get(name, [])]
        return Ranges(self.datacenter + clouds)

    def everything(self) -> Ranges:
        """Every listed range: datacenter, VPN, all cloud files, Tor exits."""
        return Ranges(
            self.datacenter + self.vpn + self.tor + [r for v in self.cloud.values() for r in v]
        )


def _random_in(rng: random.Random, interval: Interval) -> int:
    lo, hi = interval
    if hi - lo >= 4:
        lo, hi = lo + 1, hi - 1
    return rng.randint(lo, hi)


class IpData:
    """Seed-independent, read-only IP reference data: lists, GeoIP, consumer /16 blocks.

    Parsing takes a few tenths of a second; build it once and share it between runs.
    """

    def __init__(self, lists: RangeLists | None = None) -> None:
        self.lists = lists or RangeLists.load()
        self.listed = self.lists.everything()
        self._geo = GeoCountry()  # the service's own table, so both agree on every country
        self.blocks = self._consumer_blocks()
        apple = self.lists.cloud.get("apple-proxy", [])
        relay: dict[str, list[Interval]] = defaultdict(list)
        for interval in apple:
            relay[self.country(interval[0] + 1) or "--"].append(interval)
        self.relay = dict(relay)
        # The VPN and datacenter lists hold most relay ranges too; the service calls those
        # addresses relays, so VPN and hosting draws leave them out.
        self.relay_ranges = Ranges(apple)
        vpn = self.lists.vpn + self.lists.cloud.get("protonvpn", [])
        self.vpn = [r for r in vpn if not self.relay_ranges.overlaps(r)]
        self.datacenter = [r for r in self.lists.datacenter if not self.relay_ranges.overlaps(r)]

    def country(self, ip: int | str) -> str | None:
        """ISO country of an address per the service's GeoIP table, or ``None``."""
        return self._geo.country(int_to_ip(ip) if isinstance(ip, int) else ip)

    def _consumer_blocks(self) -> dict[str, list[int]]:
        covered: dict[int, int] = defaultdict(int)
        for lo, hi in self.listed.intervals():
            block = lo >> 16
            while block <= hi >> 16:
                start, end = max(lo, block << 16), min(hi, (block << 16) | 0xFFFF)
                covered[block] += end - start + 1
                block += 1
        out: dict[str, list[int]] = defaultdict(list)
        for block in range(1 << 16):
            first = block >> 8
            if first in _RESERVED_FIRST_OCTETS or covered.get(block, 0) > 0xFFFF // 20:
                continue
            code = self.country((block << 16) | 0x8001)
            if code:
                out[code].append(block)
        return dict(out)


class Network:
    """Every IP pool the simulator draws from; one instance per run (per seed)."""

    def __init__(self, seed: int, data: IpData | None = None) -> None:
        self.data = data or IpData()
        self.lists = self.data.lists
        self.listed = self.data.listed
        self._seed = seed
        self._blocks = self.data.blocks
        self._isps: dict[str, tuple[list[int], list[float]]] = {}
        self._carriers: dict[str, list[int]] = {}

    def country(self, ip: int | str) -> str | None:
        """ISO country of an address per the bundled GeoIP table, or ``None``."""
        return self.data.country(ip)

    def _isp(self, country: str) -> tuple[list[int], list[float]]:
        if country not in self._isps:
            blocks = list(self._blocks.get(country) or self._blocks["US"])
            random.Random(f"{self._seed}:isp:{country}").shuffle(blocks)
            chosen = blocks[:_ISP_BLOCKS]
            self._isps[country] = (chosen, [1.0 / (1 + i) ** 0.9 for i in range(len(chosen))])
        return self._isps[country]

    def _consumer_ok(self, value: int, country: str) -> bool:
        return value not in self.listed and self.country(value) == country

    def residential(self, rng: random.Random, country: str) -> str:
        """A home broadband address in ``country`` (falls back to the US for unknown ones)."""
        country = country if country in self._blocks else "US"
        blocks, weights = self._isp(country)
        value = 0
        for _ in range(40):
            block = rng.choices(blocks, weights=weights)[0]
            value = (block << 16) | (rng.randrange(1, 255) << 8) | rng.randrange(1, 255)
            if self._consumer_ok(value, country):
                return int_to_ip(value)
        return int_to_ip(value)

    def carrier_prefixes(self, country: str) -> list[int]:
        """This country's mobile-carrier NAT /24 prefixes (as integers), most used first."""
        country = country if country in self._blocks else "US"
        if country not in self._carriers:
            rng = random.Random(f"{self._seed}:carrier:{country}")
            blocks = list(self._blocks[country])
            rng.shuffle(blocks)
            isp = set(self._isp(country)[0])
            spare = [b for b in blocks if b not in isp][:_CARRIER_BLOCKS] or blocks[:1]
            prefixes: list[int] = []
            for block in spare:
                found: list[int] = []
                for _ in range(_CARRIER_PREFIXES_PER_BLOCK * 4):
                    prefix = (block << 16) | (rng.randrange(256) << 8)
                    if self._consumer_ok(prefix | 1, country) and prefix not in found:
                        found.append(prefix)
                    if len(found) >= _CARRIER_PREFIXES_PER_BLOCK:
                        break
                prefixes.extend(found)
            rng.shuffle(prefixes)
            self._carriers[country] = prefixes
        return self._carriers[country]

    def carrier(
        self, rng: random.Random, country: str, prefixes: int | None = None, hosts: int = 254
    ) -> str:
        """An address from a carrier NAT pool; small ``prefixes``/``hosts`` concentrate it."""
        pool = self.carrier_prefixes(country)[: prefixes or None]
        prefix = rng.choices(pool, weights=[1.0 / (1 + i) for i in range(len(pool))])[0]
        host = 1 + (prefix // 256 * 37 + 11 * rng.randrange(hosts)) % 254
        return int_to_ip(prefix | host)

    def hosting_ranges(self, rng: random.Random, count: int) -> list[Interval]:
        """A few ranges from one or two hosting providers, as one operator would rent."""
        names = rng.sample(("datacenter", *HOSTING_PROVIDERS), k=rng.choice((1, 1, 2)))
        pool = [
            r
            for n in names
            for r in (self.data.datacenter if n == "datacenter" else self.lists.cloud.get(n, []))
        ]
        return rng.sample(pool, k=min(count, len(pool)))

    def hosting(self, rng: random.Random, ranges: Sequence[Interval] | None = None) -> str:
        """An address in a datacenter or cloud range (from ``ranges`` when given)."""
        if not ranges:
            ranges = self.hosting_ranges(rng, 1)
        return int_to_ip(_random_in(rng, rng.choice(ranges)))

    def vpn(self, rng: random.Random) -> str:
        """A commercial VPN exit address."""
        return int_to_ip(_random_in(rng, rng.choice(self.data.vpn)))

    def relay(self, rng: random.Random, country: str) -> str:
        """An iCloud Private Relay egress address, in the user's country when there is one."""
        pool = self.data.relay.get(country) or self.lists.cloud["apple-proxy"]
        return int_to_ip(_random_in(rng, rng.choice(pool)))

    def tor(self, rng: random.Random) -> str:
        """A Tor exit relay address."""
        return int_to_ip(rng.choice(self.lists.tor)[0])
