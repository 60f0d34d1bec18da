"""The feature spec: ordered names, kinds, category codes and the missing-value policy.

One spec serves the server and the training pipeline (no train/serve skew). A model artifact
records the spec it was trained on (:data:`SPEC_VERSION` and :func:`spec_hash`); the service
refuses to serve an artifact whose spec differs.

Missing-value policy: a feature whose input is absent is ``NaN`` (LightGBM routes missing values
down the side learnt in training). Binary features are 1.0 / 0.0. Categorical features carry the
explicit codes of :mod:`service.signals.codes` (0 = unknown) and are declared categorical to
LightGBM.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from functools import cache

from service.domain import Action, CardFunding, EventType
from service.signals.codes import BrowserFamily, CloudProvider, OsFamily, PhoneLineType
from service.state.base import API_KEY_ENTITIES, API_KEY_LINKS, SIGNUP_ENTITIES, SIGNUP_LINKS
from service.state.windows import WINDOW_NAMES

# Bump when a feature's meaning changes without its name changing.
SPEC_VERSION = 2  # 2: email linkage and the two-hop linked group


class Kind(enum.StrEnum):
    """How a feature is encoded."""

    NUMERIC = "numeric"
    BINARY = "binary"
    CATEGORICAL = "categorical"


@dataclass(frozen=True, slots=True)
class Feature:
    """One model input: its name, encoding, the input it comes from and its category codes."""

    name: str
    kind: Kind
    source: str  # the request input it derives from: "email", "ip", "velocity", ...
    categories: type[enum.IntEnum] | None = None


def _n(name: str, source: str) -> Feature:
    return Feature(name, Kind.NUMERIC, source)


def _b(name: str, source: str) -> Feature:
    return Feature(name, Kind.BINARY, source)


def _c(name: str, source: str, categories: type[enum.IntEnum]) -> Feature:
    return Feature(name, Kind.CATEGORICAL, source, categories)


DEVICE_FEATURES: tuple[Feature, ...] = (
    _b("ip_present", "ip"),
    _b("ip_valid", "ip"),
    _n("ip_version", "ip"),
    _b("ip_is_private", "ip"),
    _b("ip_is_datacenter", "ip"),
    _b("ip_is_vpn", "ip"),
    _b("ip_is_tor", "ip"),
    _b("ip_is_relay", "ip"),
    _c("ip_cloud_provider", "ip", CloudProvider),
    _b("ua_present", "user_agent"),
    _c("ua_browser_family", "user_agent", BrowserFamily),
    _c("ua_os_family", "user_agent", OsFamily),
    _b("ua_is_bot", "user_agent"),
    _b("ua_is_headless", "user_agent"),
    _b("ua_is_emulator", "user_agent"),
    _n("ua_length", "user_agent"),
    _b("device_id_present", "device_id"),
    _b("device_id_valid", "device_id"),
    _b("tz_present", "timezone"),
    _b("tz_valid", "timezone"),
    _b("lang_present", "accept_language"),
    _n("lang_count", "accept_language"),
    _b("cc_tz_ip_match", "countries"),
    _b("cc_lang_ip_match", "countries"),
)

SIGNUP_ONLY_FEATURES: tuple[Feature, ...] = (
    _b("email_present", "email"),
    _b("email_valid", "email"),
    _b("email_is_free", "email"),
    _b("email_is_disposable", "email"),
    _b("email_is_edu", "email"),
    _b("email_has_plus_tag", "email"),
    _n("email_local_length", "email"),
    _n("email_local_digits", "email"),
    _n("email_local_digit_ratio", "email"),
    _n("email_local_entropy", "email"),
    _n("email_local_name_likeness", "email"),
    _n("email_name_similarity", "email"),
    _b("phone_present", "phone"),
    _b("phone_valid", "phone"),
    _c("phone_line_type", "phone", PhoneLineType),
    _b("phone_is_voip", "phone"),
    _b("name_present", "full_name"),
    _n("name_token_count", "full_name"),
    _b("name_has_digits", "full_name"),
    _b("card_present", "payment"),
    _c("card_funding", "payment", CardFunding),
    _b("card_bin_valid", "payment"),
    _b("cc_phone_ip_match", "countries"),
    _b("cc_card_ip_match", "countries"),
    _b("cc_billing_ip_match", "countries"),
    _b("cc_card_billing_match", "countries"),
    _b("cc_tz_phone_match", "countries"),
    _n("cc_distinct", "countries"),
    _n("form_fill_ms", "behavior"),
)

SIGNUP_VELOCITY: tuple[Feature, ...] = (
    tuple(
        _n(f"vel_{entity}_{window}", "velocity")
        for entity in SIGNUP_ENTITIES
        for window in WINDOW_NAMES
    )
    + tuple(_n(f"linked_{link}_accounts", "linkage") for link in SIGNUP_LINKS)
    + (_n("linked_group_size", "linkage"),)
)


class SignupAction(enum.IntEnum):
    """The account's signup action as a category (0 when the signup was never seen)."""

    UNKNOWN = 0
    ALLOW = Action.ALLOW
    CHALLENGE = Action.CHALLENGE
    REVIEW = Action.REVIEW
    BLOCK = Action.BLOCK


API_KEY_ONLY_FEATURES: tuple[Feature, ...] = (
    _b("account_known", "account"),
    _n("account_age_s", "account"),
    _n("account_signup_score", "account"),
    _c("account_signup_action", "account", SignupAction),
    _n("account_keys_before", "account"),
    _n("signup_to_first_key_s", "account"),
    _b("same_ip_as_signup", "account"),
    _b("same_prefix_as_signup", "account"),
    _b("same_device_as_signup", "account"),
    _n("key_name_length", "key_name"),
)

API_KEY_VELOCITY: tuple[Feature, ...] = tuple(
    _n(f"vel_key_{entity}_{window}", "velocity")
    for entity in API_KEY_ENTITIES
    for window in WINDOW_NAMES
) + tuple(_n(f"linked_key_{link}_accounts", "linkage") for link in API_KEY_LINKS)

SIGNUP_FEATURES: tuple[Feature, ...] = SIGNUP_ONLY_FEATURES + DEVICE_FEATURES + SIGNUP_VELOCITY
API_KEY_FEATURES: tuple[Feature, ...] = API_KEY_ONLY_FEATURES + DEVICE_FEATURES + API_KEY_VELOCITY

FEATURES: dict[EventType, tuple[Feature, ...]] = {
    EventType.SIGNUP: SIGNUP_FEATURES,
    EventType.API_KEY: API_KEY_FEATURES,
}


def names(event_type: EventType) -> tuple[str, ...]:
    """Ordered feature names of one event type."""
    return tuple(f.name for f in FEATURES[event_type])


def categorical_names(event_type: EventType) -> tuple[str, ...]:
    """Names of the categorical features of one event type."""
    return tuple(f.name for f in FEATURES[event_type] if f.kind is Kind.CATEGORICAL)


@cache
def spec_hash(event_type: EventType) -> str:
    """Fingerprint of the spec (names, kinds, category codes): catches a forgotten version bump."""
    body = [
        [
            f.name,
            f.kind.value,
            sorted((m.name, int(m.value)) for m in f.categories) if f.categories else None,
        ]
        for f in FEATURES[event_type]
    ]
    blob = json.dumps([SPEC_VERSION, body], separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
