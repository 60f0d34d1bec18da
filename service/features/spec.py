"""The feature spec: ordered names, kinds, category codes and the missing-value policy.

One spec serves the server and the training pipeline (no train/serve skew). A model artifact
records the spec it was trained on (:data:`SPEC_VERSION` and :func:`spec_hash`); the service
refuses to serve an artifact whose spec differs.

Missing-value policy: a feature whose input is absent is ``NaN`` (LightGBM routes missing values
down the side learnt in training). Binary features are 1.0 / 0.0. Categorical features carry the
explicit codes of :mod:`service.signals.codes` (0 = unknown) and are declared categorical to
LightGBM.

Risk direction (``Feature.direction``, read by training for LightGBM ``monotone_constraints``):
``+1`` means more is riskier — velocity and linkage counts, group sizes, burst ratios, the
disposable / Tor / VOIP / bot / headless / emulator flags, the signup score carried to a key,
the count of distinct countries; ``-1`` means less is riskier — validity flags and the
``cc_*_match`` agreements of what a person states (phone, card, billing; 1 = the two countries
agree); ``0`` means unknown,
categorical (prepaid cards live in ``card_funding``, a category) or a presence flag, which says
more about the integration than the person. Digits in a name have no direction (0): real names
rarely have them, but neither does a careful generator, and user names typed into the name
field do.

World dependence (``Feature.world_dependent``): the direction of these is an assumption about
one world, which a simulator can make either way and a real product can flip, so they carry
direction 0 and training must not let them decide alone (bound them, constrain their
interactions, or drop them): ``account_age_s``, ``signup_to_first_key_s`` and
``account_keys_before`` (signing up in order to mint keys at once is normal on an API product),
``form_fill_ms`` (autofill and password managers), ``key_name_length``, the
``same_*_as_signup`` flags (keys from another network than the signup's), ``email_is_free`` and
``email_has_plus_tag`` (campaigns move to free mail; plus-addressing is a habit),
``phone_present`` and ``card_present`` (what the product asks for), ``ip_is_relay`` and
``ip_is_vpn`` (privacy relays are mostly ordinary phone users; commercial VPNs are used by
privacy-minded people and by campaigns alike, and how many of each is a world's assumption),
``ip_is_datacenter`` and ``ip_cloud_provider`` (API developers create keys from cloud machines
and whole companies egress through cloud security proxies), ``cc_tz_ip_match`` and
``cc_lang_ip_match`` (the IP's country against the browser's time zone and language: a proxy,
a VPN or a trip moves the IP and nothing else), the raw counts of popular cells
(:data:`POPULAR_CELLS`: email domain, email shape, exact user agent, card BIN — big
providers, banks and browsers make them large for everyone; their burst ratios carry the
signal) and ``email_domain_recent_share`` (a small company's domain is always "first seen
recently").

Coordination cells: signups are counted per exact user-agent string, identity template, phone
block and card BIN as well as per IP, /24, device, card, phone and email; key creations across
accounts per IP, /24 (/48), device and exact user agent, with the distinct key-creating accounts
per /24. A burst ratio ``burst_<cell>`` (``burst_key_<cell>`` at key time) needs no labels: the
cell's count over the last hour against its hourly rate over the week before,
``(c_1h + 1) / ((c_7d - c_1h) / 167 + 1)``; 1 for a cell seen for the first time, large when a
cell that was quiet fills up. ``email_domain_recent_share`` is ``c_1h / c_7d`` of the domain
(NaN when the week holds no earlier signup at it): the share of its week's signups that came
in the last hour.
Counts are of events *before* this one, like every velocity feature.

The linked group (spec 4): ``group_new_1h`` is the last hour's signups on the signup's own
device, card, phone and mailbox, added up (the group's growth; no extra state). At key time,
``account_group_flagged`` is the flag mass the account has gathered (:mod:`service.state.flags`):
one per held (REVIEW or BLOCK) account and identifier it shares with the account, halving every
three days — from links flagged before its signup and accounts held after it — and
``account_group_flagged_share`` that mass over the account's linked group size at signup (at
least 1), capped at 1. They are key-time features only: at signup they would make a signup's
decision depend on the same model's earlier decisions.
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
# 3: coordination cells, burst ratios, risk directions; ua_length dropped.
# 4: group_new_1h; account_group_flagged and its share (risk from held accounts, decayed).
SPEC_VERSION = 4


class Kind(enum.StrEnum):
    """How a feature is encoded."""

    NUMERIC = "numeric"
    BINARY = "binary"
    CATEGORICAL = "categorical"


@dataclass(frozen=True, slots=True)
class Feature:
    """One model input: its name, encoding, source, category codes and risk direction.

    ``direction`` is +1 when more is riskier, -1 when less is, 0 when unknown or categorical;
    ``world_dependent`` marks a feature whose direction is an assumption about one world.
    """

    name: str
    kind: Kind
    source: str  # the request input it derives from: "email", "ip", "velocity", ...
    categories: type[enum.IntEnum] | None = None
    direction: int = 0
    world_dependent: bool = False


# Risk directions (see the module docstring).
UP, DOWN, UNKNOWN = 1, -1, 0


def _n(name: str, source: str, direction: int = UNKNOWN, *, world: bool = False) -> Feature:
    return Feature(name, Kind.NUMERIC, source, None, direction, world)


def _b(name: str, source: str, direction: int = UNKNOWN, *, world: bool = False) -> Feature:
    return Feature(name, Kind.BINARY, source, None, direction, world)


def _c(name: str, source: str, categories: type[enum.IntEnum], *, world: bool = False) -> Feature:
    return Feature(name, Kind.CATEGORICAL, source, categories, UNKNOWN, world)


DEVICE_FEATURES: tuple[Feature, ...] = (
    _b("ip_present", "ip"),
    _b("ip_valid", "ip", DOWN),
    _n("ip_version", "ip"),
    _b("ip_is_private", "ip"),
    _b("ip_is_datacenter", "ip", world=True),
    _b("ip_is_vpn", "ip", world=True),
    _b("ip_is_tor", "ip", UP),
    _b("ip_is_relay", "ip", world=True),
    _c("ip_cloud_provider", "ip", CloudProvider, world=True),
    _b("ua_present", "user_agent"),
    _c("ua_browser_family", "user_agent", BrowserFamily),
    _c("ua_os_family", "user_agent", OsFamily),
    _b("ua_is_bot", "user_agent", UP),
    _b("ua_is_headless", "user_agent", UP),
    _b("ua_is_emulator", "user_agent", UP),
    _b("device_id_present", "device_id"),
    _b("device_id_valid", "device_id", DOWN),
    _b("tz_present", "timezone"),
    _b("tz_valid", "timezone", DOWN),
    _b("lang_present", "accept_language"),
    _n("lang_count", "accept_language"),
    _b("cc_tz_ip_match", "countries", world=True),
    _b("cc_lang_ip_match", "countries", world=True),
)

SIGNUP_ONLY_FEATURES: tuple[Feature, ...] = (
    _b("email_present", "email"),
    _b("email_valid", "email", DOWN),
    _b("email_is_free", "email", world=True),
    _b("email_is_disposable", "email", UP),
    _b("email_is_edu", "email"),
    _b("email_has_plus_tag", "email", world=True),
    _n("email_local_length", "email"),
    _n("email_local_digits", "email"),
    _n("email_local_digit_ratio", "email"),
    _n("email_local_entropy", "email"),
    _n("email_local_name_likeness", "email"),
    _n("email_name_similarity", "email"),
    _b("phone_present", "phone", world=True),
    _b("phone_valid", "phone", DOWN),
    _c("phone_line_type", "phone", PhoneLineType),
    _b("phone_is_voip", "phone", UP),
    _b("name_present", "full_name"),
    _n("name_token_count", "full_name"),
    _b("name_has_digits", "full_name"),
    _b("card_present", "payment", world=True),
    _c("card_funding", "payment", CardFunding),
    _b("card_bin_valid", "payment", DOWN),
    _b("cc_phone_ip_match", "countries", DOWN),
    _b("cc_card_ip_match", "countries", DOWN),
    _b("cc_billing_ip_match", "countries", DOWN),
    _b("cc_card_billing_match", "countries", DOWN),
    _b("cc_tz_phone_match", "countries", DOWN),
    _n("cc_distinct", "countries", UP),
    _n("form_fill_ms", "behavior", world=True),
)

# Cells whose raw counts measure how popular an identifier is more than how coordinated its
# users are (gmail.com, a bank's BIN, this month's Chrome): their direction is the world's, and
# their burst ratio carries the coordination signal.
POPULAR_CELLS: frozenset[str] = frozenset({"email_domain", "email_shape", "user_agent", "card_bin"})
# Cells with a burst ratio: current rate against the cell's own recent baseline.
SIGNUP_BURSTS: tuple[str, ...] = (
    "ip_prefix",
    "email_domain",
    "user_agent",
    "identity",
    "phone_block",
    "card_bin",
)
API_KEY_BURSTS: tuple[str, ...] = ("ip", "ip_prefix", "device", "user_agent")


def _vel(name: str, entity: str) -> Feature:
    if entity in POPULAR_CELLS:
        return _n(name, "velocity", world=True)
    return _n(name, "velocity", UP)


SIGNUP_VELOCITY: tuple[Feature, ...] = (
    tuple(
        _vel(f"vel_{entity}_{window}", entity)
        for entity in SIGNUP_ENTITIES
        for window in WINDOW_NAMES
    )
    + tuple(_n(f"linked_{link}_accounts", "linkage", UP) for link in SIGNUP_LINKS)
    + (_n("linked_group_size", "linkage", UP),)
)
SIGNUP_DERIVED: tuple[Feature, ...] = (
    *(_n(f"burst_{entity}", "velocity", UP) for entity in SIGNUP_BURSTS),
    _n("email_domain_recent_share", "velocity", world=True),
    _n("group_new_1h", "linkage", UP),
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
    _n("account_age_s", "account", world=True),
    _n("account_signup_score", "account", UP),
    _c("account_signup_action", "account", SignupAction),
    _n("account_keys_before", "account", world=True),
    _n("signup_to_first_key_s", "account", world=True),
    _b("same_ip_as_signup", "account", world=True),
    _b("same_prefix_as_signup", "account", world=True),
    _b("same_device_as_signup", "account", world=True),
    _n("account_group_flagged", "account_group", UP),
    _n("account_group_flagged_share", "account_group", UP),
    _n("key_name_length", "key_name", world=True),
)

API_KEY_VELOCITY: tuple[Feature, ...] = tuple(
    _vel(f"vel_key_{entity}_{window}", entity)
    for entity in API_KEY_ENTITIES
    for window in WINDOW_NAMES
) + tuple(_n(f"linked_key_{link}_accounts", "linkage", UP) for link in API_KEY_LINKS)
API_KEY_DERIVED: tuple[Feature, ...] = tuple(
    _n(f"burst_key_{entity}", "velocity", UP) for entity in API_KEY_BURSTS
)

SIGNUP_FEATURES: tuple[Feature, ...] = (
    SIGNUP_ONLY_FEATURES + DEVICE_FEATURES + SIGNUP_VELOCITY + SIGNUP_DERIVED
)
API_KEY_FEATURES: tuple[Feature, ...] = (
    API_KEY_ONLY_FEATURES + DEVICE_FEATURES + API_KEY_VELOCITY + API_KEY_DERIVED
)

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


def directions(event_type: EventType) -> tuple[int, ...]:
    """Risk direction of each feature in spec order: LightGBM's ``monotone_constraints``."""
    return tuple(f.direction for f in FEATURES[event_type])


def world_dependent_names(event_type: EventType) -> tuple[str, ...]:
    """Names of the features whose risk direction depends on a world's assumptions."""
    return tuple(f.name for f in FEATURES[event_type] if f.world_dependent)


@cache
def spec_hash(event_type: EventType) -> str:
    """Fingerprint of the spec (names, kinds, category codes, directions, world dependence)."""
    body = [
        [
            f.name,
            f.kind.value,
            sorted((m.name, int(m.value)) for m in f.categories) if f.categories else None,
            f.direction,
            f.world_dependent,
        ]
        for f in FEATURES[event_type]
    ]
    blob = json.dumps([SPEC_VERSION, body], separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
