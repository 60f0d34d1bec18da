"""Review settings, built from :class:`service.config.Settings` at the entry point."""

from __future__ import annotations

from dataclasses import dataclass

# Identifier kinds linked for campaigns, all the state's keyed hashes. The identifiers a person
# holds link whatever the time; the IP (as its /24) and the coordination cells link only within
# a time bucket, with a lower cap (:meth:`ReviewConfig.window`, :meth:`ReviewConfig.cap`):
# ``phone_block`` (the number without its last two digits: a SIM farm's sequential range) and
# ``identity_bin`` (the identity template together with the card BIN: one generator's identities
# paying with one issuer's cards). The identity template alone, the card BIN alone and the exact
# user agent are left out: real people share each of them too often (on the small simulated
# world, a template alone linked 1.5 % of legitimate accounts into fraud-dominated components
# even windowed at 1 h with cap 20; a phone block or template+BIN, a small fraction of that).
LINK_KINDS: tuple[str, ...] = (
    "device",
    "card",
    "phone",
    "email",
    "ip24",
    "phone_block",
    "identity_bin",
)
# Windowed kinds that are coordination cells (the IP /24 is windowed on its own setting).
CELL_KINDS: tuple[str, ...] = ("phone_block", "identity_bin")
# Kinds a FRAUD verdict puts on the expiring deny list.
DENY_KINDS: tuple[str, ...] = ("device", "card", "phone")
# Kinds a LEGITIMATE verdict puts on the expiring allow list for velocity (never the IP: a
# campus NAT or carrier IP released once must not let a campaign behind it through).
ALLOW_KINDS: tuple[str, ...] = ("device", "card", "phone", "email")


@dataclass(frozen=True, slots=True)
class ReviewConfig:
    """How cases open, how campaigns link and what verdicts do.

    ``link_cap``: an identifier links only the first this many accounts seen with it (a campus
    NAT or a carrier IP must not make one giant component); ``ip_link_cap`` is the same for an
    IP /24 within one ``ip_window_s`` bucket (IPs link only within a short window), and
    ``cell_link_cap`` for a coordination cell within one ``cell_window_s`` bucket
    (``cell_link_cap`` 0: cells do not link).
    """

    claim_ttl_s: float = 600.0
    block_opens_case: bool = False
    release_legitimate: bool = True  # LEGITIMATE: the account's next key creation is allowed
    allow_legitimate_identifiers: bool = True  # LEGITIMATE: its identifiers skip velocity
    allow_ttl_s: float = 30 * 86400.0
    allow_max: int = 100_000  # allow-list entries kept (the newest; the oldest are evicted)
    block_fraud: bool = True  # FRAUD: the account's later key creations are blocked
    deny_fraud_identifiers: bool = True  # FRAUD: its device/card/phone go on the deny list
    deny_ttl_s: float = 30 * 86400.0
    deny_max: int = 100_000  # deny-list entries kept in memory (the newest)
    link_cap: int = 100
    ip_link_cap: int = 20
    ip_window_s: float = 3600.0
    cell_link_cap: int = 20
    cell_window_s: float = 86400.0
    recompute_interval_s: float = 3600.0  # full campaign recompute (0: never on its own)
    sync_interval_s: float = 2.0  # how often verdicts made by other processes are picked up
    registry_size: int = 200_000  # accounts whose open case id is remembered in process

    def cap(self, kind: str) -> int:
        """The link cap of an identifier kind (0: it links nothing)."""
        if kind == "ip24":
            return self.ip_link_cap
        if kind in CELL_KINDS:
            return self.cell_link_cap
        return self.link_cap

    def window(self, kind: str) -> float | None:
        """The time bucket a kind links within; None: it links whatever the time."""
        if kind == "ip24":
            return self.ip_window_s
        if kind in CELL_KINDS:
            return self.cell_window_s
        return None

    def caps(self) -> dict[str, int]:
        """The link cap of every kind."""
        return {kind: self.cap(kind) for kind in LINK_KINDS}
