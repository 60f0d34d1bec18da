"""One simulation run's shared context: seeded generators, pools, clock and record builders.

Each cohort and each campaign draws from its own generator, seeded from the run seed and its
name, so adding or removing a campaign leaves every other cohort's events byte-identical.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from disposable_email_domains import blocklist

from service.domain import ApiKeyEvent, Behavior, Device, Identity, Payment, SignupEvent
from service.events import StreamRecord, Truth
from training.simulate.agents import Agent
from training.simulate.config import SimConfig
from training.simulate.identities import NameBook
from training.simulate.locales import COUNTRIES, Country
from training.simulate.names import COMPANY_SUFFIXES, COMPANY_WORDS, PLACE_WORDS
from training.simulate.network import IpData, Network
from training.simulate.payments import CardIssuers
from training.simulate.phones import PhoneBook

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
_WELL_KNOWN_DISPOSABLE = (
    "10minutemail.com", "guerrillamail.com", "mailinator.com", "temp-mail.org", "yopmail.com",
    "sharklasers.com", "maildrop.cc", "trashmail.com", "getnada.com", "dispostable.com",
    "throwawaymail.com", "emailondeck.com", "mohmal.com", "tempail.com", "mailcatch.com",
)  # fmt: skip
_EDU = {
    "US": "{w}.edu",
    "GB": "{w}.ac.uk",
    "AU": "{w}.edu.au",
    "JP": "{w}-u.ac.jp",
    "IN": "{w}.ac.in",
    "DE": "uni-{w}.de",
    "FR": "univ-{w}.fr",
    "KR": "{w}.ac.kr",
    "CN": "{w}.edu.cn",
    "BR": "{w}.edu.br",
    "CA": "{w}u.ca",
    "NL": "{w}.nl",
}


@dataclass(frozen=True, slots=True)
class Organisation:
    """A company or school with its own mail domain."""

    domain: str
    country: str
    school: bool


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything one signup form carries, before it gets ids and a time."""

    country: Country
    email: str | None
    phone: str | None
    full_name: str | None
    agent: Agent
    device_id: str | None
    ip: str | None
    timezone: str | None
    accept_language: str | None
    payment: Payment | None
    form_fill_ms: int | None

    def device(self) -> Device:
        """The device block of this draft's events."""
        return Device(
            ip=self.ip,
            user_agent=self.agent.user_agent,
            device_id=self.device_id,
            accept_language=self.accept_language,
            timezone=self.timezone,
        )


class World:
    """Shared state of one run. Nothing here outlives the ``simulate`` call that built it."""

    def __init__(self, config: SimConfig, seed: int, ip_data: IpData | None = None) -> None:
        self.config = config
        self.seed = seed
        self.start_ms = int(config.start.timestamp() * 1000)
        self.end_ms = self.start_ms + config.days * DAY_MS
        self.net = Network(seed, ip_data)
        self.phones = PhoneBook(seed)
        self.cards = CardIssuers(seed)
        self.names = NameBook()
        self._offsets: dict[str, int] = {}
        rng = self.rng("world")
        tail = sorted(d for d in blocklist if d.count(".") == 1 and 8 <= len(d) <= 18)
        self.disposable = [d for d in _WELL_KNOWN_DISPOSABLE if d in blocklist]
        self.disposable += rng.sample(tail, k=min(300, len(tail)))
        self.organisations = [self._organisation(rng) for _ in range(600)]

    def rng(self, *parts: object) -> random.Random:
        """A generator seeded from the run seed and a name: stable whatever else runs."""
        return random.Random(":".join([str(self.seed), *map(str, parts)]))

    def _organisation(self, rng: random.Random) -> Organisation:
        country = self.pick_country(rng, ())
        if rng.random() < 0.2:
            pattern = _EDU.get(country.code, "{w}.edu")
            return Organisation(pattern.format(w=rng.choice(PLACE_WORDS)), country.code, True)
        word = rng.choice(COMPANY_WORDS)
        name = rng.choice(
            (
                word + rng.choice(COMPANY_WORDS),
                f"{word}{rng.choice(COMPANY_SUFFIXES)}",
                f"{word}-{rng.choice(COMPANY_SUFFIXES)}",
                f"get{word}",
                f"{word}hq",
            )
        )
        tld = rng.choices(
            ("com", "io", "ai", "dev", "co", country.tld), weights=(50, 12, 8, 4, 4, 22)
        )
        return Organisation(f"{name}.{tld[0]}", country.code, False)

    def pick_country(self, rng: random.Random, weights: Sequence[tuple[str, float]]) -> Country:
        """A country by configured weights (the built-in population mix when empty)."""
        pairs = [(c, w) for c, w in weights if c in COUNTRIES] or [
            (c.code, c.weight) for c in COUNTRIES.values()
        ]
        return COUNTRIES[rng.choices([c for c, _ in pairs], weights=[w for _, w in pairs])[0]]

    def offset_ms(self, timezone: str) -> int:
        """UTC offset of an IANA zone in the middle of the run (DST changes are ignored)."""
        if timezone not in self._offsets:
            middle = datetime.fromtimestamp((self.start_ms + self.end_ms) / 2000, tz=UTC)
            offset = middle.astimezone(ZoneInfo(timezone)).utcoffset() or timedelta(0)
            self._offsets[timezone] = int(offset.total_seconds() * 1000)
        return self._offsets[timezone]

    def local_moment(
        self, rng: random.Random, day: int, timezone: str, hourly: Sequence[float]
    ) -> int:
        """A UTC ms moment on local calendar day ``day`` of the run, hour drawn from ``hourly``."""
        hour = rng.choices(range(24), weights=hourly)[0]
        local = day * DAY_MS + hour * HOUR_MS + rng.randrange(HOUR_MS)
        return self.start_ms + local - self.offset_ms(timezone)

    def within(self, ms: int) -> bool:
        """Whether a moment falls inside the simulated window."""
        return self.start_ms <= ms < self.end_ms

    @staticmethod
    def new_id(rng: random.Random, prefix: str) -> str:
        """An opaque id such as ``acct_5f1c...`` (the prefix never encodes the cohort)."""
        return f"{prefix}_{rng.getrandbits(80):020x}"

    def signup(
        self, rng: random.Random, draft: Draft, ms: int, truth: Truth, account_id: str | None = None
    ) -> StreamRecord:
        """A signup record from a draft."""
        event = SignupEvent(
            event_id=self.new_id(rng, "evt"),
            account_id=account_id or self.new_id(rng, "acct"),
            occurred_at=ms / 1000,
            identity=Identity(email=draft.email, phone=draft.phone, full_name=draft.full_name),
            device=draft.device(),
            payment=draft.payment,
            behavior=Behavior(form_fill_ms=draft.form_fill_ms),
        )
        return StreamRecord(event=event, truth=truth)

    def api_key(
        self,
        rng: random.Random,
        account_id: str,
        ms: int,
        device: Device,
        truth: Truth,
        key_name: str | None,
    ) -> StreamRecord:
        """An API-key creation record."""
        event = ApiKeyEvent(
            event_id=self.new_id(rng, "evt"),
            account_id=account_id,
            occurred_at=ms / 1000,
            device=device,
            key_name=key_name,
        )
        return StreamRecord(event=event, truth=truth)


def lognormal_ms(rng: random.Random, median_ms: float, sigma: float) -> int:
    """A positive delay with the given median (ms) and log-scale spread."""
    return max(1, int(rng.lognormvariate(math.log(median_ms), sigma)))
