"""The hot-path rewrites against the code they replaced: identical vectors and state keys.

The reference below is the extract code as it stood before the hot-path rewrite (one dict of
named values, each flag through a helper, the vector gathered by name). Vectors are compared
byte for byte (NaN payloads and signed zeros included) on hostile events with arbitrary state
snapshots, and on a simulated stream replayed through the featurizer with the memory store.
"""

from __future__ import annotations

import functools
import math
from itertools import islice
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain import ApiKeyEvent, EventType, SignupEvent
from service.features import extract_api_key, extract_signup, names
from service.features.spec import API_KEY_BURSTS, SIGNUP_BURSTS
from service.featurize import Featurizer
from service.hashing import Hasher
from service.signals import SignalExtractor
from service.signals.template import identity_template, phone_block
from service.signals.types import ApiKeySignals, DeviceSignals, SignupSignals
from service.state import MemoryStateStore
from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    GROUP_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    AccountRecord,
    ApiKeyKeys,
    ApiKeyState,
    SignupKeys,
    SignupState,
)
from service.state.windows import WINDOW_NAMES, WINDOWS
from tests.unit.signals.strategies import api_key_events, signup_events

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"

# -- the reference: the dict-based extract functions -------------------------------------------

NAN = math.nan
_SIGNUP_NAMES = names(EventType.SIGNUP)
_API_KEY_NAMES = names(EventType.API_KEY)
_SIGNUP_VELOCITY = [n for n in _SIGNUP_NAMES if n.startswith(("vel_", "linked_"))]
_API_KEY_VELOCITY = [n for n in _API_KEY_NAMES if n.startswith(("vel_key_", "linked_key_"))]
_W = len(WINDOWS)
_H1, _D7 = WINDOW_NAMES.index("1h"), WINDOW_NAMES.index("7d")
_BASELINE_HOURS = WINDOWS[_D7] // WINDOWS[_H1] - 1
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
    return value if present else NAN


def _ref_device(d: DeviceSignals, out: dict[str, float]) -> None:
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
    if d.ip.country is None or not d.locale.timezone_countries:
        out["cc_tz_ip_match"] = NAN
    else:
        out["cc_tz_ip_match"] = 1.0 if d.ip.country in d.locale.timezone_countries else 0.0
    if d.ip.country is None or not d.locale.language_countries:
        out["cc_lang_ip_match"] = NAN
    else:
        out["cc_lang_ip_match"] = 1.0 if d.ip.country in d.locale.language_countries else 0.0


def _ref_velocity(
    names_: list[str], state: SignupState | ApiKeyState | None, out: dict[str, float]
) -> None:
    if state is None:
        out.update(dict.fromkeys(names_, NAN))
        return
    values = (*state.velocity, *state.linked)
    if isinstance(state, SignupState):
        values = (*values, state.group)
    out.update(zip(names_, [NAN if v is None else float(v) for v in values], strict=True))


def _ref_burst(hour: int | None, week: int | None) -> float:
    if hour is None or week is None:
        return NAN
    return (hour + 1) / (max(0, week - hour) / _BASELINE_HOURS + 1)


def _ref_bursts(
    cells: list[tuple[str, int, int]],
    state: SignupState | ApiKeyState | None,
    out: dict[str, float],
) -> None:
    for name, hour, week in cells:
        out[name] = NAN if state is None else _ref_burst(state.velocity[hour], state.velocity[week])


def _ref_vector(order: tuple[str, ...], out: dict[str, float]) -> npt.NDArray[np.float64]:
    return np.fromiter(map(out.__getitem__, order), dtype=np.float64, count=len(order))


def ref_signup(signals: SignupSignals, state: SignupState | None) -> npt.NDArray[np.float64]:
    """The dict-based signup vector."""
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
    _ref_device(signals.device, out)
    _ref_velocity(_SIGNUP_VELOCITY, state, out)
    _ref_bursts(_SIGNUP_BURST_AT, state, out)
    share = NAN
    if state is not None:
        hour, week = state.velocity[_DOMAIN_AT + _H1], state.velocity[_DOMAIN_AT + _D7]
        if hour is not None and week:
            share = min(1.0, hour / week)
    out["email_domain_recent_share"] = share
    growth = NAN
    if state is not None:
        hours = [state.velocity[SIGNUP_ENTITIES.index(e) * _W + _H1] for e in GROUP_LINKS]
        if any(h is not None for h in hours):
            growth = float(sum(h for h in hours if h is not None))
    out["group_new_1h"] = growth
    return _ref_vector(_SIGNUP_NAMES, out)


def _same(now: str | None, then: str | None) -> float:
    if now is None or then is None:
        return NAN
    return 1.0 if now == then else 0.0


def ref_api_key(
    signals: ApiKeySignals, state: ApiKeyState | None, keys: ApiKeyKeys, at: float
) -> npt.NDArray[np.float64]:
    """The dict-based API-key vector."""
    out: dict[str, float] = {}
    account = state.account if state is not None else None
    if account is None:
        for name in (
            "account_age_s",
            "account_signup_score",
            "signup_to_first_key_s",
            "same_ip_as_signup",
            "same_prefix_as_signup",
            "same_device_as_signup",
            "account_group_flagged",
            "account_group_flagged_share",
        ):
            out[name] = NAN
        out["account_known"] = NAN if state is None else 0.0
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
        flagged = None if state is None else state.group_flagged
        out["account_group_flagged"] = _num(flagged)
        out["account_group_flagged_share"] = (
            NAN if flagged is None else min(1.0, flagged / max(1, account.group or 0))
        )
    out["account_keys_before"] = NAN if state is None else float(state.keys_before)
    out["key_name_length"] = _num(signals.key_name_length)
    _ref_device(signals.device, out)
    _ref_velocity(_API_KEY_VELOCITY, state, out)
    _ref_bursts(_API_KEY_BURST_AT, state, out)
    return _ref_vector(_API_KEY_NAMES, out)


# -- strategies ----------------------------------------------------------------------------------

_counts = st.none() | st.integers(0, 10**6) | st.sampled_from([0, 1, 2, 167, 168, 2**40])
_times = st.floats(0.0, 2e9, allow_nan=False)
_hashes = st.none() | st.sampled_from(["h1", "h2", "h3"])


def _velocity(entities: int) -> st.SearchStrategy[tuple[int | None, ...]]:
    """Window counts per entity: None for a whole absent entity, else counts per window."""
    per_entity = st.none() | st.lists(st.integers(0, 10**6), min_size=_W, max_size=_W).map(sorted)
    return st.lists(per_entity, min_size=entities, max_size=entities).map(
        lambda rows: tuple(c for r in rows for c in (r if r is not None else [None] * _W))
    )


signup_states = st.none() | st.builds(
    SignupState,
    duplicate=st.booleans(),
    velocity=_velocity(len(SIGNUP_ENTITIES))
    | st.lists(_counts, min_size=len(SIGNUP_ENTITIES) * _W, max_size=len(SIGNUP_ENTITIES) * _W).map(
        tuple
    ),
    linked=st.lists(_counts, min_size=len(SIGNUP_LINKS), max_size=len(SIGNUP_LINKS)).map(tuple),
    group=_counts,
    group_flagged=st.none() | st.floats(0.0, 1e6),
)
accounts = st.none() | st.builds(
    AccountRecord,
    signup_at=_times,
    ip=_hashes,
    ip_prefix=_hashes,
    device=_hashes,
    score=st.none() | st.floats(0.0, 1.0),
    action=st.none() | st.integers(0, 3),
    group=st.none() | st.integers(0, 100),
)
api_key_states = st.none() | st.builds(
    ApiKeyState,
    duplicate=st.booleans(),
    account=accounts,
    keys_before=st.integers(0, 10**6),
    first_key_at=st.none() | st.just(0.0) | _times,
    velocity=_velocity(len(API_KEY_ENTITIES))
    | st.lists(
        _counts, min_size=len(API_KEY_ENTITIES) * _W, max_size=len(API_KEY_ENTITIES) * _W
    ).map(tuple),
    linked=st.lists(_counts, min_size=len(API_KEY_LINKS), max_size=len(API_KEY_LINKS)).map(tuple),
    group_flagged=st.none() | st.floats(0.0, 1e6),
)
api_key_keys = st.builds(
    ApiKeyKeys, account=st.just("a"), ip=_hashes, ip_prefix=_hashes, device=_hashes
)


@functools.cache
def _extractor() -> SignalExtractor:
    return SignalExtractor.from_directory()


def _same_bits(new: npt.NDArray[np.float64], ref: npt.NDArray[np.float64]) -> None:
    assert new.dtype == ref.dtype == np.float64
    assert new.shape == ref.shape
    assert new.tobytes() == ref.tobytes(), np.flatnonzero(new.view(np.int64) != ref.view(np.int64))


# -- tests ---------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=signup_events, state=signup_states)
def test_signup_vector_bits_match_the_reference(
    event: SignupEvent, state: SignupState | None
) -> None:
    """Any signup with any state snapshot: the same vector, bit for bit."""
    signals = _extractor().signup(event)
    _same_bits(extract_signup(signals, state), ref_signup(signals, state))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=api_key_events, state=api_key_states, keys=api_key_keys, at=_times | st.just(0.0))
def test_api_key_vector_bits_match_the_reference(
    event: ApiKeyEvent, state: ApiKeyState | None, keys: ApiKeyKeys, at: float
) -> None:
    """Any key creation with any state snapshot and account record: the same vector."""
    signals = _extractor().api_key(event)
    _same_bits(extract_api_key(signals, state, keys, at), ref_api_key(signals, state, keys, at))


def test_replayed_stream_vectors_match_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """A simulated stream through the featurizer: every served vector equals the reference's."""
    from training.simulate import load_config, simulate  # noqa: PLC0415

    events = [r.event for r in islice(simulate(load_config(SMALL), seed=11), 3000)]
    extractor = _extractor()

    def replay() -> list[bytes]:
        featurizer = Featurizer(extractor, MemoryStateStore(), Hasher(b"equivalence"))
        out = []
        for event in events:
            assert event.occurred_at is not None
            if isinstance(event, SignupEvent):
                out.append(featurizer.signup(event, event.occurred_at).vector.tobytes())
            else:
                out.append(featurizer.api_key(event, event.occurred_at).vector.tobytes())
        return out

    served = replay()
    monkeypatch.setattr("service.featurize.extract_signup", ref_signup)
    monkeypatch.setattr("service.featurize.extract_api_key", ref_api_key)
    reference = replay()
    assert len(served) == len(events)
    assert sum(isinstance(e, SignupEvent) for e in events) > 500
    assert served == reference


# -- the keys: memoised hashes give the keys the plain hasher gave --------------------------------


def _ref_keys(hasher: Hasher, event: SignupEvent, sig: SignupSignals) -> SignupKeys:
    """The signup keys as built before the memos: every identifier through ``hasher``."""
    h = hasher
    email = sig.email
    shape = f"{email.local_shape}@{email.domain}" if email.local_shape and email.domain else None
    ua = event.device.user_agent
    ua = None if ua is None else (ua.strip() or None)
    template = None
    if email.valid and event.identity.email is not None:
        local = event.identity.email.strip().rpartition("@")[0]
        template = identity_template(local, event.identity.full_name)
    card_bin = None
    if sig.payment.bin_valid and event.payment is not None and event.payment.card_bin:
        card_bin = event.payment.card_bin.strip()[:6]
    return SignupKeys(
        account=event.account_id,
        ip=h("ip", sig.device.ip.normalized),
        ip_prefix=h("ip_prefix", sig.device.ip.prefix),
        device=h("device", sig.device.device_id),
        card=h("card", sig.payment.fingerprint),
        phone=h("phone", sig.phone.e164),
        email=h("email", email.normalized),
        email_domain=h("email_domain", email.domain),
        email_shape=h("email_shape", shape),
        user_agent=h("user_agent", ua),
        identity=h("identity", template),
        phone_block=h("phone_block", phone_block(sig.phone.e164)),
        card_bin=h("card_bin", card_bin),
    )


class _Recorder(MemoryStateStore):
    """A memory store that keeps every key object it is handed."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[SignupKeys | ApiKeyKeys] = []

    def observe_signup(self, event_id: str, at: float, keys: SignupKeys) -> SignupState:
        self.keys.append(keys)
        return super().observe_signup(event_id, at, keys)

    def observe_api_key(self, event_id: str, at: float, keys: ApiKeyKeys) -> ApiKeyState:
        self.keys.append(keys)
        return super().observe_api_key(event_id, at, keys)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signups=st.lists(signup_events, min_size=1, max_size=4), keys=st.lists(api_key_events))
def test_state_keys_match_the_plain_hasher(
    signups: list[SignupEvent], keys: list[ApiKeyEvent]
) -> None:
    """Memoised kinds hash to exactly what the hasher gives; repeats and misses alike."""
    hasher = Hasher(b"keys")
    store = _Recorder()
    featurizer = Featurizer(_extractor(), store, hasher)
    extractor = _extractor()
    expected: list[SignupKeys | ApiKeyKeys] = []
    for event in [*signups, *signups]:  # the second round hits the memos
        featurizer.signup(event, 1.0)
        expected.append(_ref_keys(hasher, event, extractor.signup(event)))
    for key_event in keys:
        featurizer.api_key(key_event, 2.0)
        sig = extractor.api_key(key_event)
        ua = key_event.device.user_agent
        expected.append(
            ApiKeyKeys(
                account=key_event.account_id,
                ip=hasher("ip", sig.device.ip.normalized),
                ip_prefix=hasher("ip_prefix", sig.device.ip.prefix),
                device=hasher("device", sig.device.device_id),
                user_agent=hasher("user_agent", None if ua is None else (ua.strip() or None)),
            )
        )
    assert store.keys == expected


def test_replayed_stream_keys_match_the_plain_hasher() -> None:
    """Realistic identities (valid phones, cards, shared user agents): the same state keys."""
    from training.simulate import load_config, simulate  # noqa: PLC0415

    events = [r.event for r in islice(simulate(load_config(SMALL), seed=12), 3000)]
    hasher = Hasher(b"keys")
    store = _Recorder()
    featurizer = Featurizer(_extractor(), store, hasher)
    expected: list[SignupKeys] = []
    for event in events:
        if isinstance(event, SignupEvent):
            featurizer.signup(event, 1.0)
            expected.append(_ref_keys(hasher, event, _extractor().signup(event)))
    served = [k for k in store.keys if isinstance(k, SignupKeys)]
    for kind in ("phone_block", "card_bin", "identity", "user_agent", "email_shape"):
        assert sum(getattr(k, kind) is not None for k in served) > 100, kind
    assert served == expected


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=True)
        | st.sampled_from([math.nan, -0.0, 0.0, 1e308, 5e-324]),
        max_size=120,
    )
)
def test_journal_line_of_a_vector_equals_that_of_its_list(values: list[float]) -> None:
    """The scorer hands the decision log its vector as is: the same journal line, byte for byte."""
    from service.domain import Action, Decision, Reason  # noqa: PLC0415
    from service.store import DecisionRecord  # noqa: PLC0415
    from service.store.codec import encode  # noqa: PLC0415

    decision = Decision(
        decision_id="d",
        event_id="e",
        event_type=EventType.SIGNUP,
        account_id="a",
        action=Action.REVIEW,
        score=0.5,
        reasons=(Reason("X", "x", 1.0),),
        model_version="m",
        degraded=False,
        occurred_at=1.0,
        decided_at=2.0,
    )
    vector = np.array(values, dtype=np.float64)
    assert encode(DecisionRecord(decision, vector, "h")) == encode(
        DecisionRecord(decision, vector.tolist(), "h")
    )


def test_decision_ids_are_canonical_random_uuid4_strings() -> None:
    """The scorer's quick decision ids read back as version-4 RFC 4122 UUIDs, all distinct."""
    import uuid  # noqa: PLC0415

    from service.scoring import _uuid4  # noqa: PLC0415

    ids = [_uuid4() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
