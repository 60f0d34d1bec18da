"""The pure feature functions: signals + state snapshot -> vector in spec order.

No I/O, no gRPC, no LightGBM. The server and the training dataset builder call these same two
functions; ``state is None`` means the state store could not answer, and every velocity and
linkage feature is then missing (NaN) rather than a misleading zero, and so is every burst
ratio derived from them (:func:`burst`, computed here from the window counts: no extra state).
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
    SIGNUP_ENTITIES,
    ApiKeyKeys,
    ApiKeyState,
    SignupState,
)
from service.state.windows import WINDOW_NAMES, WINDOWS

NAN = math.nan
Vector = npt.NDArray[np.float64]

_SIGNUP_NAMES = names(EventType.SIGNUP)
_API_KEY_NAMES = names(EventType.API_KEY)
_SIGNUP_VELOCITY = [n for n in _SIGNUP_NAMES if n.startswith(("vel_", "linked_"))]
_API_KEY_VELOCITY = [n for n in _API_KEY_NAMES if n.startswith(("vel_key_", "linked_key_"))]
_W = len(WINDOWS)
_H1, _D7 = WINDOW_NAMES.index("1h"), WINDOW_NAMES.index("7d")
_BASELINE_HOURS = WINDOWS[_D7] // WINDOWS[_H1] - 1  # the week's hours before the last one
# Where each burst cell's 1-hour and 7-day counts sit in a state's velocity tuple.
_SIGNUP_BURST_AT = [
    (f"burst_{e}", SIGNUP_ENTITIES.index(e) * _W + _H1, SIGNUP_ENTITIES.index(e) * _W + _D7)
    for e in SIGNUP_BURSTS
]
_API_KEY_BURST_AT = [
    (f"burst_key_{e}", API_KEY_ENTITIES.index(e) * _W + _H1, API_KEY_ENTITIES.index(e) * _W + _D7)
    for e in API_KEY_BURSTS
]
_DOMAIN_AT = SIGNUP_ENTITIES.index("email_domain") * _W


def _flag(value: bool | None) -> float:
    if value is None:
        return NAN
    return 1.0 if value else 0.0


def _num(value: float | int | None) -> float:
    return NAN if value is None else float(value)


def _given(present: bool, value: float) -> float:
    """A value that only means something when its input was given."""
    return value if present else NAN


def _device(d: DeviceSignals, out: dict[str, float]) -> None:
    ip, ua, loc = d.ip, d.user_agent, d.locale
    out["ip_present"] = _flag(ip.present)
    out["ip_valid"] = _given(ip.present, _flag(ip.valid))
    usable = ip.present and ip.valid
    out["ip_version"] = float(ip.version) if usable else NAN
    out["ip_is_private"] = _given(usable, _flag(ip.is_private))
    out["ip_is_datacenter"] = _given(usable, _flag(ip.is_datacenter))
    out["ip_is_vpn"] = _given(usable, _flag(ip.is_vpn))
    out["ip_is_tor"] = _given(usable, _flag(ip.is_tor))
    out["ip_is_relay"] = _given(usable, _flag(ip.is_relay))
    out["ip_cloud_provider"] = float(ip.cloud_provider)
    out["ua_present"] = _flag(ua.present)
    out["ua_browser_family"] = float(ua.browser_family)
    out["ua_os_family"] = float(ua.os_family)
    out["ua_is_bot"] = _given(ua.present, _flag(ua.is_bot))
    out["ua_is_headless"] = _given(ua.present, _flag(ua.is_headless))
    out["ua_is_emulator"] = _given(ua.present, _flag(ua.is_emulator))
    out["device_id_present"] = _flag(d.device_id is not None)
    out["device_id_valid"] = _flag(d.device_id_valid)
    out["tz_present"] = _flag(loc.timezone_valid is not None)
    out["tz_valid"] = _flag(loc.timezone_valid)
    out["lang_present"] = _flag(loc.language_count > 0)
    out["lang_count"] = float(loc.language_count) if loc.language_count else NAN
    out["cc_tz_ip_match"] = _tz_ip(d)
    out["cc_lang_ip_match"] = _lang_ip(d)


def _velocity(
    names_: list[str], state: SignupState | ApiKeyState | None, out: dict[str, float]
) -> None:
    if state is None:
        out.update(dict.fromkeys(names_, NAN))
        return
    values = (*state.velocity, *state.linked)
    if isinstance(state, SignupState):
        values = (*values, state.group)
    floats = [NAN if v is None else float(v) for v in values]
    out.update(zip(names_, floats, strict=True))


def burst(hour: int | None, week: int | None) -> float:
    """The last hour's count against the week's hourly rate before it, both smoothed by one."""
    if hour is None or week is None:
        return NAN
    return (hour + 1) / (max(0, week - hour) / _BASELINE_HOURS + 1)


def _bursts(
    cells: list[tuple[str, int, int]],
    state: SignupState | ApiKeyState | None,
    out: dict[str, float],
) -> None:
    if state is None:
        for name, _, _ in cells:
            out[name] = NAN
        return
    v = state.velocity
    for name, hour, week in cells:
        out[name] = burst(v[hour], v[week])


def _recent_share(state: SignupState | None) -> float:
    """Share of the email domain's signups over 7 days that came in the last hour."""
    if state is None:
        return NAN
    hour, week = state.velocity[_DOMAIN_AT + _H1], state.velocity[_DOMAIN_AT + _D7]
    if hour is None or not week:
        return NAN
    return min(1.0, hour / week)


def _vector(order: tuple[str, ...], out: dict[str, float]) -> Vector:
    return np.fromiter(map(out.__getitem__, order), dtype=np.float64, count=len(order))


def extract_signup(signals: SignupSignals, state: SignupState | None) -> Vector:
    """Feature vector of a signup, in :func:`service.features.spec.names` order."""
    e, p, n, pay, cc = (
        signals.email,
        signals.phone,
        signals.name,
        signals.payment,
        signals.countries,
    )
    out: dict[str, float] = {}
    out["email_present"] = _flag(e.present)
    out["email_valid"] = _given(e.present, _flag(e.valid))
    usable = e.present and e.valid
    out["email_is_free"] = _given(usable, _flag(e.is_free))
    out["email_is_disposable"] = _given(usable, _flag(e.is_disposable))
    out["email_is_edu"] = _given(usable, _flag(e.is_edu))
    out["email_has_plus_tag"] = _given(usable, _flag(e.has_plus_tag))
    out["email_local_length"] = _given(usable, float(e.local_length))
    out["email_local_digits"] = _given(usable, float(e.local_digits))
    out["email_local_digit_ratio"] = (
        e.local_digits / e.local_length if usable and e.local_length else NAN
    )
    out["email_local_entropy"] = _given(usable, e.local_entropy)
    out["email_local_name_likeness"] = _given(usable, e.local_name_likeness)
    out["email_name_similarity"] = _num(e.name_similarity)
    out["phone_present"] = _flag(p.present)
    out["phone_valid"] = _given(p.present, _flag(p.valid))
    out["phone_line_type"] = float(p.line_type)
    out["phone_is_voip"] = _given(p.present and p.valid, _flag(p.is_voip))
    out["name_present"] = _flag(n.present)
    out["name_token_count"] = _given(n.present, float(n.token_count))
    out["name_has_digits"] = _given(n.present, _flag(n.has_digits))
    out["card_present"] = _flag(pay.present)
    out["card_funding"] = float(pay.funding)
    out["card_bin_valid"] = _flag(pay.bin_valid)
    out["cc_phone_ip_match"] = _flag(cc.phone_ip)
    out["cc_card_ip_match"] = _flag(cc.card_ip)
    out["cc_billing_ip_match"] = _flag(cc.billing_ip)
    out["cc_card_billing_match"] = _flag(cc.card_billing)
    out["cc_tz_phone_match"] = _flag(cc.timezone_phone)
    out["cc_distinct"] = float(cc.distinct_countries) if cc.distinct_countries else NAN
    out["form_fill_ms"] = _num(signals.form_fill_ms)
    _device(signals.device, out)
    _velocity(_SIGNUP_VELOCITY, state, out)
    _bursts(_SIGNUP_BURST_AT, state, out)
    out["email_domain_recent_share"] = _recent_share(state)
    return _vector(_SIGNUP_NAMES, out)


def extract_api_key(
    signals: ApiKeySignals, state: ApiKeyState | None, keys: ApiKeyKeys, at: float
) -> Vector:
    """Feature vector of an API-key creation, in spec order."""
    out: dict[str, float] = {}
    account = state.account if state is not None else None
    if account is None:
        known = NAN if state is None else 0.0
        for name in (
            "account_age_s",
            "account_signup_score",
            "signup_to_first_key_s",
            "same_ip_as_signup",
            "same_prefix_as_signup",
            "same_device_as_signup",
        ):
            out[name] = NAN
        out["account_known"] = known
        out["account_signup_action"] = 0.0
    else:
        out["account_known"] = 1.0
        out["account_age_s"] = max(0.0, at - account.signup_at)
        out["account_signup_score"] = _num(account.score)
        out["account_signup_action"] = float(account.action or 0)
        first = state.first_key_at if state is not None and state.first_key_at else at
        out["signup_to_first_key_s"] = max(0.0, min(first, at) - account.signup_at)
        out["same_ip_as_signup"] = _same(keys.ip, account.ip)
        out["same_prefix_as_signup"] = _same(keys.ip_prefix, account.ip_prefix)
        out["same_device_as_signup"] = _same(keys.device, account.device)
    out["account_keys_before"] = NAN if state is None else float(state.keys_before)
    out["key_name_length"] = _num(signals.key_name_length)
    _device(signals.device, out)
    _velocity(_API_KEY_VELOCITY, state, out)
    _bursts(_API_KEY_BURST_AT, state, out)
    return _vector(_API_KEY_NAMES, out)


def _same(now: str | None, then: str | None) -> float:
    if now is None or then is None:
        return NAN
    return 1.0 if now == then else 0.0


def _tz_ip(d: DeviceSignals) -> float:
    if d.ip.country is None or not d.locale.timezone_countries:
        return NAN
    return 1.0 if d.ip.country in d.locale.timezone_countries else 0.0


def _lang_ip(d: DeviceSignals) -> float:
    if d.ip.country is None or not d.locale.language_countries:
        return NAN
    return 1.0 if d.ip.country in d.locale.language_countries else 0.0
