"""Signals -> keyed entity keys -> state -> feature vector: the path serving and training share.

The scorer calls this for every request; the training dataset builder calls the very same object
while replaying a stream in time order, so a training row holds exactly what the server would have
computed at that moment (a test compares the two for the same events).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from service.allow import (
    API_KEY_ALLOWABLE,
    SIGNAL,
    SIGNUP_ALLOWABLE,
    AllowList,
    forgive_api_key,
    forgive_signup,
)
from service.domain import ApiKeyEvent, SignupEvent
from service.errors import StateUnavailable
from service.features import extract_api_key, extract_signup
from service.features.extract import Vector
from service.hashing import Hasher
from service.policy import RuleInputs
from service.profiling import NO_CLOCK, Clock
from service.signals import SignalExtractor
from service.signals.template import identity_template, phone_block
from service.signals.types import ApiKeySignals, SignupSignals
from service.state import ApiKeyKeys, SignupKeys, StateStore

logger = logging.getLogger(__name__)

_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Featurized:
    """One event's feature vector and what the rest of the pipeline needs about it."""

    vector: Vector
    duplicate: bool
    state_ok: bool
    rules: RuleInputs
    ip_hash: str | None
    email_hash: str | None
    # Derived signals rules may read and the decision log keeps (service.rules.names.SIGNALS):
    # domains, regions, countries, shapes, keyed hashes; never a raw email, phone, IP or card.
    signals: dict[str, str]
    # The keyed hashes and parsed signals, for the review intake (case links and masks).
    keys: SignupKeys | ApiKeyKeys | None = None
    parsed: SignupSignals | ApiKeySignals | None = None


class Featurizer:
    """Computes feature vectors against a state store; thread-safe if the store is."""

    def __init__(
        self,
        extractor: SignalExtractor,
        state: StateStore,
        hasher: Hasher,
        allow: AllowList | None = None,
    ) -> None:
        """``allow``: the review allow list (its identifiers' velocity does not count)."""
        self._extractor = extractor
        self._state = state
        self._hash = hasher
        self._allow = allow
        # Kinds whose values repeat across requests hash through a memo (same hashes).
        self._ip_prefix_hash = hasher.memo("ip_prefix")
        self._domain_hash = hasher.memo("email_domain")
        self._shape_hash = hasher.memo("email_shape")
        self._ua_hash = hasher.memo("user_agent")
        self._identity_hash = hasher.memo("identity")
        self._block_hash = hasher.memo("phone_block")
        self._bin_hash = hasher.memo("card_bin")

    @property
    def state(self) -> StateStore:
        """The state store features are counted in."""
        return self._state

    def signup(self, event: SignupEvent, at: float, clock: Clock = NO_CLOCK) -> Featurized:
        """Features of a signup at time ``at``; records it in the state store."""
        sig = self._extractor.signup(event)
        h = self._hash
        ip_hash = h("ip", sig.device.ip.normalized)
        email_hash = h("email", sig.email.normalized)
        email = sig.email
        shape = (
            f"{email.local_shape}@{email.domain}" if email.local_shape and email.domain else None
        )
        keys = SignupKeys(
            account=event.account_id,
            ip=ip_hash,
            ip_prefix=self._ip_prefix_hash(sig.device.ip.prefix),
            device=h("device", sig.device.device_id),
            card=h("card", sig.payment.fingerprint),
            phone=h("phone", sig.phone.e164),
            email=email_hash,
            email_domain=self._domain_hash(email.domain),
            email_shape=self._shape_hash(shape),
            user_agent=self._ua_hash(_user_agent(event.device.user_agent)),
            identity=self._identity_hash(_template(event, email.valid)),
            phone_block=self._block_hash(phone_block(sig.phone.e164)),
            card_bin=self._bin_hash(_card_bin(event, sig.payment.bin_valid)),
        )
        clock.mark("signals")
        try:
            state = self._state.observe_signup(event.event_id, at, keys)
        except StateUnavailable as exc:
            logger.warning("state unavailable, scoring without it: %s", exc)
            state = None
        allowed = self._allowed(keys, SIGNUP_ALLOWABLE)
        if allowed and state is not None:
            state = forgive_signup(state, allowed)
        clock.mark("state")
        rules = RuleInputs(
            email_domain=email.domain,
            ip=sig.device.ip.normalized,
            device_id=sig.device.device_id,
            card_fingerprint=sig.payment.fingerprint,
        )
        vector = extract_signup(sig, state)
        clock.mark("features")
        ip, locale, pay = sig.device.ip, sig.device.locale, sig.payment
        signals = {
            "email_domain": email.domain,
            "email_shape": shape,
            "phone_region": sig.phone.region,
            "card_country": pay.card_country,
            "billing_country": pay.billing_country,
            "ip_country": ip.country,
            "ip_prefix": keys.ip_prefix,
            "language": locale.primary_language,
            SIGNAL: _listed(allowed),
        }
        return Featurized(
            vector=vector,
            duplicate=state is not None and state.duplicate,
            state_ok=state is not None,
            rules=rules,
            ip_hash=ip_hash,
            email_hash=email_hash,
            signals={k: v for k, v in signals.items() if v},
            keys=keys,
            parsed=sig,
        )

    def api_key(self, event: ApiKeyEvent, at: float, clock: Clock = NO_CLOCK) -> Featurized:
        """Features of an API-key creation at time ``at``; records it in the state store."""
        sig = self._extractor.api_key(event)
        ip_hash = self._hash("ip", sig.device.ip.normalized)
        keys = ApiKeyKeys(
            account=event.account_id,
            ip=ip_hash,
            ip_prefix=self._ip_prefix_hash(sig.device.ip.prefix),
            device=self._hash("device", sig.device.device_id),
            user_agent=self._ua_hash(_user_agent(event.device.user_agent)),
        )
        clock.mark("signals")
        try:
            state = self._state.observe_api_key(event.event_id, at, keys)
        except StateUnavailable as exc:
            logger.warning("state unavailable, scoring without it: %s", exc)
            state = None
        allowed = self._allowed(keys, API_KEY_ALLOWABLE)
        if allowed and state is not None:
            state = forgive_api_key(state, allowed)
        clock.mark("state")
        vector = extract_api_key(sig, state, keys, at)
        clock.mark("features")
        signals = {
            "ip_country": sig.device.ip.country,
            "ip_prefix": keys.ip_prefix,
            "language": sig.device.locale.primary_language,
            SIGNAL: _listed(allowed),
        }
        return Featurized(
            vector=vector,
            duplicate=state is not None and state.duplicate,
            state_ok=state is not None,
            rules=RuleInputs(ip=sig.device.ip.normalized, device_id=sig.device.device_id),
            ip_hash=ip_hash,
            email_hash=None,
            signals={k: v for k, v in signals.items() if v},
            keys=keys,
            parsed=sig,
        )

    def _allowed(self, keys: SignupKeys | ApiKeyKeys, kinds: tuple[str, ...]) -> frozenset[str]:
        """The kinds of this event's identifiers on the review allow list (usually none)."""
        allow = self._allow
        if allow is None:
            return _NONE
        found = [k for k in kinds if (key := keys.entity(k)) is not None and allow.allowed(key)]
        return frozenset(found) if found else _NONE

    def remember_signup(self, account_id: str, score: float, action: int) -> None:
        """Attach a signup's decision to its account (read by later API-key features)."""
        try:
            self._state.remember_decision(account_id, score, action)
        except StateUnavailable as exc:
            logger.warning("could not attach the signup decision to the account: %s", exc)


def _listed(kinds: frozenset[str]) -> str | None:
    """Allowed kinds as the logged signal: sorted, comma-separated; None when none."""
    return ",".join(sorted(kinds)) if kinds else None


def _user_agent(raw: str | None) -> str | None:
    """The exact user-agent string, without surrounding blanks; None when absent or blank."""
    if raw is None:
        return None
    return raw.strip() or None


def _template(event: SignupEvent, email_valid: bool) -> str | None:
    """The identity template of a signup with a valid email (the local part as typed)."""
    email = event.identity.email
    if not email_valid or email is None:
        return None
    return identity_template(email.strip().rpartition("@")[0], event.identity.full_name)


def _card_bin(event: SignupEvent, bin_valid: bool | None) -> str | None:
    """The card's 6-digit issuer number (an 8-digit BIN's first six), when the BIN is valid."""
    if not bin_valid or event.payment is None or event.payment.card_bin is None:
        return None
    return event.payment.card_bin.strip()[:6]
