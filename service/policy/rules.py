"""Operator allow and deny lists: hard overrides that win over the model.

Lists name email domains (a domain matches itself and its subdomains), IPs or CIDR blocks,
device fingerprints and card fingerprints. A deny match blocks; an allow match allows, unless a
deny list also matches (deny wins).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class RuleInputs:
    """The normalised request values rules look at (``None`` when absent or invalid)."""

    email_domain: str | None = None
    ip: str | None = None
    device_id: str | None = None
    card_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class RuleList:
    """One allow or deny list."""

    email_domains: frozenset[str] = frozenset()
    networks: tuple[_Network, ...] = ()
    devices: frozenset[str] = frozenset()
    cards: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> RuleList:
        """Build from the ``allow:`` or ``deny:`` section of a policy file."""
        if not data:
            return cls()
        unknown = set(data) - {"email_domains", "ips", "devices", "cards"}
        if unknown:
            raise ValueError(f"unknown rule list keys: {sorted(unknown)}")
        return cls(
            email_domains=frozenset(
                d.strip().lower().rstrip(".") for d in data.get("email_domains", [])
            ),
            networks=tuple(
                ipaddress.ip_network(n.strip(), strict=False) for n in data.get("ips", [])
            ),
            devices=frozenset(str(d) for d in data.get("devices", [])),
            cards=frozenset(str(c) for c in data.get("cards", [])),
        )

    def matches(self, inputs: RuleInputs) -> list[str]:
        """Names of the list kinds that match (``email_domain``, ``ip``, ``device``, ``card``)."""
        hits: list[str] = []
        if (
            inputs.email_domain
            and self.email_domains
            and _domain_hit(inputs.email_domain, self.email_domains)
        ):
            hits.append("email_domain")
        if inputs.ip and self.networks and _ip_hit(inputs.ip, self.networks):
            hits.append("ip")
        if inputs.device_id and inputs.device_id in self.devices:
            hits.append("device")
        if inputs.card_fingerprint and inputs.card_fingerprint in self.cards:
            hits.append("card")
        return hits


def _domain_hit(domain: str, listed: frozenset[str]) -> bool:
    parts = domain.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts)))


def _ip_hit(ip: str, networks: Iterable[_Network]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in networks)
