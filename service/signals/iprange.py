"""Sets of IP ranges as sorted, merged integer intervals, looked up by bisection.

A list of CIDRs becomes two parallel sorted lists, ``starts`` and ``ends`` (inclusive), with
overlapping and adjacent ranges merged, so membership is one ``bisect`` (about 0.2 µs) however
long the list. IPv4 and IPv6 live in separate instances: their integers would otherwise collide.
"""

from __future__ import annotations

import socket
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

_BITS = {4: 32, 6: 128}
_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


def parse_ip_int(text: str, version: int) -> int:
    """Parse one address of the given version to an int; ``ValueError`` when it is not one.

    ``inet_pton`` is strict (no ``1.2.3``, no leading zeros) and ten times faster than
    ``ipaddress``, which matters for lists of tens of thousands of entries.
    """
    try:
        packed = socket.inet_pton(_FAMILY[version], text)
    except (OSError, ValueError) as exc:  # ValueError: embedded NUL
        raise ValueError(f"not an IPv{version} address: {text[:64]!r}") from exc
    return int.from_bytes(packed, "big")


def format_ip_int(value: int, version: int) -> str:
    """Canonical text of an integer address (RFC 5952 compressed, lower case, for IPv6)."""
    return socket.inet_ntop(_FAMILY[version], value.to_bytes(_BITS[version] // 8, "big"))


def parse_cidr(text: str, version: int) -> tuple[int, int]:
    """Parse ``a.b.c.d/n`` (or a bare address) to an inclusive ``(first, last)`` int pair.

    Host bits set below the prefix are cleared rather than refused: upstream lists contain such
    entries and the intended network is unambiguous.
    """
    address, slash, length_text = text.strip().partition("/")
    bits = _BITS[version]
    if slash:
        if not length_text.isdecimal() or not 0 <= int(length_text) <= bits:
            raise ValueError(f"bad prefix length in {text[:64]!r}")
        length = int(length_text)
    else:
        length = bits
    host_bits = bits - length
    first = (parse_ip_int(address, version) >> host_bits) << host_bits
    return first, first | ((1 << host_bits) - 1)


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """Disjoint, sorted, inclusive integer intervals of one IP version."""

    version: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def from_intervals(cls, version: int, intervals: Iterable[tuple[int, int]]) -> IntervalSet:
        """Sort and merge overlapping or adjacent ``(first, last)`` pairs."""
        starts: list[int] = []
        ends: list[int] = []
        for first, last in sorted(intervals):
            if ends and first <= ends[-1] + 1:
                ends[-1] = max(ends[-1], last)
            else:
                starts.append(first)
                ends.append(last)
        return cls(version, tuple(starts), tuple(ends))

    def __contains__(self, value: int) -> bool:
        """Whether the integer address lies in one of the intervals."""
        i = bisect_right(self.starts, value) - 1
        return i >= 0 and value <= self.ends[i]

    def __len__(self) -> int:
        """Number of merged intervals."""
        return len(self.starts)


@dataclass(frozen=True, slots=True)
class IpRanges:
    """One named list of ranges, IPv4 and IPv6 side by side."""

    v4: IntervalSet
    v6: IntervalSet

    def contains(self, value: int, version: int) -> bool:
        """Whether the integer address of the given version is in the list."""
        return value in (self.v4 if version == 4 else self.v6)

    def __len__(self) -> int:
        """Number of merged intervals over both versions."""
        return len(self.v4) + len(self.v6)
