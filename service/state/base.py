"""The state Protocol: velocity and linkage at the event's time, one atomic call per request.

A request hands the store every entity key it involves (keyed hashes, never raw values) and the
time to count at; the store reads the counts *before* this event and records the event, in one
call — one round trip for a networked store. Every implementation counts with the same buckets
(:mod:`service.state.windows`), so the same replayed stream gives identical features whatever the
store.

Counts are of *prior* events: the first signup from an IP sees ``0`` everywhere.
An event id seen before is a duplicate: nothing is counted again and ``duplicate`` is set.

Linkage is kept per identifier as the set of accounts seen with it (at most ``link_cap`` of them,
the first ones to arrive). A signup's *group* reaches one hop further than each count: the
distinct other accounts sharing any of its :data:`GROUP_LINKS` identifiers, capped at
:data:`GROUP_CAP` (:func:`group_size` is the rule; the Redis program mirrors it). IP is left out
on purpose: a campus or carrier NAT would make one group of everyone behind it, so IP linkage
stays a count of its own.

Coordination cells (spec 3): besides the identifiers a person holds, signups are counted per
exact user-agent string, identity template, phone-number block and card BIN, and key creations
across accounts per IP, /24 (/48), device and exact user agent, with the distinct key-creating
accounts per /24 — what a mass operation shares and a legitimate cohort rarely does at scale.
They are ordinary entities of the lists below: every store counts them by the same rule, in the
same call (on one Redis server, the same single ``EVALSHA``).

Risk flows along the group links (:mod:`service.state.flags`): an account whose signup decision
holds it (REVIEW or BLOCK) flags its device, card, phone and mailbox, with decay; a signup reads
the flag mass of its own group links (``SignupState.group_flagged``) and an API-key creation the
mass its account has gathered, from links flagged before its signup and accounts held after it
(``ApiKeyState.group_flagged``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from service.state.windows import WINDOWS

# Entities whose signups are counted per window, in feature order.
SIGNUP_ENTITIES: tuple[str, ...] = (
    "ip",
    "ip_prefix",
    "device",
    "card",
    "phone",
    "email",
    "email_domain",
    "email_shape",
    "user_agent",
    "identity",
    "phone_block",
    "card_bin",
)
# Identifiers whose distinct accounts are tracked at signup (linkage), in feature order.
# "email" is the normalised mailbox (gmail dot and plus variants fold to one).
SIGNUP_LINKS: tuple[str, ...] = ("ip", "device", "card", "phone", "email")
# The links whose accounts make up a signup's linked group (all but the IP, see above).
GROUP_LINKS: tuple[str, ...] = ("device", "card", "phone", "email")
# The largest group size reported: a bigger group reads as this.
GROUP_CAP: Final = 100
# Entities whose API-key creations are counted per window (across accounts, but "account").
API_KEY_ENTITIES: tuple[str, ...] = ("account", "device", "ip", "ip_prefix", "user_agent")
# Identifiers whose distinct key-creating accounts are tracked.
API_KEY_LINKS: tuple[str, ...] = ("device", "ip", "ip_prefix")


@dataclass(frozen=True, slots=True)
class SignupKeys:
    """Keyed hashes of what one signup involves; ``None`` where the input was absent or invalid."""

    account: str
    ip: str | None = None
    ip_prefix: str | None = None
    device: str | None = None
    card: str | None = None
    phone: str | None = None
    email: str | None = None
    email_domain: str | None = None
    email_shape: str | None = None
    user_agent: str | None = None  # the exact user-agent string
    identity: str | None = None  # the identity template (service.signals.template)
    phone_block: str | None = None  # the E.164 number without its last two digits
    card_bin: str | None = None  # the card's BIN (issuer product)

    def entity(self, name: str) -> str | None:
        """The key of one entity kind by name."""
        value: str | None = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class ApiKeyKeys:
    """Keyed hashes of what one API-key creation involves."""

    account: str
    ip: str | None = None
    ip_prefix: str | None = None
    device: str | None = None
    user_agent: str | None = None

    def entity(self, name: str) -> str | None:
        """The key of one entity kind by name."""
        value: str | None = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class SignupState:
    """What the store knew about a signup's entities just before it.

    ``velocity[i * len(WINDOWS) + j]`` is the count of prior signups for ``SIGNUP_ENTITIES[i]``
    over ``WINDOWS[j]``; it is ``None`` for an entity the signup does not have.
    ``linked[i]`` is how many *other* accounts were seen with ``SIGNUP_LINKS[i]``.
    ``group`` is how many distinct other accounts were seen with any of the signup's
    ``GROUP_LINKS`` identifiers, at most ``GROUP_CAP``; ``None`` when it has none of them.
    ``group_flagged`` is the flag mass of those identifiers at the signup's time, summed (one
    per held account and shared identifier, decayed; see :mod:`service.state.flags`); ``None``
    when it has none of them.
    """

    duplicate: bool
    velocity: tuple[int | None, ...]
    linked: tuple[int | None, ...]
    group: int | None
    group_flagged: float | None = None


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """What the store remembers about an account's signup (``group``: its linked group size)."""

    signup_at: float
    ip: str | None
    ip_prefix: str | None
    device: str | None
    score: float | None = None
    action: int | None = None
    group: int | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyState:
    """What the store knew just before an API-key creation.

    ``velocity`` is laid out like :class:`SignupState`'s over ``API_KEY_ENTITIES``;
    ``linked`` counts other accounts that created keys from ``API_KEY_LINKS``.
    ``group_flagged`` is the account's flag mass at the key's time: held accounts sharing its
    group links, per shared identifier, decayed; ``None`` when the account's signup is unknown.
    """

    duplicate: bool
    account: AccountRecord | None
    keys_before: int  # keys this account created before, all time (within retention)
    first_key_at: float | None  # when this account created its first key, if before
    velocity: tuple[int | None, ...]
    linked: tuple[int | None, ...]
    group_flagged: float | None = None


class StateStore(Protocol):
    """Velocity and linkage state. Every method is safe to call from many threads."""

    def observe_signup(self, event_id: str, at: float, keys: SignupKeys) -> SignupState:
        """Read the counts before ``at`` and record this signup, atomically."""
        ...

    def observe_api_key(self, event_id: str, at: float, keys: ApiKeyKeys) -> ApiKeyState:
        """Read the account and key counts before ``at`` and record this creation, atomically."""
        ...

    def remember_decision(self, account: str, score: float, action: int) -> None:
        """Attach the signup decision to the account, for its later API-key creations.

        A decision of REVIEW or BLOCK holds the account (once) and flags its group links.
        """
        ...

    def close(self) -> None:
        """Release connections; further calls are undefined."""
        ...


def group_size(account: str, parts: Iterable[tuple[int, Iterable[str]]]) -> int:
    """Size of the linked group from each link set's ``(others, members)``, at most GROUP_CAP.

    ``others`` is the set's count of accounts other than ``account``; ``members`` must be the
    whole set when ``others < GROUP_CAP`` and may be empty otherwise — one such set already
    fills the group, so only small sets are ever unioned. Equal to
    ``min(GROUP_CAP, len(union of the sets - {account}))``.
    """
    union: set[str] = set()
    for others, members in parts:
        if others >= GROUP_CAP:
            return GROUP_CAP
        union.update(members)
    union.discard(account)
    return min(GROUP_CAP, len(union))


VELOCITY_WIDTH_SIGNUP = len(SIGNUP_ENTITIES) * len(WINDOWS)
VELOCITY_WIDTH_API_KEY = len(API_KEY_ENTITIES) * len(WINDOWS)
