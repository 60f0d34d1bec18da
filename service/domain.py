"""Domain types shared by every layer: events in, decisions out.

Nothing here knows about protobuf, gRPC, LightGBM or a database. ``api/convert.py`` maps
protobuf messages to these types; ``service/events.py`` maps them to and from JSON (the
simulator's stream format, which is also the protobuf JSON mapping with snake_case names).

Times are float seconds since the Unix epoch (UTC). An absent input is ``None`` (or an empty
string in the protobuf message, which convert.py turns into ``None``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class EventType(enum.StrEnum):
    """The kinds of event the service scores."""

    SIGNUP = "signup"
    API_KEY = "api_key"


class Action(enum.IntEnum):
    """What the caller should do; ordered by severity (numbers match the protobuf enum)."""

    ALLOW = 1
    CHALLENGE = 2
    REVIEW = 3
    BLOCK = 4


class CardFunding(enum.IntEnum):
    """Card funding type as the payment processor reports it (numbers match protobuf)."""

    CREDIT = 1
    DEBIT = 2
    PREPAID = 3
    UNKNOWN = 4


class Label(enum.IntEnum):
    """Ground truth for an account (numbers match protobuf)."""

    FRAUD = 1
    LEGITIMATE = 2


@dataclass(frozen=True, slots=True)
class Identity:
    """What the person typed into the signup form."""

    email: str | None = None
    phone: str | None = None
    full_name: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """The client that sent the request."""

    ip: str | None = None
    user_agent: str | None = None
    device_id: str | None = None
    accept_language: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """Card details from the payment processor."""

    card_bin: str | None = None
    card_last4: str | None = None
    card_fingerprint: str | None = None
    card_country: str | None = None
    card_funding: CardFunding | None = None
    billing_country: str | None = None
    billing_postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class Behavior:
    """How the person used the signup form."""

    form_fill_ms: int | None = None


@dataclass(frozen=True, slots=True)
class SignupEvent:
    """One account signup."""

    event_id: str
    account_id: str
    occurred_at: float | None = None
    identity: Identity = field(default_factory=Identity)
    device: Device = field(default_factory=Device)
    payment: Payment | None = None
    behavior: Behavior = field(default_factory=Behavior)

    event_type = EventType.SIGNUP


@dataclass(frozen=True, slots=True)
class ApiKeyEvent:
    """One API-key creation by an account."""

    event_id: str
    account_id: str
    occurred_at: float | None = None
    device: Device = field(default_factory=Device)
    key_name: str | None = None

    event_type = EventType.API_KEY


Event = SignupEvent | ApiKeyEvent


@dataclass(frozen=True, slots=True)
class Reason:
    """One cause of a decision: a stable code, a human message and its weight."""

    code: str
    message: str
    weight: float


@dataclass(frozen=True, slots=True)
class Decision:
    """The service's answer for one event, as returned and as logged."""

    decision_id: str
    event_id: str
    event_type: EventType
    account_id: str
    action: Action
    score: float
    reasons: tuple[Reason, ...]
    model_version: str
    degraded: bool
    occurred_at: float
    decided_at: float
    case_id: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Ground truth reported for an account."""

    outcome_id: str
    account_id: str
    label: Label
    source: str
    occurred_at: float
    received_at: float
