"""Flag mass: risk that flows from held or blocked accounts to those sharing their identifiers.

When an account's signup decision is REVIEW or BLOCK (:data:`HOLDING` or more) it is *held*,
once: a later decision for the same account adds nothing. At that moment, for each of its
:data:`~service.state.base.GROUP_LINKS` identifiers (device, card, phone, mailbox, as its first
signup gave them):

* the identifier gets +1 of flag mass, so an account that joins it later sees it at its signup
  (the *snapshot*: the sum over the signup's identifiers, stored as the new account's initial
  mass);
* every other account already seen with the identifier gets +1 on its own record (the *push*).
  An account sharing two identifiers with the held one gets 2: the mass counts shared
  identifiers, not accounts.

The time of a flag is the held account's signup time. Mass decays exponentially with half-life
:data:`~service.state.windows.FLAG_HALF_LIFE`: ``(m, t0)`` is worth ``m * 2**(-(t - t0)/H)`` at
``t >= t0`` and ``m`` before ``t0``. Every store does this arithmetic in this order (the Redis
program mirrors :func:`add` and :func:`decayed` operation by operation, and stores floats as
``%.17g``, which reads back exact), and features read it through :func:`value`, rounded to
1e-6, so a different order of additions in a concurrent Redis batch cannot show as a
different feature.
"""

from __future__ import annotations

from typing import Final

from service.domain import Action
from service.state.windows import FLAG_HALF_LIFE

# The least severe signup action that holds an account.
HOLDING: Final = int(Action.REVIEW)
DIGITS: Final = 6  # features read flag mass rounded to this many decimals


def add(mass: float | None, since: float, at: float, amount: float = 1.0) -> tuple[float, float]:
    """``(mass, since)`` after ``amount`` is added at ``at`` (``mass`` None: nothing yet)."""
    if mass is None:
        return amount, at
    if at >= since:
        return mass * 2.0 ** (-(at - since) / FLAG_HALF_LIFE) + amount, at
    return mass + amount * 2.0 ** (-(since - at) / FLAG_HALF_LIFE), since


def decayed(mass: float | None, since: float, at: float) -> float:
    """What ``(mass, since)`` is worth at ``at`` (no growth before ``since``; 0 for None)."""
    if mass is None:
        return 0.0
    if at <= since:
        return mass
    worth: float = mass * 2.0 ** (-(at - since) / FLAG_HALF_LIFE)  # float ** float types as Any
    return worth


def value(raw: float) -> float:
    """A flag mass as features read it: rounded to :data:`DIGITS` decimals."""
    return round(raw, DIGITS)
