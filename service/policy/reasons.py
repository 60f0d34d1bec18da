"""Reason codes: stable machine strings and human messages for model contributions and rules.

A model reason comes from one feature's contribution; its code and message depend on the
feature's value (a missing email and a disposable email are different reasons). Contributions of
features that map to the same code are added together, so "VELOCITY_IP" carries the weight of
all IP windows. Codes are part of the API: never rename one; add new ones.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from service.domain import CardFunding, Reason
from service.features.spec import (
    API_KEY_BURSTS,
    FEATURES,
    SIGNUP_BURSTS,
    Feature,
    Kind,
    SignupAction,
)
from service.signals.codes import BrowserFamily, CloudProvider, OsFamily, PhoneLineType
from service.state.base import API_KEY_ENTITIES, API_KEY_LINKS, SIGNUP_ENTITIES, SIGNUP_LINKS
from service.state.windows import FLAG_HALF_LIFE, WINDOW_NAMES


class Describe(Protocol):
    """Turns a feature value into its reason: ``code(v)`` is cheap, ``(v)`` formats the text."""

    def code(self, value: float) -> str:
        """The reason code alone."""
        ...

    def __call__(self, value: float) -> tuple[str, str]:
        """The reason code and its human message."""
        ...


_MISSING: dict[str, tuple[str, str]] = {
    "email": ("EMAIL_MISSING", "No email address was given"),
    "phone": ("PHONE_MISSING", "No phone number was given"),
    "full_name": ("NAME_MISSING", "No name was given"),
    "ip": ("IP_MISSING", "No client IP address was given"),
    "user_agent": ("USER_AGENT_MISSING", "No user agent was given"),
    "device_id": ("DEVICE_ID_MISSING", "No device fingerprint was given"),
    "timezone": ("TIMEZONE_MISSING", "No browser time zone was given"),
    "accept_language": ("LANGUAGE_MISSING", "No Accept-Language was given"),
    "payment": ("CARD_MISSING", "No card was given"),
    "behavior": ("FORM_TIMING_MISSING", "No form timing was given"),
    "countries": ("COUNTRY_UNKNOWN", "The countries of the inputs could not be compared"),
    "velocity": ("STATE_UNAVAILABLE", "Velocity counts were unavailable"),
    "linkage": ("STATE_UNAVAILABLE", "Linked-account counts were unavailable"),
    "account": ("ACCOUNT_UNKNOWN", "The account's signup was never scored"),
    "account_group": ("ACCOUNT_UNKNOWN", "The account's signup was never scored"),
    "key_name": ("KEY_NAME_MISSING", "No key name was given"),
}

_ENTITY_TEXT = {
    "ip": "this IP address",
    "ip_prefix": "this IP's network (its /24, or /48 for IPv6)",
    "device": "this device",
    "card": "this card",
    "phone": "this phone number",
    "email": "this mailbox",
    "email_domain": "this email domain",
    "email_shape": "emails shaped like this one at this domain",
    "account": "this account",
}
# What the counted events shared, for "12 earlier signups shared this ... in the last hour".
_DID = {
    "ip": "came from this IP address",
    "ip_prefix": "came from this IP's network (its /24, or /48 for IPv6)",
    "device": "came from this device",
    "card": "used this card",
    "phone": "gave this phone number",
    "email": "used this mailbox",
    "email_domain": "used this email domain",
    "email_shape": "used an email shaped like this one at this domain",
    "account": "came from this account",
    "user_agent": "sent this exact user-agent string",
    "identity": "shared this identity template (email pattern and name shape)",
    "phone_block": "gave a number in this block of 100 phone numbers",
    "card_bin": "used a card with this BIN",
}
_WINDOW_TEXT = {"10m": "10 minutes", "1h": "hour", "24h": "24 hours", "7d": "7 days"}


@dataclass(frozen=True, slots=True)
class _Flag:
    """A binary feature: one reason when true, another when false."""

    if_true: tuple[str, str]
    if_false: tuple[str, str]

    def code(self, value: float) -> str:
        """The reason code alone."""
        return self.if_true[0] if value >= 0.5 else self.if_false[0]

    def __call__(self, value: float) -> tuple[str, str]:
        return self.if_true if value >= 0.5 else self.if_false


@dataclass(frozen=True, slots=True)
class _category:  # noqa: N801 - reads as the table's other constructors
    """A categorical feature: the code and message name the category (CARD_FUNDING_PREPAID)."""

    prefix: str
    text: str
    categories: type[enum.IntEnum]

    def _name(self, value: float) -> str:
        try:
            return self.categories(int(value)).name
        except ValueError:
            return "UNKNOWN"

    def code(self, value: float) -> str:
        """The reason code alone."""
        return f"{self.prefix}_{self._name(value)}"

    def __call__(self, value: float) -> tuple[str, str]:
        name = self._name(value)
        return f"{self.prefix}_{name}", self.text.format(label=name.lower().replace("_", " "))


@dataclass(frozen=True, slots=True)
class _count:  # noqa: N801 - reads as the table's other constructors
    """A numeric feature: one code, the value in the message."""

    fixed: str
    text: str
    # The message when the count is zero (None: the plain text): "0 earlier signups ..." reads
    # as a slip; a reviewer should read that the value was never seen before.
    none: str | None = None

    def code(self, value: float) -> str:
        """The reason code alone."""
        return self.fixed

    def __call__(self, value: float) -> tuple[str, str]:
        if value == 0.0 and self.none is not None:
            return self.fixed, self.none
        return self.fixed, self.text.format(v=value)


@dataclass(frozen=True, slots=True)
class _burst:  # noqa: N801 - reads as the table's other constructors
    """A burst ratio: its message also names the last hour's count (the ``companion`` feature).

    ``what`` is "signups" or "keys"; ``did`` what they shared. Without the count (``describe``
    of the ratio alone) the message gives the ratio only.
    """

    fixed: str
    what: str
    did: str
    companion: str

    def code(self, value: float) -> str:
        """The reason code alone."""
        return self.fixed

    def __call__(self, value: float) -> tuple[str, str]:
        return self.fixed, (
            f"Earlier {self.what} that {self.did} arrived in the last hour at {value:.1f}× "
            "their hourly rate over the past week"
        )

    def with_count(self, value: float, count: float) -> tuple[str, str]:
        """The message with the last hour's count of earlier events."""
        if math.isnan(count):
            return self(value)
        return self.fixed, (
            f"{count:.0f} earlier {self.what} {self.did} in the last hour "
            f"({value:.1f}× their hourly rate over the past week)"
        )


_TABLE: dict[str, Describe] = {
    "email_present": _Flag(("EMAIL_GIVEN", "An email was given"), _MISSING["email"]),
    "email_valid": _Flag(
        ("EMAIL_VALID", "Email is valid"), ("EMAIL_INVALID", "Email is malformed")
    ),
    "email_is_free": _Flag(
        ("EMAIL_FREE_PROVIDER", "Email is at a free-mail provider"),
        ("EMAIL_CUSTOM_DOMAIN", "Email is at a custom or corporate domain"),
    ),
    "email_is_disposable": _Flag(
        ("EMAIL_DISPOSABLE", "Email is at a disposable-address provider"),
        ("EMAIL_NOT_DISPOSABLE", "Email is not at a disposable-address provider"),
    ),
    "email_is_edu": _Flag(
        ("EMAIL_EDU", "Email is at an academic domain"),
        ("EMAIL_NOT_EDU", "Email is not at an academic domain"),
    ),
    "email_has_plus_tag": _Flag(
        ("EMAIL_PLUS_TAG", "Email uses a +tag alias"),
        ("EMAIL_NO_PLUS_TAG", "Email has no +tag alias"),
    ),
    "email_local_length": _count("EMAIL_LOCAL_SHAPE", "Email local part is {v:.0f} characters"),
    "email_local_digits": _count("EMAIL_LOCAL_DIGITS", "Email local part has {v:.0f} digits"),
    "email_local_digit_ratio": _count("EMAIL_LOCAL_DIGITS", "Email local part is {v:.0%} digits"),
    "email_local_entropy": _count(
        "EMAIL_LOCAL_RANDOM", "Email local part looks random ({v:.2f} bits per character)"
    ),
    "email_local_name_likeness": _count(
        "EMAIL_LOCAL_NOT_NAME", "Email local part looks unlike a name (likeness {v:.2f})"
    ),
    "email_name_similarity": _count(
        "EMAIL_NAME_MISMATCH", "Email does not match the name given (similarity {v:.2f})"
    ),
    "phone_present": _Flag(("PHONE_GIVEN", "A phone number was given"), _MISSING["phone"]),
    "phone_valid": _Flag(
        ("PHONE_VALID", "Phone number is valid"), ("PHONE_INVALID", "Phone number is not valid")
    ),
    "phone_line_type": _category("PHONE_LINE_TYPE", "Phone line type is {label}", PhoneLineType),
    "phone_is_voip": _Flag(
        ("PHONE_VOIP", "Phone number is a VOIP line"),
        ("PHONE_NOT_VOIP", "Phone number is not a VOIP line"),
    ),
    "name_present": _Flag(("NAME_GIVEN", "A name was given"), _MISSING["full_name"]),
    "name_token_count": _count("NAME_SHAPE", "Name has {v:.0f} parts"),
    "name_has_digits": _Flag(
        ("NAME_HAS_DIGITS", "Name contains digits"), ("NAME_NO_DIGITS", "Name has no digits")
    ),
    "card_present": _Flag(("CARD_GIVEN", "A card was given"), _MISSING["payment"]),
    "card_funding": _category("CARD_FUNDING", "Card funding type is {label}", CardFunding),
    "card_bin_valid": _Flag(
        ("CARD_BIN_VALID", "Card BIN is well formed"), ("CARD_BIN_INVALID", "Card BIN is malformed")
    ),
    "cc_phone_ip_match": _Flag(
        ("COUNTRY_PHONE_IP_MATCH", "Phone and IP countries agree"),
        ("COUNTRY_PHONE_IP_MISMATCH", "Phone country differs from the IP's country"),
    ),
    "cc_card_ip_match": _Flag(
        ("COUNTRY_CARD_IP_MATCH", "Card and IP countries agree"),
        ("COUNTRY_CARD_IP_MISMATCH", "Card country differs from the IP's country"),
    ),
    "cc_billing_ip_match": _Flag(
        ("COUNTRY_BILLING_IP_MATCH", "Billing and IP countries agree"),
        ("COUNTRY_BILLING_IP_MISMATCH", "Billing country differs from the IP's country"),
    ),
    "cc_card_billing_match": _Flag(
        ("COUNTRY_CARD_BILLING_MATCH", "Card and billing countries agree"),
        ("COUNTRY_CARD_BILLING_MISMATCH", "Card country differs from the billing country"),
    ),
    "cc_tz_phone_match": _Flag(
        ("COUNTRY_TIMEZONE_PHONE_MATCH", "Time zone fits the phone's country"),
        ("COUNTRY_TIMEZONE_PHONE_MISMATCH", "Time zone does not fit the phone's country"),
    ),
    "cc_tz_ip_match": _Flag(
        ("COUNTRY_TIMEZONE_IP_MATCH", "Time zone fits the IP's country"),
        ("COUNTRY_TIMEZONE_IP_MISMATCH", "Time zone does not fit the IP's country"),
    ),
    "cc_lang_ip_match": _Flag(
        ("COUNTRY_LANGUAGE_IP_MATCH", "Browser language fits the IP's country"),
        ("COUNTRY_LANGUAGE_IP_MISMATCH", "Browser language does not fit the IP's country"),
    ),
    "cc_distinct": _count("COUNTRY_SPREAD", "The inputs name {v:.0f} different countries"),
    "form_fill_ms": _count("FORM_FILL_TIME", "Signup form was filled in {v:.0f} ms"),
    "ip_present": _Flag(("IP_GIVEN", "An IP address was given"), _MISSING["ip"]),
    "ip_valid": _Flag(
        ("IP_VALID", "IP address is valid"), ("IP_INVALID", "IP address is malformed")
    ),
    "ip_version": _count("IP_VERSION", "IP version {v:.0f}"),
    "ip_is_private": _Flag(
        ("IP_PRIVATE", "IP address is private or reserved"),
        ("IP_PUBLIC", "IP address is public"),
    ),
    "ip_is_datacenter": _Flag(
        ("IP_DATACENTER", "IP address belongs to a hosting or datacenter network"),
        ("IP_NOT_DATACENTER", "IP address is not in a datacenter network"),
    ),
    "ip_is_vpn": _Flag(
        ("IP_VPN", "IP address belongs to a commercial VPN"),
        ("IP_NOT_VPN", "IP address is not a known VPN"),
    ),
    "ip_is_tor": _Flag(
        ("IP_TOR", "IP address is a Tor exit"), ("IP_NOT_TOR", "IP address is not a Tor exit")
    ),
    "ip_is_relay": _Flag(
        ("IP_PRIVACY_RELAY", "IP address is a privacy relay"),
        ("IP_NOT_RELAY", "IP address is not a privacy relay"),
    ),
    "ip_cloud_provider": _category(
        "IP_CLOUD", "IP address is in the {label} network's ranges", CloudProvider
    ),
    "ua_present": _Flag(("USER_AGENT_GIVEN", "A user agent was given"), _MISSING["user_agent"]),
    "ua_browser_family": _category("USER_AGENT_FAMILY", "Browser family is {label}", BrowserFamily),
    "ua_os_family": _category("USER_AGENT_OS", "Operating system is {label}", OsFamily),
    "ua_is_bot": _Flag(
        ("USER_AGENT_BOT", "User agent is a bot, crawler or HTTP library"),
        ("USER_AGENT_NOT_BOT", "User agent is not a known bot"),
    ),
    "ua_is_headless": _Flag(
        ("USER_AGENT_HEADLESS", "User agent is a headless browser"),
        ("USER_AGENT_NOT_HEADLESS", "User agent is not headless"),
    ),
    "ua_is_emulator": _Flag(
        ("USER_AGENT_EMULATOR", "User agent is a device emulator"),
        ("USER_AGENT_NOT_EMULATOR", "User agent is not an emulator"),
    ),
    "device_id_present": _Flag(
        ("DEVICE_ID_GIVEN", "A device fingerprint was given"), _MISSING["device_id"]
    ),
    "device_id_valid": _Flag(
        ("DEVICE_ID_VALID", "Device fingerprint is well formed"),
        ("DEVICE_ID_INVALID", "Device fingerprint is malformed"),
    ),
    "tz_present": _Flag(("TIMEZONE_GIVEN", "A time zone was given"), _MISSING["timezone"]),
    "tz_valid": _Flag(
        ("TIMEZONE_VALID", "Time zone is a real IANA zone"),
        ("TIMEZONE_INVALID", "Time zone is not a real IANA zone"),
    ),
    "lang_present": _Flag(
        ("LANGUAGE_GIVEN", "Accept-Language was given"), _MISSING["accept_language"]
    ),
    "lang_count": _count("LANGUAGE_SHAPE", "Browser lists {v:.0f} languages"),
    "account_known": _Flag(
        ("ACCOUNT_KNOWN", "The account's signup was scored"), _MISSING["account"]
    ),
    "account_age_s": _count("ACCOUNT_NEW", "Account is {v:,.0f} s old"),
    "account_signup_score": _count("ACCOUNT_SIGNUP_RISK", "The account's signup scored {v:.2f}"),
    "account_signup_action": _category(
        "ACCOUNT_SIGNUP_ACTION", "The account's signup got {label}", SignupAction
    ),
    "account_keys_before": _count("KEYS_PER_ACCOUNT", "Account already created {v:.0f} keys"),
    "signup_to_first_key_s": _count(
        "KEY_SOON_AFTER_SIGNUP", "First key came {v:,.0f} s after signup"
    ),
    "same_ip_as_signup": _Flag(
        ("KEY_SAME_IP", "Key requested from the signup's IP"),
        ("KEY_OTHER_IP", "Key requested from another IP than the signup's"),
    ),
    "same_prefix_as_signup": _Flag(
        ("KEY_SAME_NETWORK", "Key requested from the signup's network"),
        ("KEY_OTHER_NETWORK", "Key requested from another network than the signup's"),
    ),
    "same_device_as_signup": _Flag(
        ("KEY_SAME_DEVICE", "Key requested from the signup's device"),
        ("KEY_OTHER_DEVICE", "Key requested from another device than the signup's"),
    ),
    "key_name_length": _count("KEY_NAME_SHAPE", "Key name is {v:.0f} characters"),
}

for _entity in SIGNUP_ENTITIES:
    for _window in WINDOW_NAMES:
        _TABLE[f"vel_{_entity}_{_window}"] = _count(
            f"VELOCITY_{_entity.upper()}",
            f"{{v:.0f}} earlier signups {_DID[_entity]} in the last {_WINDOW_TEXT[_window]}",
            f"No earlier signup {_DID[_entity]} in the last {_WINDOW_TEXT[_window]} (first seen)",
        )
for _entity in API_KEY_ENTITIES:
    for _window in WINDOW_NAMES:
        _TABLE[f"vel_key_{_entity}_{_window}"] = _count(
            f"KEY_VELOCITY_{_entity.upper()}",
            f"{{v:.0f}} earlier keys {_DID[_entity]} in the last {_WINDOW_TEXT[_window]}",
            f"No earlier key {_DID[_entity]} in the last {_WINDOW_TEXT[_window]} (first seen)",
        )
for _link in SIGNUP_LINKS:
    _TABLE[f"linked_{_link}_accounts"] = _count(
        f"LINKED_{_link.upper()}", f"{{v:.0f}} other accounts share {_ENTITY_TEXT[_link]}"
    )
_TABLE["linked_group_size"] = _count(
    "LINKED_GROUP",
    "{v:.0f} other accounts share a device, card, phone or mailbox with this signup "
    "(100 means 100 or more)",
)
for _link in API_KEY_LINKS:
    _TABLE[f"linked_key_{_link}_accounts"] = _count(
        f"KEY_LINKED_{_link.upper()}",
        f"{{v:.0f}} other accounts created keys from {_ENTITY_TEXT[_link]}",
    )


for _entity in SIGNUP_BURSTS:
    _TABLE[f"burst_{_entity}"] = _burst(
        f"BURST_{_entity.upper()}", "signups", _DID[_entity], f"vel_{_entity}_1h"
    )
for _entity in API_KEY_BURSTS:
    _TABLE[f"burst_key_{_entity}"] = _burst(
        f"KEY_BURST_{_entity.upper()}", "keys", _DID[_entity], f"vel_key_{_entity}_1h"
    )
_GROUP_TEXT = "device, card, phone number or mailbox"
_HALF_LIFE_TEXT = f"{FLAG_HALF_LIFE / 86400:g} days"
_TABLE["group_new_1h"] = _count(
    "LINKED_GROUP_GROWTH",
    f"{{v:.0f}} earlier signups in the last hour used this signup's {_GROUP_TEXT}",
    f"No earlier signup in the last hour used this signup's {_GROUP_TEXT}",
)
_TABLE["account_group_flagged"] = _count(
    "LINKED_ACCOUNTS_HELD",
    f"{{v:.1f}} accounts sharing this account's {_GROUP_TEXT} were held or blocked "
    f"(one per shared identifier, halved every {_HALF_LIFE_TEXT})",
    f"No account sharing this account's {_GROUP_TEXT} was held or blocked",
)
_TABLE["account_group_flagged_share"] = _count(
    "LINKED_ACCOUNTS_HELD_SHARE",
    "Held or blocked accounts sharing its identifiers amount to {v:.0%} of the accounts "
    f"linked to this account at signup (halved every {_HALF_LIFE_TEXT})",
    f"No account sharing this account's {_GROUP_TEXT} was held or blocked",
)
_TABLE["email_domain_recent_share"] = _count(
    "EMAIL_DOMAIN_NEW",
    "{v:.0%} of this email domain's earlier signups over the past week came in the last hour",
)


def _missing(feature: Feature, value: float) -> bool:
    return math.isnan(value) or (feature.kind is Kind.CATEGORICAL and value == 0.0)


def describe(feature: Feature, value: float) -> tuple[str, str]:
    """(code, message) for a feature's contribution at its value."""
    if _missing(feature, value):
        return _MISSING[feature.source]
    return _TABLE[feature.name](value)


def reason_code(feature: Feature, value: float) -> str:
    """The code :func:`describe` would give, without formatting its message."""
    if _missing(feature, value):
        return _MISSING[feature.source][0]
    return _TABLE[feature.name].code(value)


def has_reason(feature_name: str) -> bool:
    """Whether a feature has a reason mapping (a test checks every spec feature does)."""
    return feature_name in _TABLE


def model_reasons(
    features: tuple[Feature, ...],
    values: npt.NDArray[np.float64],
    contributions: npt.NDArray[np.float64],
    limit: int = 5,
) -> list[Reason]:
    """Top positive reasons from per-feature contributions, grouped by code, strongest first.

    Codes are computed for every positive contribution (from the spec's :class:`_Codes`: most
    features have one code whatever their value); messages only for the winners, from the
    strongest feature under each winning code.
    """
    table = _codes(features)
    fixed, missing, categorical, describers = (
        table.fixed,
        table.missing,
        table.categorical,
        table.describers,
    )
    weights: dict[str, float] = {}
    strongest: dict[str, tuple[float, int]] = {}
    positive = np.flatnonzero(contributions > 0.0)
    for i, weight, value in zip(
        positive.tolist(), contributions[positive].tolist(), values[positive].tolist(), strict=True
    ):
        if math.isnan(value) or (categorical[i] and value == 0.0):  # category 0 is missing too
            code = missing[i]
        else:
            code = fixed[i] or describers[i].code(value)
        weights[code] = weights.get(code, 0.0) + weight
        best = strongest.get(code)
        if best is None or weight > best[0]:
            strongest[code] = (weight, i)
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:limit]
    out = []
    for code, weight in ranked:
        i = strongest[code][1]
        out.append(Reason(code, describe_in(features, values, i)[1], round(weight, 6)))
    return out


class _Codes:
    """What :func:`model_reasons` needs of one spec, per feature index.

    ``fixed[i]`` is feature ``i``'s code when it does not depend on the value (``None`` for
    flags and categories), ``missing[i]`` its missing-value code.
    """

    def __init__(self, features: tuple[Feature, ...]) -> None:
        self.describers = [_TABLE[f.name] for f in features]
        self.fixed: list[str | None] = [
            d.fixed if isinstance(d, _count | _burst) else None for d in self.describers
        ]
        self.missing = [_MISSING[f.source][0] for f in features]
        self.categorical = [f.kind is Kind.CATEGORICAL for f in features]
        self.positions = {f.name: i for i, f in enumerate(features)}


_CODE_TABLES: dict[int, tuple[tuple[Feature, ...], _Codes]] = {}


def _codes(features: tuple[Feature, ...]) -> _Codes:
    """The table of one spec, cached by identity: a server has two specs, and hashing a spec's
    113 features (as ``functools.cache`` would on every call) costs more than the grouping."""
    found = _CODE_TABLES.get(id(features))
    if found is None or found[0] is not features:
        found = _CODE_TABLES[id(features)] = (features, _Codes(features))
    return found[1]


def _positions(features: tuple[Feature, ...]) -> dict[str, int]:
    """Each feature's index in one spec (the spec's code table keeps it)."""
    return _codes(features).positions


def describe_in(
    features: tuple[Feature, ...], values: npt.NDArray[np.float64], i: int
) -> tuple[str, str]:
    """(code, message) of feature ``i`` in a whole vector: a burst names its hour's count too."""
    feature, value = features[i], float(values[i])
    describer = _TABLE.get(feature.name)
    if isinstance(describer, _burst) and not _missing(feature, value):
        j = _positions(features).get(describer.companion)
        if j is not None:
            return describer.with_count(value, float(values[j]))
    return describe(feature, value)


ALL_FEATURES = tuple(f for spec in FEATURES.values() for f in spec)
