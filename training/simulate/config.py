"""Simulator settings: frozen dataclasses, loaded from YAML or TOML and checked once.

Every key is documented in ``training/configs/default.yaml``. Unknown keys are errors, so a typo
never silently falls back to a default. ``default_config()`` loads that file; tests build
``SimConfig`` directly or load ``small.yaml``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from service.events import InputError

ARCHETYPES = (
    "datacenter_burst",
    "residential_proxy_farm",
    "slow_distillation",
    "adaptive",
    "sleeper_aging",
    "dormant_key_farm",
    "sim_farm",
    "aged_marketplace",
)
# Free-mail and domain recipes a campaign may mix (``email_styles``); see tactics.fraud_email.
EMAIL_STYLES = ("disposable", "templated", "catchall", "dots", "natural", "words")

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"

_DEFAULT_WEEKLY = (1.0, 1.05, 1.05, 1.0, 0.95, 0.75, 0.7)
# Local-time signup intensity by hour 0..23: quiet nights, a lunch bump, an evening peak.
_DEFAULT_DAILY = (
    0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.25, 0.45, 0.7, 0.9, 1.0, 1.05,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.2, 1.25, 1.15, 0.85, 0.5,
)  # fmt: skip


class ConfigError(ValueError):
    """A simulator config file is malformed or names an unknown key."""


@dataclass(frozen=True, slots=True)
class LegitConfig:
    """The organic legitimate population (see default.yaml for each key)."""

    signups_per_day: float = 700.0
    weekly_cycle: tuple[float, ...] = _DEFAULT_WEEKLY
    daily_cycle: tuple[float, ...] = _DEFAULT_DAILY
    growth_per_week: float = 0.0
    countries: tuple[tuple[str, float], ...] = ()
    phone_share: float = 0.7
    voip_share: float = 0.03
    card_share: float = 0.35
    prepaid_share: float = 0.07
    key_share: float = 0.6
    disposable_share: float = 0.006
    typo_share: float = 0.01
    plus_tag_share: float = 0.03
    handle_share: float = 0.14
    org_email_share: float = 0.16
    expat_share: float = 0.06
    device_id_missing_share: float = 0.04
    cellular_share: float = 0.3
    vpn_share: float = 0.0
    relay_share: float = 0.0
    form_fill_median_s: float = 34.0
    form_fill_sigma: float = 0.55
    autofill_share: float = 0.15
    form_fill_slow_share: float = 0.02
    form_fill_missing_share: float = 0.03
    first_key_seconds: float = 0.25
    first_key_minutes: float = 0.15
    first_key_hours: float = 0.2
    first_key_days: float = 0.4
    first_key_days_median: float = 3.5
    second_key_soon_share: float = 0.12
    key_same_device_share: float = 0.74
    key_same_ip_share: float = 0.71
    key_cli_share: float = 0.04


@dataclass(frozen=True, slots=True)
class HardNegativeConfig:
    """Legitimate cohorts that look risky on one signal or another."""

    hackathons: int = 4
    hackathon_size: tuple[int, int] = (25, 60)
    families: int = 200
    family_size: tuple[int, int] = (2, 4)
    privacy_relay_users: int = 500
    vpn_users: int = 600
    carrier_nat_users: int = 900
    carrier_nat_prefixes: int = 4
    carrier_nat_hosts: int = 4
    travellers: int = 400
    key_burst_developers: int = 150
    corporate_egress_users: int = 400
    corporate_egress_companies: int = 12
    campuses: int = 0
    campus_users: int = 0
    offices: int = 0
    office_users: int = 0
    hotels: int = 0
    hotel_guests: int = 0
    flash_crowds: int = 0
    flash_crowd_size: tuple[int, int] = (150, 400)
    flash_crowd_hours: float = 1.5
    flash_crowd_same_ua_share: float = 0.5
    flash_crowd_key_share: float = 0.7


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    """One fraud campaign; archetype-specific keys are ignored by the other archetypes."""

    archetype: str
    campaign_id: str
    size: int
    start_day: float
    duration_hours: float
    sophistication: float = 0.5
    target_countries: tuple[tuple[str, float], ...] = ()
    operator_country: str | None = None
    card_share: float | None = None
    card_pool: int | None = None
    max_ip_uses: int | None = None
    switch_after: int | None = None
    switch_after_hours: float | None = None
    switch_pause_hours: float = 24.0
    key_delay_days: float = 5.0
    key_burst_hours: float = 3.0
    key_bursts: int = 1
    ip_pool: int | None = None
    prefix_pool: int | None = None
    device_pool: int | None = None
    phone_pool: int | None = None
    keys_per_account: int | None = None
    flat_share: float | None = None
    switch_vpn_share: float = 0.7
    email_styles: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything ``simulate`` needs besides the seed."""

    start: datetime
    days: int
    legit: LegitConfig = field(default_factory=LegitConfig)
    hard_negatives: HardNegativeConfig = field(default_factory=HardNegativeConfig)
    campaigns: tuple[CampaignConfig, ...] = ()


def _num(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    return value


def _share(value: object, where: str) -> float:
    number = _num(value, where)
    if not 0.0 <= number <= 1.0:
        raise ConfigError(f"{where}: expected a share in [0, 1], got {number}")
    return number


def _weights(value: object, where: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping of country code to weight")
    out = tuple((str(k).upper(), _num(v, f"{where}.{k}")) for k, v in value.items())
    if any(w < 0 for _, w in out) or not any(w > 0 for _, w in out):
        raise ConfigError(f"{where}: weights must be >= 0 with at least one > 0")
    return out


def _pair(value: object, where: str) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ConfigError(f"{where}: expected [min, max]")
    low, high = _int(value[0], where), _int(value[1], where)
    if not 1 <= low <= high:
        raise ConfigError(f"{where}: expected 1 <= min <= max")
    return low, high


def _cycle(value: object, length: int, where: str) -> tuple[float, ...]:
    if not isinstance(value, list | tuple) or len(value) != length:
        raise ConfigError(f"{where}: expected a list of {length} numbers")
    out = tuple(_num(v, where) for v in value)
    if any(v < 0 for v in out) or sum(out) <= 0:
        raise ConfigError(f"{where}: weights must be >= 0 and not all zero")
    return out


def _styles(value: object, where: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping of style to weight")
    out = tuple((str(k), _num(v, f"{where}.{k}")) for k, v in value.items())
    unknown = [k for k, _ in out if k not in EMAIL_STYLES]
    if unknown:
        raise ConfigError(f"{where}: unknown style(s) {', '.join(unknown)}")
    if any(w < 0 for _, w in out) or not any(w > 0 for _, w in out):
        raise ConfigError(f"{where}: weights must be >= 0 with at least one > 0")
    return out


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name}: expected a mapping")
    return value


_LEGIT_NUMBERS = frozenset(
    (
        "form_fill_median_s",
        "form_fill_sigma",
        "first_key_seconds",
        "first_key_minutes",
        "first_key_hours",
        "first_key_days",
        "first_key_days_median",
    )
)
_CAMPAIGN_COUNTS = (
    "card_pool",
    "max_ip_uses",
    "switch_after",
    "key_bursts",
    "ip_pool",
    "prefix_pool",
    "device_pool",
    "phone_pool",
    "keys_per_account",
)


def _legit(data: Mapping[str, Any]) -> LegitConfig:
    _check_keys(data, {f.name for f in fields(LegitConfig)}, "legit")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        where = f"legit.{key}"
        if key == "weekly_cycle":
            kwargs[key] = _cycle(value, 7, where)
        elif key == "daily_cycle":
            kwargs[key] = _cycle(value, 24, where)
        elif key == "countries":
            kwargs[key] = _weights(value, where)
        elif key in ("signups_per_day", "growth_per_week"):
            kwargs[key] = _num(value, where)
        elif key in _LEGIT_NUMBERS:
            kwargs[key] = _num(value, where)
            if kwargs[key] < 0:
                raise ConfigError(f"{where}: must be >= 0")
        else:
            kwargs[key] = _share(value, where)
    out = LegitConfig(**kwargs)
    if out.signups_per_day < 0:
        raise ConfigError("legit.signups_per_day: must be >= 0")
    weights = (
        out.first_key_seconds,
        out.first_key_minutes,
        out.first_key_hours,
        out.first_key_days,
    )
    if sum(weights) <= 0:
        raise ConfigError("legit.first_key_*: at least one weight must be > 0")
    if out.form_fill_median_s <= 0 or out.first_key_days_median <= 0:
        raise ConfigError("legit: form_fill_median_s and first_key_days_median must be > 0")
    return out


def _hard_negatives(data: Mapping[str, Any]) -> HardNegativeConfig:
    _check_keys(data, {f.name for f in fields(HardNegativeConfig)}, "hard_negatives")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        where = f"hard_negatives.{key}"
        if key.endswith("_size"):
            kwargs[key] = _pair(value, where)
        elif key == "flash_crowd_hours":
            kwargs[key] = _num(value, where)
            if kwargs[key] <= 0:
                raise ConfigError(f"{where}: must be > 0")
        elif key in ("flash_crowd_same_ua_share", "flash_crowd_key_share"):
            kwargs[key] = _share(value, where)
        else:
            number = _int(value, where)
            if number < 0 or (key in ("carrier_nat_prefixes", "carrier_nat_hosts") and number < 1):
                raise ConfigError(f"{where}: out of range")
            kwargs[key] = number
    return HardNegativeConfig(**kwargs)


def _campaign(data: object, index: int, days: int) -> CampaignConfig:
    where = f"campaigns[{index}]"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    allowed = {f.name for f in fields(CampaignConfig)} | {"duration_days"}
    _check_keys(data, allowed, where)
    archetype = str(data.get("archetype", ""))
    if archetype not in ARCHETYPES:
        raise ConfigError(f"{where}.archetype: expected one of {', '.join(ARCHETYPES)}")
    if ("duration_hours" in data) == ("duration_days" in data):
        raise ConfigError(f"{where}: give exactly one of duration_hours, duration_days")
    hours = (
        _num(data["duration_hours"], f"{where}.duration_hours")
        if "duration_hours" in data
        else 24.0 * _num(data["duration_days"], f"{where}.duration_days")
    )
    start_day = _num(data.get("start_day", 0.0), f"{where}.start_day")
    size = _int(data.get("size"), f"{where}.size")
    if hours <= 0 or size < 0 or not 0 <= start_day < days:
        raise ConfigError(f"{where}: need size >= 0, duration > 0 and 0 <= start_day < days")
    kwargs: dict[str, Any] = {}
    for key in ("card_share", "sophistication", "flat_share", "switch_vpn_share"):
        if key in data:
            kwargs[key] = _share(data[key], f"{where}.{key}")
    for key in _CAMPAIGN_COUNTS:
        if data.get(key) is not None:
            kwargs[key] = _int(data[key], f"{where}.{key}")
            if kwargs[key] < 1:
                raise ConfigError(f"{where}.{key}: must be >= 1")
    for key in ("switch_pause_hours", "key_delay_days", "key_burst_hours", "switch_after_hours"):
        if data.get(key) is not None:
            kwargs[key] = _num(data[key], f"{where}.{key}")
            if kwargs[key] < 0:
                raise ConfigError(f"{where}.{key}: must be >= 0")
    if "email_styles" in data:
        kwargs["email_styles"] = _styles(data["email_styles"], f"{where}.email_styles")
    if "target_countries" in data:
        kwargs["target_countries"] = _weights(data["target_countries"], f"{where}.target")
    if data.get("operator_country") is not None:
        kwargs["operator_country"] = str(data["operator_country"]).upper()
    return CampaignConfig(
        archetype=archetype,
        campaign_id=str(data.get("campaign_id") or f"{archetype}-{index + 1}"),
        size=size,
        start_day=start_day,
        duration_hours=hours,
        **kwargs,
    )


def _start(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _start(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError as exc:
            raise ConfigError(f"start: not an ISO date {value!r}") from exc
    raise ConfigError("start: expected a date such as 2026-03-02")


def config_from_mapping(data: Mapping[str, Any]) -> SimConfig:
    """Build and check a ``SimConfig`` from already-parsed YAML/TOML data."""
    _check_keys(data, {"start", "days", "legit", "hard_negatives", "campaigns"}, "config")
    days = _int(data.get("days"), "days")
    if days < 1:
        raise ConfigError("days: must be >= 1")
    raw_campaigns = data.get("campaigns") or []
    if not isinstance(raw_campaigns, list):
        raise ConfigError("campaigns: expected a list")
    campaigns = tuple(_campaign(c, i, days) for i, c in enumerate(raw_campaigns))
    ids = [c.campaign_id for c in campaigns]
    if len(set(ids)) != len(ids):
        raise ConfigError("campaigns: campaign_id values must be unique")
    return SimConfig(
        start=_start(data.get("start")),
        days=days,
        legit=_legit(_section(data, "legit")),
        hard_negatives=_hard_negatives(_section(data, "hard_negatives")),
        campaigns=campaigns,
    )


def load_config(path: Path) -> SimConfig:
    """Read a simulator config from a ``.yaml``/``.yml`` or ``.toml`` file.

    Raises :class:`service.events.InputError` naming the file, the line (YAML) and the field.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, "", f"cannot read: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise InputError(path, None, "", "expected a .yaml, .yml or .toml file")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, line, "", f"not YAML: {getattr(exc, 'problem', exc)}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, "", f"not TOML: {exc}") from None
    if not isinstance(data, Mapping):
        raise InputError(path, 1, "", "top level must be a mapping")
    try:
        return config_from_mapping(data)
    except ConfigError as exc:
        field, _, message = str(exc).partition(": ")
        line = _yaml_line(text, field) if suffix in (".yaml", ".yml") else None
        raise InputError(path, line, field, message) from None


def _yaml_line(text: str, field: str) -> int | None:
    """1-based line of a dotted field path (``campaigns[0].archetype``) in YAML text."""
    node: Any = yaml.compose(text)
    steps = [p for p in re.split(r"\.|\[(\d+)\]", field) if p]
    line = None
    for step in steps:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == step), None)
            key = next((k for k, _ in node.value if k.value == step), None)
            if match is None or key is None:
                break
            line, node = key.start_mark.line + 1, match
        elif isinstance(node, yaml.SequenceNode) and step.isdigit() and int(step) < len(node.value):
            node = node.value[int(step)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def default_config() -> SimConfig:
    """The shipped ``training/configs/default.yaml``."""
    return load_config(CONFIG_DIR / "default.yaml")
