"""Review settings, built from :class:`service.config.Settings` at the entry point."""

from __future__ import annotations

from dataclasses import dataclass

# Identifier kinds linked for campaigns: the state's keyed hashes (IP as its /24, per window).
LINK_KINDS: tuple[str, ...] = ("device", "card", "phone", "email", "ip24")
# Kinds a FRAUD verdict puts on the expiring deny list.
DENY_KINDS: tuple[str, ...] = ("device", "card", "phone")


@dataclass(frozen=True, slots=True)
class ReviewConfig:
    """How cases open, how campaigns link and what verdicts do.

    ``link_cap``: an identifier links only the first this many accounts seen with it (a campus
    NAT or a carrier IP must not make one giant component); ``ip_link_cap`` is the same for an
    IP /24 within one ``ip_window_s`` bucket (IPs link only within a short window).
    """

    claim_ttl_s: float = 600.0
    block_opens_case: bool = False
    release_legitimate: bool = True  # LEGITIMATE: the account's next key creation is allowed
    block_fraud: bool = True  # FRAUD: the account's later key creations are blocked
    deny_fraud_identifiers: bool = True  # FRAUD: its device/card/phone go on the deny list
    deny_ttl_s: float = 30 * 86400.0
    deny_max: int = 100_000  # deny-list entries kept in memory (the newest)
    link_cap: int = 100
    ip_link_cap: int = 20
    ip_window_s: float = 3600.0
    recompute_interval_s: float = 3600.0  # full campaign recompute (0: never on its own)
    sync_interval_s: float = 2.0  # how often verdicts made by other processes are picked up
    registry_size: int = 200_000  # accounts whose open case id is remembered in process

    def cap(self, kind: str) -> int:
        """The link cap of an identifier kind."""
        return self.ip_link_cap if kind == "ip24" else self.link_cap
