"""Randomised worlds: every behavioural prior drawn per world from a range.

A model trained in one simulated world learns that world's assumptions. Here each world draws
its legitimate priors (time to first key, form-fill time, autofill, VPN use, ...), its
hard-negative cohort sizes and a random set of campaigns (archetype, size, timing, pools,
tactics) from ranges in ``training/configs/worlds.yaml``. That file holds a ``train`` range
set and a ``shifted`` one whose priors lie partly outside the training ranges, so evaluation on
shifted worlds cannot flatter.

Public API::

    load_world_ranges(path=None) -> dict[str, WorldRanges]     # "train", "shifted", ...
    world_ranges(name="train", path=None) -> WorldRanges
    draw_world(ranges, seed, *, days=28, scale=1.0, archetypes=None, start=None) -> SimConfig
    outside_priors(inner, outer) -> tuple[str, ...]            # priors whose ranges are disjoint
    prior_table(train, shifted) -> list[PriorRow]              # for reports
    ARCHETYPE_FAMILIES                                         # families to hold out together

A draw is deterministic for (ranges, seed, days, scale, archetypes, start). Legitimate priors,
hard negatives and each campaign use their own generator, so restricting ``archetypes`` changes
the campaigns only, never the legitimate part of the world. Every drawn world goes through
``config_from_mapping``, so it obeys the same checks as a hand-written config.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import yaml

from training.simulate.config import (
    ARCHETYPES,
    CONFIG_DIR,
    EMAIL_STYLES,
    CampaignConfig,
    ConfigError,
    HardNegativeConfig,
    LegitConfig,
    SimConfig,
    config_from_mapping,
)
from training.simulate.locales import COUNTRIES

WORLDS_PATH: Final = CONFIG_DIR / "worlds.yaml"
# Archetypes that share a playbook; leave-family-out evaluation holds a whole family out.
ARCHETYPE_FAMILIES: Final[Mapping[str, tuple[str, ...]]] = {
    "bulk": ("datacenter_burst", "adaptive"),
    "proxy": ("residential_proxy_farm", "slow_distillation"),
    "dormant": ("sleeper_aging", "dormant_key_farm"),
    "device": ("sim_farm",),
    "resale": ("aged_marketplace",),
}
# Hard-negative fields that count people scale with ``scale * days / 28``; counts of events
# (hackathons, launches) with ``days / 28`` only, since an event's size does not shrink with
# the population (flash crowds' sizes follow ``scale``).
_SCALED_COHORTS = frozenset(
    (
        "families",
        "privacy_relay_users",
        "vpn_users",
        "carrier_nat_users",
        "travellers",
        "key_burst_developers",
        "corporate_egress_users",
        "campus_users",
        "office_users",
        "hotel_guests",
    )
)
_SCALED_EVENTS = frozenset(("hackathons", "flash_crowds"))
_DORMANT = frozenset(("sleeper_aging", "dormant_key_farm", "aged_marketplace"))
# Markets a focused campaign aims at (one or two of them), by how often they are targeted.
_FOCUS_MARKETS = (
    ("US", 30), ("GB", 8), ("DE", 7), ("IN", 7), ("BR", 6), ("FR", 5), ("JP", 5), ("CA", 5),
    ("KR", 4), ("AU", 4), ("ES", 3), ("IT", 3), ("NL", 3), ("MX", 3), ("ID", 3), ("PL", 2),
)  # fmt: skip
_REFERENCE_DAYS = 28
_NOT_DRAWN_LEGIT = frozenset(("weekly_cycle", "daily_cycle", "countries"))
_NOT_DRAWN_CAMPAIGN = frozenset(
    (
        "archetype",
        "campaign_id",
        "start_day",
        "target_countries",
        "operator_country",
        "email_styles",
    )
)


@dataclass(frozen=True, slots=True)
class Range:
    """Closed interval a prior is drawn from (uniformly, or log-uniformly when ``log``)."""

    low: float
    high: float
    log: bool = False

    def draw(self, rng: random.Random) -> float:
        """One value from the interval."""
        if self.low == self.high:
            return self.low
        if self.log:
            return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        return rng.uniform(self.low, self.high)

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high

    def disjoint(self, other: Range) -> bool:
        """Whether the two intervals share no point."""
        return self.high < other.low or other.high < self.low

    def __str__(self) -> str:
        text = f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"
        return text + (" (log)" if self.log else "")


@dataclass(frozen=True, slots=True)
class ArchetypeRanges:
    """How likely an archetype is per campaign, and the ranges of its settings."""

    weight: float
    settings: Mapping[str, Range]
    email_styles: Mapping[str, Range] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorldRanges:
    """One named range set: where every drawn prior of a world comes from."""

    name: str
    legit: Mapping[str, Range]
    hard_negatives: Mapping[str, Range]
    campaigns: Range
    archetypes: Mapping[str, ArchetypeRanges]
    focus_share: Range = Range(0.0, 0.0)

    def priors(self) -> dict[str, Range]:
        """Every range by a dotted name: ``legit.x``, ``hard_negatives.x``, ``<archetype>.x``."""
        out = {f"legit.{k}": v for k, v in self.legit.items()}
        out |= {f"hard_negatives.{k}": v for k, v in self.hard_negatives.items()}
        out["campaigns.count"] = self.campaigns
        out["campaigns.focus_share"] = self.focus_share
        for name, arch in self.archetypes.items():
            out[f"{name}.weight"] = Range(arch.weight, arch.weight)
            out |= {f"{name}.{k}": v for k, v in arch.settings.items()}
            out |= {f"{name}.email_styles.{k}": v for k, v in arch.email_styles.items()}
        return out


@dataclass(frozen=True, slots=True)
class PriorRow:
    """One prior with its train and shifted ranges (for the report)."""

    prior: str
    train: Range | None
    shifted: Range | None
    outside: bool


def _default(cls: type, name: str) -> Any:
    """A dataclass field's default (slotted classes have no class attribute for it)."""
    return next(f.default for f in fields(cls) if f.name == name)


def _integer_fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls) if str(f.type) in ("int", "int | None"))


_INTS: Final = {
    "legit": _integer_fields(LegitConfig),
    "hard_negatives": _integer_fields(HardNegativeConfig),
    "campaign": _integer_fields(CampaignConfig),
}


def _range(value: object, where: str) -> Range:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number or [low, high] (optionally 'log')")
    if isinstance(value, int | float):
        return Range(float(value), float(value))
    if isinstance(value, list | tuple) and len(value) in (2, 3):
        low, high = value[0], value[1]
        log = len(value) == 3
        if log and value[2] != "log":
            raise ConfigError(f"{where}: the third item may only be 'log'")
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (low, high)):
            raise ConfigError(f"{where}: bounds must be numbers")
        if low > high or (log and low <= 0):
            raise ConfigError(f"{where}: need low <= high (and low > 0 for 'log')")
        return Range(float(low), float(high), log)
    raise ConfigError(f"{where}: expected a number or [low, high] (optionally 'log')")


def _ranges(data: object, allowed: Collection[str], where: str) -> dict[str, Range]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown or non-drawable key(s) {', '.join(map(str, unknown))}")
    return {str(k): _range(v, f"{where}.{k}") for k, v in data.items()}


# Not a LegitConfig field: the log-scale spread by which a world's country mix departs from the
# built-in one (0: the built-in mix; 1: weights vary about e-fold either way).
_COUNTRY_SPREAD = "country_spread"
_LEGIT_KEYS = (frozenset(f.name for f in fields(LegitConfig)) - _NOT_DRAWN_LEGIT) | {
    _COUNTRY_SPREAD
}
_HARD_KEYS = frozenset(
    f.name for f in fields(HardNegativeConfig) if str(f.type) != "tuple[int, int]"
)
_CAMPAIGN_KEYS = (frozenset(f.name for f in fields(CampaignConfig)) - _NOT_DRAWN_CAMPAIGN) | {
    "duration_days"
}


def _archetypes(data: object, where: str) -> dict[str, ArchetypeRanges]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of archetype to settings")
    out: dict[str, ArchetypeRanges] = {}
    for name, body in data.items():
        here = f"{where}.{name}"
        if name not in ARCHETYPES:
            raise ConfigError(
                f"{here}: unknown archetype (expected one of {', '.join(ARCHETYPES)})"
            )
        if not isinstance(body, Mapping):
            raise ConfigError(f"{here}: expected a mapping")
        own = {k: v for k, v in body.items() if k not in ("weight", "email_styles")}
        settings = _ranges(own, _CAMPAIGN_KEYS, here)
        styles = _ranges(body.get("email_styles"), EMAIL_STYLES, f"{here}.email_styles")
        if "size" not in settings or ("duration_hours" in settings) == (
            "duration_days" in settings
        ):
            raise ConfigError(f"{here}: need size and exactly one of duration_hours, duration_days")
        weight = _range(body.get("weight", 1.0), f"{here}.weight")
        if weight.low != weight.high or weight.low < 0:
            raise ConfigError(f"{here}.weight: expected one number >= 0")
        out[str(name)] = ArchetypeRanges(weight.low, settings, styles)
    return out


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``, mapping by mapping (lists and numbers replace)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _world_ranges(name: str, data: Mapping[str, Any]) -> WorldRanges:
    unknown = sorted(set(data) - {"legit", "hard_negatives", "campaigns"})
    if unknown:
        raise ConfigError(f"{name}: unknown key(s) {', '.join(unknown)}")
    campaigns = data.get("campaigns") or {}
    if not isinstance(campaigns, Mapping):
        raise ConfigError(f"{name}.campaigns: expected a mapping")
    extra = sorted(set(campaigns) - {"count", "focus_share", "archetypes"})
    if extra:
        raise ConfigError(f"{name}.campaigns: unknown key(s) {', '.join(extra)}")
    count = _range(campaigns.get("count", 0), f"{name}.campaigns.count")
    return WorldRanges(
        name=name,
        legit=_ranges(data.get("legit"), _LEGIT_KEYS, f"{name}.legit"),
        hard_negatives=_ranges(data.get("hard_negatives"), _HARD_KEYS, f"{name}.hard_negatives"),
        campaigns=count,
        focus_share=_range(campaigns.get("focus_share", 0.0), f"{name}.campaigns.focus_share"),
        archetypes=_archetypes(campaigns.get("archetypes") or {}, f"{name}.campaigns.archetypes"),
    )


def load_world_ranges(path: Path | None = None) -> dict[str, WorldRanges]:
    """Every range set in a worlds file (default ``training/configs/worlds.yaml``).

    A set may say ``extends: <other set>`` and then lists only what differs.
    """
    path = path or WORLDS_PATH
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: top level must be a mapping of range-set names")
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
        if name in seen:
            raise ConfigError(f"{path}: 'extends' cycle through {name}")
        body = data.get(name)
        if not isinstance(body, Mapping):
            raise ConfigError(f"{path}: range set {name!r} is missing or not a mapping")
        if name not in resolved:
            parent = body.get("extends")
            own = {k: v for k, v in body.items() if k != "extends"}
            resolved[name] = (
                _merge(resolve(str(parent), (*seen, name)), own) if parent is not None else own
            )
        return resolved[name]

    return {str(name): _world_ranges(str(name), resolve(str(name), ())) for name in data}


def world_ranges(name: str = "train", path: Path | None = None) -> WorldRanges:
    """One named range set from the worlds file."""
    sets = load_world_ranges(path)
    if name not in sets:
        raise ConfigError(f"no range set {name!r} (have {', '.join(sorted(sets))})")
    return sets[name]


def _value(rng: random.Random, span: Range, integer: bool) -> float | int:
    value = span.draw(rng)
    return round(value) if integer else round(value, 6)


def _draw_section(
    rng: random.Random, ranges: Mapping[str, Range], integers: frozenset[str]
) -> dict[str, Any]:
    return {key: _value(rng, ranges[key], key in integers) for key in sorted(ranges)}


def _campaign(
    rng: random.Random,
    archetype: str,
    arch: ArchetypeRanges,
    index: int,
    days: int,
    scale: float,
    focus: float,
) -> dict[str, Any]:
    body = _draw_section(rng, arch.settings, _INTS["campaign"])
    styles = _draw_section(rng, arch.email_styles, frozenset())
    if any(w > 0 for w in styles.values()):
        body["email_styles"] = styles
    if rng.random() < focus:
        markets = rng.sample([m for m, _ in _FOCUS_MARKETS], k=8)
        picked = rng.choices(markets, weights=[dict(_FOCUS_MARKETS)[m] for m in markets], k=2)
        body["target_countries"] = {m: rng.uniform(1.0, 3.0) for m in dict.fromkeys(picked)}
    body["size"] = max(5, round(body["size"] * scale))
    if "switch_after" in body:  # a count of accounts, like size
        body["switch_after"] = max(1, round(body["switch_after"] * scale))
    hours = body.get("duration_hours", 24.0 * body.get("duration_days", 1.0))
    tail = hours / 24.0
    if archetype in _DORMANT:
        delay = body.get("key_delay_days", _default(CampaignConfig, "key_delay_days"))
        tail += delay + max(1, body.get("key_bursts", 1)) + 0.5
    latest = max(0.0, min(days - 0.5, days - tail))
    return {
        "archetype": archetype,
        "campaign_id": f"{archetype}-{index + 1}",
        "start_day": round(rng.uniform(0.0, latest), 4),
        **body,
    }


def draw_world(
    ranges: WorldRanges,
    seed: int,
    *,
    days: int = _REFERENCE_DAYS,
    scale: float = 1.0,
    archetypes: Collection[str] | None = None,
    start: datetime | None = None,
) -> SimConfig:
    """One concrete world drawn from ``ranges``: legit priors, cohort sizes and campaigns.

    ``scale`` multiplies signups per day, people-counting cohort sizes and campaign sizes
    (0.25 gives a world a quarter the size; the ranges are written for 28 days at scale 1,
    and counts follow ``days / 28``). ``archetypes`` restricts which archetypes campaigns are
    drawn from (None: every archetype with a range entry); the legitimate part of the world
    does not depend on it. ``start`` defaults to a drawn day in 2026.
    """
    if days < 1 or scale <= 0:
        raise ConfigError("draw_world: need days >= 1 and scale > 0")
    allowed = list(ranges.archetypes) if archetypes is None else list(archetypes)
    unknown = sorted(set(allowed) - set(ARCHETYPES))
    if unknown:
        raise ConfigError(f"draw_world: unknown archetype(s) {', '.join(unknown)}")
    pool = [(a, ranges.archetypes[a]) for a in allowed if a in ranges.archetypes]
    pool = [(a, r) for a, r in pool if r.weight > 0]
    factor = scale * days / _REFERENCE_DAYS

    rng = random.Random(f"world:{ranges.name}:{seed}:start")
    if start is None:
        start = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=rng.randrange(300))
    legit = _draw_section(
        random.Random(f"world:{ranges.name}:{seed}:legit"), ranges.legit, _INTS["legit"]
    )
    if "signups_per_day" in legit:
        legit["signups_per_day"] = round(legit["signups_per_day"] * scale, 3)
    spread = legit.pop(_COUNTRY_SPREAD, 0.0)
    if spread > 0:
        crng = random.Random(f"world:{ranges.name}:{seed}:countries")
        legit["countries"] = {
            c.code: round(c.weight * math.exp(crng.gauss(0.0, spread)), 6)
            for c in COUNTRIES.values()
        }
    hard = _draw_section(
        random.Random(f"world:{ranges.name}:{seed}:hard_negatives"),
        ranges.hard_negatives,
        _INTS["hard_negatives"],
    )
    for key in _SCALED_COHORTS & set(hard):
        hard[key] = round(hard[key] * factor)
    for key in _SCALED_EVENTS & set(hard):
        hard[key] = round(hard[key] * days / _REFERENCE_DAYS)
    crowd = _default(HardNegativeConfig, "flash_crowd_size")
    hard["flash_crowd_size"] = [max(1, round(crowd[0] * scale)), max(1, round(crowd[1] * scale))]

    campaigns: list[dict[str, Any]] = []
    count_rng = random.Random(f"world:{ranges.name}:{seed}:campaigns")
    count = round(ranges.campaigns.draw(count_rng) * days / _REFERENCE_DAYS) if pool else 0
    focus = ranges.focus_share.draw(count_rng)
    if pool and ranges.campaigns.high > 0:
        count = max(1, count)
    for index in range(count):
        crng = random.Random(
            f"world:{ranges.name}:{seed}:campaign:{index}:{','.join(sorted(a for a, _ in pool))}"
        )
        archetype = crng.choices([a for a, _ in pool], weights=[r.weight for _, r in pool])[0]
        campaigns.append(
            _campaign(crng, archetype, ranges.archetypes[archetype], index, days, scale, focus)
        )
    return config_from_mapping(
        {
            "start": start,
            "days": days,
            "legit": legit,
            "hard_negatives": hard,
            "campaigns": campaigns,
        }
    )


def outside_priors(inner: WorldRanges, outer: WorldRanges) -> tuple[str, ...]:
    """Dotted names of priors whose ``outer`` range shares no value with the ``inner`` one."""
    mine, theirs = inner.priors(), outer.priors()
    return tuple(sorted(k for k, v in theirs.items() if k in mine and v.disjoint(mine[k])))


def prior_table(train: WorldRanges, shifted: WorldRanges) -> list[PriorRow]:
    """Every prior with its train and shifted ranges, marked when the two are disjoint."""
    a, b = train.priors(), shifted.priors()
    rows = []
    for key in sorted(set(a) | set(b)):
        left, right = a.get(key), b.get(key)
        outside = left is not None and right is not None and left.disjoint(right)
        rows.append(PriorRow(key, left, right, outside))
    return rows
