"""The pure feature functions: signals + state snapshot -> vector in spec order.

No I/O, no gRPC, no LightGBM. The server and the training dataset builder call these same two
functions; ``state is None`` means the state store could not answer, and every velocity and
linkage feature is then missing (NaN) rather than a misleading zero, and so is every burst
ratio derived from them (:func:`burst`, computed here from the window counts: no extra state).

Built for the hot path: each function writes one flat list in spec order and converts it to
float64 in one NumPy call, which maps ``None`` to NaN, ``True``/``False`` to 1/0 and ints
exactly. So a missing input is written as ``None`` where a flag helper would give NaN. The
order is checked against :func:`service.features.spec.names` at import: a spec change that the
code here does not follow fails loudly instead of shifting columns.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from service.domain import EventType
from service.features.spec import API_KEY_BURSTS, SIGNUP_BURSTS, names
from service.signals.types import ApiKeySignals, DeviceSignals, SignupSignals
from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    GROUP_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    ApiKeyKeys,
    ApiKeyState,
    SignupState,
)
from service.state.windows import WINDOW_NAMES, WINDOWS

NAN = math.nan
Vector = npt.NDArray[np.float64]
_F64 = np.float64

_W = len(WINDOWS)
_H1, _D7 = WINDOW_NAMES.index("1h"), WINDOW_NAMES.index("7d")
_BASELINE_HOURS = WINDOWS[_D7] // WINDOWS[_H1] - 1  # the week's hours before the last one
# Where each burst cell's 1-hour and 7-day counts sit in a state's velocity tuple.
_SIGNUP_BURST_AT = tuple(
    (SIGNUP_ENTITIES.index(e) * _W + _H1, SIGNUP_ENTITIES.index(e) * _W + _D7)
    for e in SIGNUP_BURSTS
)
_API_KEY_BURST_AT = tuple(
    (API_KEY_ENTITIES.index(e) * _W + _H1, API_KEY_ENTITIES.index(e) * _W + _D7)
    for e in API_KEY_BURSTS
)
_DOMAIN_H1 = SIGNUP_ENTITIES.index("email_domain") * _W + _H1
_DOMAIN_D7 = SIGNUP_ENTITIES.index("email_domain") * _W + _D7
# Where each group link's 1-hour count sits (the group's growth).
_GROUP_H1 = tuple(SIGNUP_ENTITIES.index(e) * _W + _H1 for e in GROUP_LINKS)
# What an unavailable state contributes: velocity, linkage (and group), bursts, share, growth.
_SIGNUP_NO_STATE: tuple[None, ...] = (None,) * (
    len(SIGNUP_ENTITIES) * _W + len(SIGNUP_LINKS) + 1 + len(SIGNUP_BURSTS) + 2
)
_API_KEY_NO_STATE: tuple[None, ...] = (None,) * (
    len(API_KEY_ENTITIES) * _W + len(API_KEY_LINKS) + len(API_KEY_BURSTS)
)

# The order the functions below write, which must be the spec's.
_DEVICE_ORDER = (
    "ip_present",
    "ip_valid",
    "ip_version",
    "ip_is_private",
    "ip_is_datacenter",
    "ip_is_vpn",
    "ip_is_tor",
    "ip_is_relay",
    "ip_cloud_provider",
    "ua_present",
    "ua_browser_family",
    "ua_os_family",
    "ua_is_bot",
    "ua_is_headless",
    "ua_is_emulator",
    "device_id_present",
    "device_id_valid",
    "tz_present",
    "tz_valid",
    "lang_present",
    "lang_count",
    "cc_tz_ip_match",
    "cc_lang_ip_match",
)
_SIGNUP_ORDER = (
    "email_present",
    "email_valid",
    "email_is_free",
    "email_is_disposable",
    "email_is_edu",
    "email_has_plus_tag",
    "email_local_length",
    "email_local_digits",
    "email_local_digit_ratio",
    "email_local_entropy",
    "email_local_name_likeness",
    "email_name_similarity",
    "phone_present",
    "phone_valid",
    "phone_line_type",
    "phone_is_voip",
    "name_present",
    "name_token_count",
    "name_has_digits",
    "card_present",
    "card_funding",
    "card_bin_valid",
    "cc_phone_ip_match",
    "cc_card_ip_match",
    "cc_billing_ip_match",
    "cc_card_billing_match",
    "cc_tz_phone_match",
    "cc_distinct",
    "form_fill_ms",
    *_DEVICE_ORDER,
    *(f"vel_{e}_{w}" for e in SIGNUP_ENTITIES for w in WINDOW_NAMES),
    *(f"linked_{link}_accounts" for link in SIGNUP_LINKS),
    "linked_group_size",
    *(f"burst_{e}" for e in SIGNUP_BURSTS),
    "email_domain_recent_share",
    "group_new_1h",
)
_API_KEY_ORDER = (
    "account_known",
    "account_age_s",
    "account_signup_score",
    "account_signup_action",
    "account_keys_before",
    "signup_to_first_key_s",
    "same_ip_as_signup",
    "same_prefix_as_signup",
    "same_device_as_signup",
    "account_group_flagged",
    "account_group_flagged_share",
    "key_name_length",
    *_DEVICE_ORDER,
    *(f"vel_key_{e}_{w}" for e in API_KEY_ENTITIES for w in WINDOW_NAMES),
    *(f"linked_key_{link}_accounts" for link in API_KEY_LINKS),
    *(f"burst_key_{e}" for e in API_KEY_BURSTS),
)
if (names(EventType.SIGNUP), names(EventType.API_KEY)) != (_SIGNUP_ORDER, _API_KEY_ORDER):
    raise ImportError("features.extract writes another order than the spec's; update it")


def _num(value: float | int | None) -> float:
    return NAN if value is None else float(value)


def burst(hour: int | None, week: int | None) -> float:
    """The last hour's count against the week's hourly rate before it, both smoothed by one."""
    if hour is None or week is None:
        return NAN
    return (hour + 1) / (max(0, week - hour) / _BASELINE_HOURS + 1)


def _device(d: DeviceSignals) -> list[bool | int | float | None]:
    """The device features in ``_DEVICE_ORDER`` (None: missing)."""
    ip, ua, loc = d.ip, d.user_agent, d.locale
    ip_present = ip.present
    usable = ip_present and ip.valid
    ua_present = ua.present
    country = ip.country
    tz_countries, lang_countries = loc.timezone_countries, loc.language_countries
    return [
        ip_present,
        ip.valid if ip_present else None,
        ip.version if usable else None,
        ip.is_private if usable else None,
        ip.is_datacenter if usable else None,
        ip.is_vpn if usable else None,
        ip.is_tor if usable else None,
        ip.is_relay if usable else None,
        int(ip.cloud_provider),
        ua_present,
        int(ua.browser_family),
        int(ua.os_family),
        ua.is_bot if ua_present else None,
        ua.is_headless if ua_present else None,
        ua.is_emulator if ua_present else None,
        d.device_id is not None,
        d.device_id_valid,
        loc.timezone_valid is not None,
        loc.timezone_valid,
        loc.language_count > 0,
        loc.language_count or None,
        None if country is None or not tz_countries else country in tz_countries,
        None if country is None or not lang_countries else country in lang_countries,
    ]


def extract_signup(signals: SignupSignals, state: SignupState | None) -> Vector:
    """Feature vector of a signup, in :func:`service.features.spec.names` order."""
    e, p, n, pay, cc = (
        signals.email,
        signals.phone,
        signals.name,
        signals.payment,
        signals.countries,
    )
    e_present, p_present, n_present = e.present, p.present, n.present
    usable = e_present and e.valid
    row: list[bool | int | float | None] = [
        e_present,
        e.valid if e_present else None,
        e.is_free if usable else None,
        e.is_disposable if usable else None,
        e.is_edu if usable else None,
        e.has_plus_tag if usable else None,
        e.local_length if usable else None,
        e.local_digits if usable else None,
        e.local_digits / e.local_length if usable and e.local_length else None,
        e.local_entropy if usable else None,
        e.local_name_likeness if usable else None,
        e.name_similarity,
        p_present,
        p.valid if p_present else None,
        int(p.line_type),
        p.is_voip if p_present and p.valid else None,
        n_present,
        n.token_count if n_present else None,
        n.has_digits if n_present else None,
        pay.present,
        int(pay.funding),
        pay.bin_valid,
        cc.phone_ip,
        cc.card_ip,
        cc.billing_ip,
        cc.card_billing,
        cc.timezone_phone,
        cc.distinct_countries or None,
        _num(signals.form_fill_ms),
    ]
    row += _device(signals.device)
    if state is None:
        row += _SIGNUP_NO_STATE
    else:
        v = state.velocity
        row += v
        row += state.linked
        row.append(state.group)
        row += [burst(v[hour], v[week]) for hour, week in _SIGNUP_BURST_AT]
        # Share of the email domain's signups over 7 days that came in the last hour.
        hour, week = v[_DOMAIN_H1], v[_DOMAIN_D7]
        row.append(None if hour is None or not week else min(1.0, hour / week))
        row.append(group_growth(v))
    return np.array(row, dtype=_F64)


def group_growth(velocity: tuple[int | None, ...]) -> int | None:
    """Signups in the last hour on the signup's device, card, phone and mailbox, added up."""
    counts = [velocity[i] for i in _GROUP_H1]
    present = [c for c in counts if c is not None]
    return sum(present) if present else None


def extract_api_key(
    signals: ApiKeySignals, state: ApiKeyState | None, keys: ApiKeyKeys, at: float
) -> Vector:
    """Feature vector of an API-key creation, in spec order."""
    account = state.account if state is not None else None
    row: list[bool | int | float | None]
    if account is None:
        row = [
            None if state is None else 0.0,  # account_known
            None,  # account_age_s
            None,  # account_signup_score
            0.0,  # account_signup_action
            None if state is None else state.keys_before,
            None,  # signup_to_first_key_s
            None,  # same_ip_as_signup
            None,  # same_prefix_as_signup
            None,  # same_device_as_signup
            None,  # account_group_flagged
            None,  # account_group_flagged_share
        ]
    else:
        assert state is not None  # an account comes with its state
        signup_at = account.signup_at
        first = state.first_key_at if state.first_key_at else at
        flagged = state.group_flagged
        row = [
            1.0,
            max(0.0, at - signup_at),
            _num(account.score),
            account.action or 0,
            state.keys_before,
            max(0.0, min(first, at) - signup_at),
            _same(keys.ip, account.ip),
            _same(keys.ip_prefix, account.ip_prefix),
            _same(keys.device, account.device),
            flagged,
            flagged_share(flagged, account.group),
        ]
    row.append(signals.key_name_length)
    row += _device(signals.device)
    if state is None:
        row += _API_KEY_NO_STATE
    else:
        v = state.velocity
        row += v
        row += state.linked
        row += [burst(v[hour], v[week]) for hour, week in _API_KEY_BURST_AT]
    return np.array(row, dtype=_F64)


def flagged_share(flagged: float | None, group: int | None) -> float | None:
    """Held-account mass over the account's linked group size at signup (at least 1), at most 1."""
    return None if flagged is None else min(1.0, flagged / max(1, group or 0))


def _same(now: str | None, then: str | None) -> bool | None:
    if now is None or then is None:
        return None
    return now == then
