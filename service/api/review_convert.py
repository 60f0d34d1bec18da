"""ReviewService protobuf <-> review domain types (no protobuf travels past ``api/``)."""

from __future__ import annotations

from typing import cast

from google.protobuf.timestamp_pb2 import Timestamp

from service.api.gen.signupguard.v1 import review_pb2 as pb
from service.domain import Action
from service.errors import InvalidRequest
from service.review.model import (
    AuditEntry,
    CampaignDetail,
    CampaignSummary,
    CaseDetail,
    CaseEvent,
    CaseFilter,
    CaseState,
    CaseSummary,
    LinkedAccount,
    Member,
    Verdict,
)

_STATE_TO_PB = {
    CaseState.OPEN: pb.CASE_STATE_OPEN,
    CaseState.CLAIMED: pb.CASE_STATE_CLAIMED,
    CaseState.RESOLVED: pb.CASE_STATE_RESOLVED,
    CaseState.MERGED: pb.CASE_STATE_OPEN,  # never listed; shown through the case it joined
}
_STATE_FROM_PB = {
    pb.CASE_STATE_OPEN: CaseState.OPEN,
    pb.CASE_STATE_CLAIMED: CaseState.CLAIMED,
    pb.CASE_STATE_RESOLVED: CaseState.RESOLVED,
}


def _ts(seconds: float | None) -> Timestamp | None:
    if seconds is None:
        return None
    ts = Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts


def _seconds(message: pb.ListCasesRequest, field: str) -> float | None:
    if not message.HasField(field):
        return None
    ts: Timestamp = getattr(message, field)
    return float(ts.ToNanoseconds()) / 1e9


def verdict(value: int, field: str = "verdict") -> Verdict:
    """A request's verdict; INVALID_ARGUMENT unless FRAUD or LEGITIMATE."""
    if value == pb.VERDICT_FRAUD:
        return Verdict.FRAUD
    if value == pb.VERDICT_LEGITIMATE:
        return Verdict.LEGITIMATE
    raise InvalidRequest(field, "must be VERDICT_FRAUD or VERDICT_LEGITIMATE")


def _verdict_pb(value: Verdict | None) -> pb.Verdict:
    return cast(pb.Verdict, int(value) if value is not None else pb.VERDICT_UNSPECIFIED)


def _action_pb(value: Action | None) -> pb.DecisionAction:
    return cast(
        pb.DecisionAction, int(value) if value is not None else pb.DECISION_ACTION_UNSPECIFIED
    )


def case_filter(request: pb.ListCasesRequest) -> CaseFilter:
    """The filters of a ListCases request."""
    if request.state and request.state not in _STATE_FROM_PB:
        raise InvalidRequest("state", "unknown case state")
    if request.action and request.action not in {int(a) for a in Action}:
        raise InvalidRequest("action", "unknown action")
    if request.event_type and request.event_type not in ("signup", "api_key"):
        raise InvalidRequest("event_type", "must be signup or api_key")
    return CaseFilter(
        state=_STATE_FROM_PB.get(request.state),
        action=Action(request.action) if request.action else None,
        event_type=request.event_type or None,
        min_score=request.min_score or None,
        max_score=request.max_score or None,
        campaign_id=request.campaign_id or None,
        since=_seconds(request, "opened_after"),
        until=_seconds(request, "opened_before"),
    )


def case_message(c: CaseSummary) -> pb.Case:
    """A case summary as the protobuf ``Case``."""
    return pb.Case(
        case_id=c.case_id,
        account_id=c.account_id,
        state=_STATE_TO_PB[c.state],
        verdict=_verdict_pb(c.verdict),
        max_score=c.max_score,
        max_action=_action_pb(c.max_action),
        events=c.events,
        opened_at=_ts(c.opened_at),
        last_event_at=_ts(c.last_event_at),
        claimed_by=c.claimed_by or "",
        claim_expires_at=_ts(c.claim_expires_at),
        resolved_by=c.resolved_by or "",
        resolved_at=_ts(c.resolved_at),
        note=c.note or "",
        campaign_id=c.campaign_id,
        campaign_size=c.campaign_size,
        priority=c.priority,
    )


def _event(e: CaseEvent) -> pb.CaseEvent:
    return pb.CaseEvent(
        decision_id=e.decision_id,
        event_id=e.event_id,
        event_type=e.event_type,
        occurred_at=_ts(e.occurred_at),
        score=e.score,
        action=_action_pb(e.action),
        reasons=[pb.CaseReason(code=c, message=m, weight=w) for c, m, w in e.reasons],
        model_version=e.model_version,
        signals=pb.MaskedSignals(**{k: v for k, v in e.masked.items() if k in _MASKED}),
    )


_MASKED = ("email", "phone", "ip", "card")


def _linked(a: LinkedAccount) -> pb.LinkedAccount:
    return pb.LinkedAccount(
        account_id=a.account_id,
        shared=list(a.shared),
        score=a.score or 0.0,
        action=_action_pb(a.action),
        verdict=_verdict_pb(a.verdict),
    )


def audit_message(a: AuditEntry) -> pb.AuditEntry:
    """One audit row."""
    return pb.AuditEntry(
        audit_id=a.audit_id,
        at=_ts(a.at),
        reviewer=a.reviewer,
        change=a.change,
        case_id=a.case_id or "",
        account_id=a.account_id or "",
        campaign_id=a.campaign_id or "",
        action_id=a.action_id or "",
        verdict=_verdict_pb(a.verdict),
        previous_verdict=_verdict_pb(a.prev_verdict),
        note=a.note or "",
    )


def case_detail(d: CaseDetail) -> pb.GetCaseResponse:
    """A whole case."""
    return pb.GetCaseResponse(
        case=case_message(d.summary),
        events=[_event(e) for e in d.events],
        linked_accounts=[_linked(a) for a in d.linked],
        audit=[audit_message(a) for a in d.audit],
    )


def campaign_message(c: CampaignSummary) -> pb.Campaign:
    """A campaign summary."""
    return pb.Campaign(
        campaign_id=c.campaign_id,
        size=c.size,
        cases=c.cases,
        open_cases=c.open_cases,
        max_score=c.max_score,
        first_seen_at=_ts(c.first_at),
        last_seen_at=_ts(c.last_at),
    )


def _member(m: Member) -> pb.CampaignMember:
    return pb.CampaignMember(
        account_id=m.account_id,
        score=m.score or 0.0,
        action=_action_pb(m.action),
        verdict=_verdict_pb(m.verdict),
        case_id=m.case_id or "",
    )


def campaign_detail(d: CampaignDetail) -> pb.GetCampaignResponse:
    """A campaign's picture."""
    return pb.GetCampaignResponse(
        campaign=campaign_message(d.summary),
        members_by_action=[pb.Count(name=k, count=v) for k, v in sorted(d.by_action.items())],
        members_by_verdict=[pb.Count(name=k, count=v) for k, v in sorted(d.by_verdict.items())],
        shared_identifiers=[pb.Count(name=k, count=v) for k, v in d.shared],
        timeline=[pb.TimelineBucket(hour=_ts(h), signups=s, api_keys=k) for h, s, k in d.timeline],
        sample=[_member(m) for m in d.sample],
    )
