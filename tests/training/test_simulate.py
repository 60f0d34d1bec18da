"""The event simulator: determinism, ordering, truth labels, cohorts and their defining shapes."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from service.domain import ApiKeyEvent, CardFunding, SignupEvent
from service.events import StreamRecord, record_from_dict, record_to_dict
from training.simulate import (
    FRAUD_COHORTS,
    LEGIT_COHORTS,
    ConfigError,
    IpData,
    SimConfig,
    config_from_mapping,
    default_config,
    load_config,
    simulate,
)
from training.simulate.config import CONFIG_DIR
from training.simulate.tactics import WORDS

DATA = Path(__file__).resolve().parents[2] / "service" / "data" / "ip"
COMPUTE_CLOUDS = ("amazon", "digitalocean", "vultr", "linode", "oracle", "google", "microsoft")
RESIDENTIAL_COHORTS = (
    "organic",
    "hackathon_nat",
    "family_shared_device",
    "carrier_nat",
    "traveller",
)


@cache
def _networks(*files: str) -> frozenset[ipaddress.IPv4Network]:
    """IPv4 networks of some bundled list files (parsed with ipaddress, not the simulator)."""
    out = set()
    for name in files:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text and not text.startswith("#") and ":" not in text:
                out.add(ipaddress.IPv4Network(text, strict=False))
    return frozenset(out)


def _tor_exits() -> frozenset[ipaddress.IPv4Network]:
    lines = (DATA / "tor" / "exits.csv").read_text(encoding="utf-8").splitlines()[1:]
    addrs = (line.split(",")[1].strip() for line in lines if line.count(",") >= 2)
    return frozenset(ipaddress.IPv4Network(a) for a in addrs if a.count(".") == 3)


def _listed(ip: str, networks: frozenset[ipaddress.IPv4Network]) -> bool:
    return any(
        ipaddress.IPv4Network(f"{ip}/{bits}", strict=False) in networks for bits in range(4, 33)
    )


def _lines(records: Iterable[StreamRecord]) -> list[str]:
    return [json.dumps(record_to_dict(r), sort_keys=True) for r in records]


def _signups(records: Iterable[StreamRecord], cohort: str) -> list[SignupEvent]:
    out = []
    for r in records:
        if isinstance(r.event, SignupEvent) and r.truth is not None and r.truth.cohort == cohort:
            out.append(r.event)
    return out


@pytest.fixture(scope="module")
def ip_data() -> IpData:
    """The parsed IP lists, shared by every run in this module."""
    return IpData()


@pytest.fixture(scope="module")
def small() -> SimConfig:
    """The shipped small test config."""
    return load_config(CONFIG_DIR / "small.yaml")


@pytest.fixture(scope="module")
def stream(small: SimConfig, ip_data: IpData) -> list[StreamRecord]:
    """The small config simulated with seed 1."""
    return list(simulate(small, 1, ip_data))


def test_same_seed_gives_identical_records(
    small: SimConfig, ip_data: IpData, stream: list[StreamRecord]
) -> None:
    """Simulating the same config with the same seed gives byte-identical output."""
    assert _lines(simulate(small, 1, ip_data)) == _lines(stream)


def test_fresh_ip_data_gives_identical_records(
    small: SimConfig, stream: list[StreamRecord]
) -> None:
    """Sharing parsed IP data between runs does not change the output."""
    assert _lines(simulate(small, 1)) == _lines(stream)


def test_different_seed_gives_different_records(
    small: SimConfig, ip_data: IpData, stream: list[StreamRecord]
) -> None:
    """Another seed gives another stream."""
    other = _lines(simulate(small, 2, ip_data))
    assert other != _lines(stream)
    assert not set(other) & set(_lines(stream))


def test_events_are_time_ordered(stream: list[StreamRecord]) -> None:
    """Events come out in non-decreasing occurred_at order, all inside the configured window."""
    times = [r.event.occurred_at for r in stream]
    assert all(t is not None for t in times)
    assert times == sorted(times)  # type: ignore[type-var]  # checked not None above


def test_event_and_account_ids_are_unique(stream: list[StreamRecord]) -> None:
    """No event id repeats and no account signs up twice."""
    assert len({r.event.event_id for r in stream}) == len(stream)
    accounts = [r.event.account_id for r in stream if isinstance(r.event, SignupEvent)]
    assert len(set(accounts)) == len(accounts)


def test_every_record_has_a_known_truth(stream: list[StreamRecord]) -> None:
    """Each record is labelled, with a known cohort and a campaign id exactly when fraud."""
    for record in stream:
        truth = record.truth
        assert truth is not None
        if truth.label == "fraud":
            assert truth.cohort in FRAUD_COHORTS
            assert truth.campaign_id
        else:
            assert truth.label == "legitimate"
            assert truth.cohort in LEGIT_COHORTS
            assert truth.campaign_id is None


def test_every_configured_cohort_appears(small: SimConfig, stream: list[StreamRecord]) -> None:
    """Every archetype and campaign of the config and every legitimate cohort has signups."""
    seen = Counter(
        (r.truth.cohort, r.truth.campaign_id)
        for r in stream
        if isinstance(r.event, SignupEvent) and r.truth is not None
    )
    cohorts = {cohort for cohort, _ in seen}
    assert set(LEGIT_COHORTS) <= cohorts
    for campaign in small.campaigns:
        assert seen[(campaign.archetype, campaign.campaign_id)] > 0


def test_keys_follow_their_accounts_signup(stream: list[StreamRecord]) -> None:
    """Every API-key creation names an account that signed up earlier in the stream."""
    signed_up: dict[str, float] = {}
    keys = 0
    for record in stream:
        event = record.event
        if isinstance(event, SignupEvent):
            signed_up[event.account_id] = event.occurred_at or 0.0
        else:
            assert isinstance(event, ApiKeyEvent)
            assert event.account_id in signed_up
            assert (event.occurred_at or 0.0) > signed_up[event.account_id]
            keys += 1
    assert keys > 0


def test_datacenter_burst_ips_are_in_hosting_lists(stream: list[StreamRecord]) -> None:
    """datacenter_burst signs up from addresses in the bundled datacenter or cloud lists."""
    lists = _networks(
        "hosting/datacenter_ipv4.txt", *(f"cloud/{c}_ipv4.txt" for c in COMPUTE_CLOUDS)
    )
    ips = {e.device.ip for e in _signups(stream, "datacenter_burst")}
    assert ips
    assert all(ip is not None and _listed(ip, lists) for ip in ips)


def test_residential_ips_are_in_no_list(stream: list[StreamRecord]) -> None:
    """Legitimate home, campus and mobile addresses are in no datacenter/VPN/cloud/Tor list."""
    files = ["hosting/datacenter_ipv4.txt", "hosting/vpn_ipv4.txt"]
    files += [f"cloud/{p.name}" for p in sorted((DATA / "cloud").glob("*_ipv4.txt"))]
    lists = _networks(*files) | _tor_exits()
    ips = {e.device.ip for c in RESIDENTIAL_COHORTS for e in _signups(stream, c)}
    assert len(ips) > 200
    assert not [ip for ip in ips if ip is None or _listed(ip, lists)]


def test_proxy_farm_shares_a_few_prepaid_cards(
    small: SimConfig, stream: list[StreamRecord]
) -> None:
    """The proxy farm reuses a small pool of prepaid card fingerprints across many accounts."""
    farm = next(c for c in small.campaigns if c.archetype == "residential_proxy_farm")
    payments = [e.payment for e in _signups(stream, "residential_proxy_farm") if e.payment]
    uses = Counter(p.card_fingerprint for p in payments)
    assert len(uses) <= (farm.card_pool or 8)
    assert max(uses.values()) >= 5
    prepaid = sum(p.card_funding == CardFunding.PREPAID for p in payments)
    assert prepaid >= 0.8 * len(payments)


def test_slow_distillation_keeps_every_ip_and_device_cold(stream: list[StreamRecord]) -> None:
    """slow_distillation uses no address 4+ times (signups and keys), nor device at signup."""
    events = [r.event for r in stream if r.truth and r.truth.cohort == "slow_distillation"]
    ips = Counter(e.device.ip for e in events)
    signups = _signups(stream, "slow_distillation")
    devices = Counter(e.device.device_id for e in signups if e.device.device_id)
    assert max(ips.values()) <= 3
    assert max(devices.values()) <= 3


def test_slow_distillation_mints_a_key_soon_after_every_signup(stream: list[StreamRecord]) -> None:
    """Nearly every slow_distillation account creates a key within the hour after signing up."""
    first_key: dict[str, float] = {}
    for r in stream:
        if isinstance(r.event, ApiKeyEvent):
            first_key.setdefault(r.event.account_id, r.event.occurred_at or 0.0)
    signups = _signups(stream, "slow_distillation")
    soon = [e for e in signups if first_key.get(e.account_id, 1e20) - (e.occurred_at or 0) < 3600]
    assert len(soon) >= 0.9 * len(signups)


def test_most_legitimate_phones_are_valid(stream: list[StreamRecord], ip_data: IpData) -> None:
    """Most organic phones are valid numbers, national forms read with card or IP country hints."""
    signups = [e for e in _signups(stream, "organic") if e.identity.phone]
    valid = 0
    for event in signups:
        card = event.payment.card_country if event.payment else None
        ip_country = ip_data.country(event.device.ip or "")
        for region in dict.fromkeys((None, card, ip_country)):
            try:
                number = phonenumbers.parse(event.identity.phone or "", region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                valid += 1
                break
    assert valid >= 0.85 * len(signups)


def test_records_round_trip_through_json(stream: list[StreamRecord]) -> None:
    """Every record survives record_to_dict -> JSON -> record_from_dict unchanged."""
    for record in stream:
        line = json.loads(json.dumps(record_to_dict(record)))
        assert record_from_dict(line) == record


@pytest.mark.parametrize(
    "held_out", ["slow_distillation", "dormant_key_farm", "sim_farm", "aged_marketplace"]
)
def test_holding_out_a_campaign_leaves_the_rest_unchanged(
    small: SimConfig, ip_data: IpData, stream: list[StreamRecord], held_out: str
) -> None:
    """Dropping a campaign from the config removes its events and changes no other event."""
    config = dataclasses.replace(
        small, campaigns=tuple(c for c in small.campaigns if c.archetype != held_out)
    )
    expected = [r for r in stream if r.truth is None or r.truth.cohort != held_out]
    assert _lines(simulate(config, 1, ip_data)) == _lines(expected)


def test_default_config_loads() -> None:
    """The shipped default config parses and configures every archetype."""
    config = default_config()
    assert {c.archetype for c in config.campaigns} == set(FRAUD_COHORTS)
    assert config.days >= 14


def test_toml_config_loads_like_yaml(tmp_path: Path) -> None:
    """A TOML file gives the same settings as the equivalent YAML file."""
    body = {"start": "2026-03-02", "days": 3, "legit": {"signups_per_day": 10}}
    campaign = {"archetype": "adaptive", "size": 5, "start_day": 1, "duration_hours": 6}
    (tmp_path / "c.yaml").write_text(
        json.dumps({**body, "campaigns": [campaign]}), encoding="utf-8"
    )
    (tmp_path / "c.toml").write_text(
        'start = "2026-03-02"\ndays = 3\n[legit]\nsignups_per_day = 10\n'
        '[[campaigns]]\narchetype = "adaptive"\nsize = 5\nstart_day = 1\nduration_hours = 6\n',
        encoding="utf-8",
    )
    assert load_config(tmp_path / "c.toml") == load_config(tmp_path / "c.yaml")


@pytest.mark.parametrize(
    "change",
    [
        {"dayz": 3},
        {"legit": {"signups_per_dya": 5}},
        {"campaigns": [{"archetype": "nope", "size": 1, "start_day": 0, "duration_hours": 1}]},
        {"campaigns": [{"archetype": "adaptive", "size": 1, "start_day": 0}]},
        {"legit": {"phone_share": 1.5}},
    ],
)
def test_config_rejects_mistakes(change: dict[str, object]) -> None:
    """Unknown keys, unknown archetypes, missing durations and out-of-range shares are errors."""
    with pytest.raises(ConfigError):
        config_from_mapping({"start": "2026-03-02", "days": 3, **change})


def _campaign_events(stream: list[StreamRecord], cohort: str) -> list[StreamRecord]:
    return [r for r in stream if r.truth is not None and r.truth.cohort == cohort]


def _first_keys(stream: Iterable[StreamRecord]) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in stream:
        if isinstance(r.event, ApiKeyEvent):
            out.setdefault(r.event.account_id, r.event.occurred_at or 0.0)
    return out


def _is_words(local: str) -> bool:
    """Whether a local part is dictionary words (and digits, dots, underscores) only."""
    text = "".join(c for c in local.lower() if c.isalpha())
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(
            reachable[end - len(w)] and text.endswith(w, 0, end) for w in WORDS if len(w) <= end
        )
    return bool(text) and reachable[-1]


def test_dormant_key_farm_mints_late_keys_from_a_few_hosting_ips(
    small: SimConfig, stream: list[StreamRecord]
) -> None:
    """dormant_key_farm signs up from many home addresses, then keys come late from a few DC IPs."""
    farm = next(c for c in small.campaigns if c.archetype == "dormant_key_farm")
    events = _campaign_events(stream, "dormant_key_farm")
    signups = [r.event for r in events if isinstance(r.event, SignupEvent)]
    keys = [r.event for r in events if isinstance(r.event, ApiKeyEvent)]
    assert signups
    assert keys
    last_signup = max(e.occurred_at or 0.0 for e in signups)
    assert min(e.occurred_at or 0.0 for e in keys) >= last_signup + farm.key_delay_days * 86_400
    assert len({e.device.ip for e in signups}) >= 0.9 * len(signups)
    key_ips = {e.device.ip for e in keys}
    assert len(key_ips) <= 6
    lists = _networks(
        "hosting/datacenter_ipv4.txt",
        *(f"cloud/{p.name}" for p in sorted((DATA / "cloud").glob("*_ipv4.txt"))),
    )
    assert all(ip is not None and _listed(ip, lists) for ip in key_ips)


def test_sim_farm_uses_sequential_numbers_handsets_and_carrier_nat(
    stream: list[StreamRecord],
) -> None:
    """sim_farm phones come from one sequential block, on a few handsets and carrier /24s."""
    signups = _signups(stream, "sim_farm")
    numbers = [phonenumbers.parse(e.identity.phone or "", "US") for e in signups]
    assert len({n.country_code for n in numbers}) == 1
    national = sorted(n.national_number or 0 for n in numbers)
    assert national[-1] - national[0] < 5 * len(national)
    prefixes = {(e.device.ip or "").rsplit(".", 1)[0] for e in signups}
    assert len(prefixes) <= 4
    assert all(e.device.user_agent and "Mobile" in e.device.user_agent for e in signups)
    first_key = _first_keys(stream)
    soon = [e for e in signups if first_key.get(e.account_id, 1e20) - (e.occurred_at or 0) < 3600]
    assert len(soon) >= 0.9 * len(signups)


def test_adaptive_moves_to_vpn_exits_and_word_mail_after_the_switch(
    small: SimConfig, stream: list[StreamRecord]
) -> None:
    """After its first burst, adaptive signs up mostly from VPN exits with word-based free mail."""
    adaptive = next(c for c in small.campaigns if c.archetype == "adaptive")
    signups = sorted(_signups(stream, "adaptive"), key=lambda e: e.occurred_at or 0.0)
    later = signups[adaptive.switch_after or 0 :]
    assert len(later) >= 20
    vpn = _networks("hosting/vpn_ipv4.txt", "cloud/protonvpn_ipv4.txt")
    on_vpn = sum(1 for e in later if e.device.ip and _listed(e.device.ip, vpn))
    assert on_vpn >= 0.5 * len(later)
    words = sum(1 for e in later if _is_words((e.identity.email or "").split("@")[0]))
    assert words >= 0.3 * len(later)
    early = signups[: adaptive.switch_after or 0]
    assert not [e for e in early if e.device.ip and _listed(e.device.ip, vpn)]


def test_aged_marketplace_activates_old_accounts_through_a_few_exits(
    small: SimConfig, stream: list[StreamRecord]
) -> None:
    """aged_marketplace keys come days after each signup, from few exits and browser profiles."""
    market = next(c for c in small.campaigns if c.archetype == "aged_marketplace")
    events = _campaign_events(stream, "aged_marketplace")
    signed_up = {
        r.event.account_id: r.event.occurred_at or 0.0
        for r in events
        if isinstance(r.event, SignupEvent)
    }
    keys = [r.event for r in events if isinstance(r.event, ApiKeyEvent)]
    assert len(keys) >= 10
    ages = [(k.occurred_at or 0.0) - signed_up[k.account_id] for k in keys]
    assert min(ages) >= market.key_delay_days * 86_400
    assert len({k.device.ip for k in keys}) <= 8
    assert len({k.device.device_id for k in keys}) <= 3
    assert len({k.account_id for k in keys}) >= 10


def test_flash_crowd_rushes_in_on_one_browser_and_makes_keys_at_once(
    stream: list[StreamRecord],
) -> None:
    """A flash crowd signs up within hours, largely on one browser string, many keys in minutes."""
    signups = _signups(stream, "flash_crowd")
    assert len(signups) >= 20
    times = [e.occurred_at or 0.0 for e in signups]
    assert max(times) - min(times) <= 1.5 * 3600
    top = Counter(e.device.user_agent for e in signups).most_common(1)[0][1]
    assert top >= 0.3 * len(signups)
    first_key = _first_keys(stream)
    quick = [e for e in signups if first_key.get(e.account_id, 1e20) - (e.occurred_at or 0) < 300]
    assert len(quick) >= 0.3 * len(signups)


def _organic_only(small: SimConfig, **legit: Any) -> SimConfig:
    nobody: dict[str, Any] = {
        f.name: 0 for f in dataclasses.fields(small.hard_negatives) if f.type == "int"
    }
    return dataclasses.replace(
        small,
        legit=dataclasses.replace(small.legit, **legit),
        hard_negatives=dataclasses.replace(small.hard_negatives, **nobody),
        campaigns=(),
    )


def test_first_key_mixture_follows_the_config(small: SimConfig, ip_data: IpData) -> None:
    """With all weight on "straight away", organic first keys come within a few minutes."""
    config = _organic_only(
        small, first_key_seconds=1.0, first_key_minutes=0.0, first_key_hours=0.0, first_key_days=0.0
    )
    records = list(simulate(config, 4, ip_data))
    first_key = _first_keys(records)
    delays = [
        first_key[e.account_id] - (e.occurred_at or 0.0)
        for e in _signups(records, "organic")
        if e.account_id in first_key
    ]
    assert len(delays) > 100
    assert sum(d < 180 for d in delays) >= 0.97 * len(delays)


def test_autofill_share_fills_the_form_in_seconds(small: SimConfig, ip_data: IpData) -> None:
    """With autofill_share 1 every organic form that reports a time took 1 to 4 seconds."""
    config = _organic_only(small, autofill_share=1.0, form_fill_missing_share=0.0)
    fills = [e.behavior.form_fill_ms for e in _signups(simulate(config, 4, ip_data), "organic")]
    browser_fills = [f for f in fills if f is not None]
    assert len(browser_fills) >= 0.9 * len(fills)
    assert all(1_000 <= f <= 4_000 for f in browser_fills)


@pytest.mark.parametrize(
    "change",
    [
        {"legit": {"first_key_seconds": 0, "first_key_minutes": 0, "first_key_hours": 0,
                   "first_key_days": 0}},
        {"legit": {"form_fill_median_s": -1}},
        {"hard_negatives": {"flash_crowd_key_share": 2}},
        {"campaigns": [{"archetype": "sim_farm", "size": 5, "start_day": 0, "duration_hours": 1,
                        "email_styles": {"fancy": 1}}]},
        {"campaigns": [{"archetype": "dormant_key_farm", "size": 5, "start_day": 0,
                        "duration_hours": 1, "ip_pool": 0}]},
    ],
)  # fmt: skip
def test_config_rejects_bad_priors(change: dict[str, object]) -> None:
    """All-zero first-key weights, negative times, bad shares, styles and pools are errors."""
    with pytest.raises(ConfigError):
        config_from_mapping({"start": "2026-03-02", "days": 3, **change})
