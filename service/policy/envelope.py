"""The legitimate envelope: hold for review what no legitimate user in training ever did.

A tree model extrapolates flat: a campaign shape it never saw (seventy accounts minting keys
from one device) scores like the nearest thing it did see, which can be legitimate. Training
records, per velocity or linkage feature of identities a user holds (device, card, phone,
mailbox, account; not IPs or email domains, which NAT and big providers make unbounded), the
largest value legitimate training traffic reached (manifest ``training.envelope``). An event more
than :data:`MARGIN` beyond any of them goes to at least REVIEW, with the reason
``BEYOND_LEGITIMATE_ENVELOPE``. ``training/envelope.py`` fits the limits and measures the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from service.domain import EventType, Reason
from service.features import names

MARGIN = 1.0  # counts must exceed the legitimate maximum by more than this

BEYOND_ENVELOPE = Reason(
    "BEYOND_LEGITIMATE_ENVELOPE",
    "Velocity or linkage beyond anything legitimate traffic showed in training",
    0.0,
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Feature positions and their limits (already including the margin) for one event type."""

    positions: npt.NDArray[np.intp]
    limits: npt.NDArray[np.float64]

    @classmethod
    def from_limits(cls, event_type: EventType, limits: Mapping[str, float]) -> Envelope:
        """Build from ``{feature name: legitimate maximum}``; unknown names are an error."""
        columns = names(event_type)
        known = [(columns.index(name), value) for name, value in sorted(limits.items())]
        return cls(
            positions=np.array([p for p, _ in known], dtype=np.intp),
            limits=np.array([v + MARGIN for _, v in known], dtype=np.float64),
        )

    def exceeded(self, vector: npt.NDArray[np.float64]) -> bool:
        """Whether any guarded feature of ``vector`` is beyond its limit (NaN never is)."""
        if not len(self.positions):
            return False
        return bool((vector[self.positions] > self.limits).any())
