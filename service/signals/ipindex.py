"""Every IP list folded into one index per IP version: one bisection answers all of them.

Each list is a *layer* with one bit. Sweeping the merged boundaries of all layers cuts the
address space into segments over which the set of covering layers is constant; the index keeps
each segment's first address and its layer bitmask. Looking an address up is one ``bisect`` (about
0.3 µs) instead of one per list (13 lists: about 3.5 µs).

Layer bits: ``NON_PUBLIC`` (the fixed special-purpose ranges below), ``DATACENTER``, ``VPN``,
``TOR``, then one bit per cloud provider from ``CLOUD_SHIFT`` on, in ``CLOUD_PROVIDERS`` order,
which is also the priority when two providers claim one address.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from service.signals.codes import CloudProvider
from service.signals.iprange import IntervalSet, IpRanges, parse_cidr
from service.signals.lists import CLOUD_PROVIDERS

NON_PUBLIC = 1 << 0
DATACENTER = 1 << 1
VPN = 1 << 2
TOR = 1 << 3
CLOUD_SHIFT = 4
CLOUD_CODES: tuple[CloudProvider, ...] = tuple(code for code, _ in CLOUD_PROVIDERS)

# Addresses no real client connects from: the IANA special-purpose registries' ranges that are
# not globally reachable, plus multicast and reserved space. Fixed here rather than taken from
# ``ipaddress`` because its answers change between Python patch releases, and a feature must not.
_NON_PUBLIC_V4 = (
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",  # private
    "100.64.0.0/10",  # carrier-grade NAT
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local
    "172.16.0.0/12",  # private
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation
    "192.168.0.0/16",  # private
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation
    "203.0.113.0/24",  # documentation
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and the broadcast address
)
# IPv6: everything outside global unicast 2000::/3 (unspecified, loopback, IPv4-mapped, NAT64,
# discard, unique-local, link-local, multicast, reserved), plus these inside it.
_NON_PUBLIC_V6 = (
    "::/3",
    "4000::/2",
    "8000::/1",
    "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID ...)
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation
)


def _special(version: int) -> IntervalSet:
    cidrs = _NON_PUBLIC_V4 if version == 4 else _NON_PUBLIC_V6
    return IntervalSet.from_intervals(version, (parse_cidr(c, version) for c in cidrs))


@dataclass(frozen=True, slots=True)
class VersionIndex:
    """Segment starts and their layer bitmasks, for one IP version."""

    starts: tuple[int, ...]
    masks: tuple[int, ...]

    @classmethod
    def build(cls, layers: Sequence[tuple[int, IntervalSet]]) -> VersionIndex:
        """Sweep ``(bit, intervals)`` layers; each layer's intervals must be disjoint (they are,
        ``IntervalSet`` merges them), so a boundary simply toggles that layer's bit."""
        toggles: dict[int, int] = {}
        for bit, intervals in layers:
            for first, last in zip(intervals.starts, intervals.ends, strict=True):
                toggles[first] = toggles.get(first, 0) ^ bit
                toggles[last + 1] = toggles.get(last + 1, 0) ^ bit
        starts, masks = [0], [0]
        mask = 0
        for position in sorted(toggles):
            mask ^= toggles[position]
            if position == starts[-1]:
                masks[-1] = mask
            elif mask != masks[-1]:
                starts.append(position)
                masks.append(mask)
        return cls(tuple(starts), tuple(masks))

    def lookup(self, value: int) -> int:
        """The bitmask of layers holding the integer address."""
        return self.masks[bisect_right(self.starts, value) - 1]


@dataclass(frozen=True, slots=True)
class IpIndex:
    """The IPv4 and IPv6 indexes."""

    v4: VersionIndex
    v6: VersionIndex

    @classmethod
    def build(
        cls,
        *,
        datacenter: IpRanges,
        vpn: IpRanges,
        tor: IpRanges,
        clouds: Sequence[tuple[CloudProvider, IpRanges]],
    ) -> IpIndex:
        """Fold the lists into one index per version; ``clouds`` must follow ``CLOUD_CODES``."""
        if tuple(code for code, _ in clouds) != CLOUD_CODES:
            raise ValueError("clouds must be given in CLOUD_PROVIDERS order")
        layered = [(DATACENTER, datacenter), (VPN, vpn), (TOR, tor)]
        layered += [(1 << (CLOUD_SHIFT + i), ranges) for i, (_, ranges) in enumerate(clouds)]
        return cls(
            VersionIndex.build([(NON_PUBLIC, _special(4)), *((bit, r.v4) for bit, r in layered)]),
            VersionIndex.build([(NON_PUBLIC, _special(6)), *((bit, r.v6) for bit, r in layered)]),
        )

    def lookup(self, value: int, version: int) -> int:
        """The layer bitmask of an integer address of the given version."""
        return (self.v4 if version == 4 else self.v6).lookup(value)


def cloud_from_mask(mask: int) -> CloudProvider:
    """The highest-priority cloud provider in a layer bitmask, ``NONE`` if there is none."""
    clouds = mask >> CLOUD_SHIFT
    if not clouds:
        return CloudProvider.NONE
    return CLOUD_CODES[(clouds & -clouds).bit_length() - 1]
