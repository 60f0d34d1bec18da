"""The request path's part of review: verdict effects, the case id, and what the writer needs.

Called by the scorer after the policy for every decision; no I/O. It

- applies verdict effects: an identifier on the review deny list blocks; an identifier on the
  allow list had its velocity left out by the featurizer, which the reasons say last; a FRAUD
  account's key creations are blocked; a LEGITIMATE account's next key creation is allowed
  (unless a deny list matches: new evidence);
- gives a REVIEW (and, if configured, a BLOCK) decision its case id: the account's open case,
  else a new id remembered as its open case -- no database round trip;
- returns the extra the decision's journal line carries (``rv``): the signup's identifier keys
  (for links and campaigns) and, for a case, the masked signals. The decision writer opens the
  case from that line in the transaction that stores the decision (:mod:`service.review.writer`),
  so a case survives exactly what the decision log survives.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from service.allow import SIGNAL as ALLOW_SIGNAL
from service.domain import Action, ApiKeyEvent, Event, Reason, SignupEvent
from service.featurize import Featurized
from service.policy import Verdict as PolicyVerdict
from service.review import masking
from service.review.config import DENY_KINDS, ReviewConfig
from service.review.effects import Effects
from service.scoring import HookResult
from service.signals.types import SignupSignals
from service.state import SignupKeys

REVIEW_FRAUD = Reason("REVIEW_FRAUD", "A reviewer found this account fraudulent", 1.0)
REVIEW_RELEASED = Reason(
    "REVIEW_RELEASED", "A reviewer found this account legitimate; this key creation is allowed", 1.0
)
_DENY_REASONS = {
    kind: Reason(
        f"REVIEW_DENYLIST_{kind.upper()}",
        f"The {kind} belongs to an account a reviewer found fraudulent",
        1.0,
    )
    for kind in DENY_KINDS
}
REVIEW_ALLOWLIST = Reason(
    "REVIEW_ALLOWLIST",
    "Velocity of identifiers a reviewer cleared (review allow list) was not counted",
    0.0,
)
RELEASE_USED = "r"  # rv key: this decision used the account's release


class CaseIntake:
    """Thread-safe; one per process."""

    def __init__(
        self, config: ReviewConfig, effects: Effects, now: Callable[[], float] = time.time
    ) -> None:
        self._config = config
        self._effects = effects
        self._now = now
        self._opening = {Action.REVIEW} | ({Action.BLOCK} if config.block_opens_case else set())

    def __call__(self, event: Event, feats: Featurized, verdict: PolicyVerdict) -> HookResult:
        """Effects, case id and journal extra of one decision."""
        action, reasons = verdict.action, verdict.reasons
        effects = self._effects
        extra: dict[str, Any] = {}
        keys = feats.keys
        now = self._now()
        denied = [
            _DENY_REASONS[kind]
            for kind in DENY_KINDS
            if keys is not None and effects.denied(getattr(keys, kind, None), now)
        ]
        from_review = False
        if denied:
            action, reasons, from_review = Action.BLOCK, (*denied, *reasons), True
        elif ALLOW_SIGNAL in feats.signals:
            reasons = (*reasons, REVIEW_ALLOWLIST)
        if isinstance(event, ApiKeyEvent):
            account = event.account_id
            if self._config.block_fraud and account in effects.fraud:
                action, reasons, from_review = Action.BLOCK, (REVIEW_FRAUD, *reasons), True
            elif (
                self._config.release_legitimate
                and account in effects.released
                and not denied
                and not any(r.code.startswith("DENYLIST_") for r in reasons)
                and effects.take_release(account)
            ):
                action, reasons = Action.ALLOW, (REVIEW_RELEASED,)
                extra[RELEASE_USED] = 1
        if isinstance(event, SignupEvent) and isinstance(keys, SignupKeys):
            links = _links(keys)
            if links:
                extra["l"] = links
        case_id = ""
        if action in self._opening and not from_review:
            case_id = effects.case_for(event.account_id, str(uuid.uuid4()))
            extra["m"] = _masks(event, feats)
        return HookResult(action, reasons, case_id, extra or None)


def _links(keys: SignupKeys) -> dict[str, str]:
    """The signup's link keys by kind (:data:`service.review.config.LINK_KINDS`)."""
    found = {
        "device": keys.device,
        "card": keys.card,
        "phone": keys.phone,
        "email": keys.email,
        "ip24": keys.ip_prefix,
        "phone_block": keys.phone_block,
        "identity_bin": _pair(keys.identity, keys.card_bin),
    }
    return {kind: key for kind, key in found.items() if key is not None}


def _pair(a: str | None, b: str | None) -> str | None:
    """One key for two keyed hashes together (hashed again: still no raw value)."""
    if a is None or b is None:
        return None
    return hashlib.blake2b(f"{a}:{b}".encode(), digest_size=16).hexdigest()


def _masks(event: Event, feats: Featurized) -> dict[str, str]:
    sig = feats.parsed
    out: dict[str, str | None] = {"ip": masking.ip(event.device.ip)}
    if isinstance(event, SignupEvent):
        out["email"] = masking.email(event.identity.email)
        region = sig.phone.region if isinstance(sig, SignupSignals) else None
        out["phone"] = masking.phone(event.identity.phone, region)
        if event.payment is not None:
            out["card"] = masking.card(event.payment.card_last4)
    return {k: v for k, v in out.items() if v is not None}
