"""Review domain types: verdicts, case states, roles, and the read models the core returns.

Nothing here knows gRPC or SQL. Verdict numbers are the outcome ``Label`` numbers, so a verdict
is written as an outcome row without translation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from service.domain import Action, Label

T = TypeVar("T")


class Verdict(enum.IntEnum):
    """A reviewer's conclusion about an account (numbers match ``Label`` and the proto)."""

    FRAUD = int(Label.FRAUD)
    LEGITIMATE = int(Label.LEGITIMATE)


class CaseState(enum.StrEnum):
    """Where a case is in its life; a claim past its expiry reads as OPEN."""

    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    MERGED = "merged"  # opened beside the account's open case (another process): joined it


class Role(enum.IntEnum):
    """Ops roles, each allowed what the ones below it are."""

    REVIEWER = 1  # claims and resolves cases
    LEAD = 2  # also resolves and undoes campaign verdicts
    ADMIN = 3  # also model/rule administration


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a named reviewer (or the admin token) and their role."""

    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One case as a queue shows it."""

    case_id: str
    account_id: str
    state: CaseState
    verdict: Verdict | None
    opened_at: float
    updated_at: float
    last_event_at: float
    events: int
    max_score: float
    max_action: Action
    claimed_by: str | None
    claim_expires_at: float | None
    resolved_by: str | None
    resolved_at: float | None
    note: str | None
    campaign_id: str
    campaign_size: int
    priority: float


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One decision in a case, with masked signals."""

    decision_id: str
    event_id: str
    event_type: str
    occurred_at: float
    score: float
    action: Action
    model_version: str
    reasons: tuple[tuple[str, str, float], ...]
    masked: dict[str, str]


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    """Another account sharing identifiers with the case's account."""

    account_id: str
    shared: tuple[str, ...]  # kinds: service.review.config.LINK_KINDS
    score: float | None
    action: Action | None
    verdict: Verdict | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only audit row."""

    audit_id: int
    at: float
    reviewer: str
    change: str
    case_id: str | None
    account_id: str | None
    campaign_id: str | None
    action_id: str | None
    verdict: Verdict | None
    prev_verdict: Verdict | None
    note: str | None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case with its events, linked accounts and audit trail."""

    summary: CaseSummary
    events: tuple[CaseEvent, ...]
    linked: tuple[LinkedAccount, ...]
    audit: tuple[AuditEntry, ...]


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """ListCases filters; ``None`` means any."""

    state: CaseState | None = None
    action: Action | None = None
    event_type: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    campaign_id: str | None = None
    since: float | None = None
    until: float | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the token of the next (empty at the end)."""

    items: tuple[T, ...]
    next_token: str = ""


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """A campaign as the campaign list shows it."""

    campaign_id: str
    size: int
    first_at: float
    last_at: float
    cases: int
    open_cases: int
    max_score: float


@dataclass(frozen=True, slots=True)
class Member:
    """One account of a campaign."""

    account_id: str
    score: float | None
    action: Action | None
    verdict: Verdict | None
    case_id: str | None


@dataclass(frozen=True, slots=True)
class CampaignDetail:
    """Size, span, members by action, shared identifiers, timeline and a sample."""

    summary: CampaignSummary
    by_action: dict[str, int]  # action name (or "NONE": no signup decision) -> accounts
    by_verdict: dict[str, int]  # verdict name (or "NONE") -> accounts
    shared: tuple[tuple[str, int], ...]  # (identifier kind, accounts sharing one), most first
    timeline: tuple[tuple[float, int, int], ...]  # (hour start, signups, key creations)
    sample: tuple[Member, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class VerdictPreview:
    """What a campaign verdict would do."""

    campaign_id: str
    accounts: int
    already_resolved: int  # members with a verdict already
    would_change: int  # members whose verdict changes or whose open case gets resolved
    open_cases: int


@dataclass(frozen=True, slots=True)
class CampaignVerdictResult:
    """What a campaign verdict did (``changed == 0``: a retry, nothing happened)."""

    action_id: str
    campaign_id: str
    accounts: int
    changed: int
    cases_resolved: int


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undoing a campaign verdict restored."""

    action_id: str
    reverted: int
    already_undone: bool
