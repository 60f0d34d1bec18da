"""The review allow list's part of featurizing: allowed identifiers do not count against an event.

A reviewer's LEGITIMATE verdict puts the account's device, card, phone and normalised mailbox on
an expiring allow list (:mod:`service.review`). When a later event carries one of those keys,
that entity's velocity and linkage are presented as for an entity seen for the first time: its
counts are zero and it links no other account. The state still *records* the event, so when the
entry expires or is undone, counting is exactly as if it had never been allowed. The IP and the
coordination cells (user agent, identity template, phone block, card BIN) are never allowed: a
campus NAT released once must not let a campaign behind it through.

The linked group (distinct other accounts over device, card, phone and mailbox) cannot be
recomputed without the allowed identifier's members, so it becomes the sum of the other
identifiers' linked counts, capped by the group as counted: never above the true value with
the allowed identifier counted, never below the true value without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol

from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    GROUP_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    ApiKeyState,
    SignupState,
)
from service.state.windows import WINDOWS

# What may be allowed, per event type (the review verdict's ALLOW_KINDS, as state entities).
SIGNUP_ALLOWABLE: tuple[str, ...] = ("device", "card", "phone", "email")
API_KEY_ALLOWABLE: tuple[str, ...] = ("device",)
SIGNAL = "review_allow"  # logged signal: the allowed kinds, comma-separated


class AllowList(Protocol):
    """Answers on the request path from memory (no I/O); thread-safe."""

    def allowed(self, key: str) -> bool:
        """Is this identifier key on the allow list now?"""
        ...


def _zero_velocity(
    velocity: tuple[int | None, ...], entities: tuple[str, ...], kinds: Iterable[str]
) -> tuple[int | None, ...]:
    out = list(velocity)
    width = len(WINDOWS)
    for kind in kinds:
        if kind in entities:
            i = entities.index(kind) * width
            out[i : i + width] = [None if v is None else 0 for v in out[i : i + width]]
    return tuple(out)


def _zero_links(
    linked: tuple[int | None, ...], links: tuple[str, ...], kinds: Iterable[str]
) -> tuple[int | None, ...]:
    return tuple(0 if (links[i] in kinds and v is not None) else v for i, v in enumerate(linked))


def forgive_signup(state: SignupState, kinds: frozenset[str]) -> SignupState:
    """``state`` with the allowed entities' velocity and linkage as if first seen."""
    linked = _zero_links(state.linked, SIGNUP_LINKS, kinds)
    group = state.group
    if group is not None:
        rest = [
            linked[SIGNUP_LINKS.index(k)] or 0
            for k in GROUP_LINKS
            if k not in kinds and k in SIGNUP_LINKS
        ]
        group = min(group, sum(rest))
    return replace(
        state,
        velocity=_zero_velocity(state.velocity, SIGNUP_ENTITIES, kinds),
        linked=linked,
        group=group,
    )


def forgive_api_key(state: ApiKeyState, kinds: frozenset[str]) -> ApiKeyState:
    """``state`` with the allowed entities' key velocity and linkage as if first seen."""
    return replace(
        state,
        velocity=_zero_velocity(state.velocity, API_KEY_ENTITIES, kinds),
        linked=_zero_links(state.linked, API_KEY_LINKS, kinds),
    )
