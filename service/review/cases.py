"""Case queries and single-case changes (claim, resolve) on the review tables.

A claim past its ``claim_expires_at`` reads as OPEN and may be taken by anyone: nothing sticks.
Claiming is one conditional UPDATE, so of two reviewers claiming one case at once exactly one
wins. The queue is ordered by priority: ``100 * max score + 0.5 * min(campaign size, 100) +
min(age in hours, 24)`` -- score first, then campaign size, then age.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)

from service.domain import Action
from service.errors import Conflict, InvalidRequest, NotFound
from service.review.model import (
    AuditEntry,
    CaseEvent,
    CaseFilter,
    CaseState,
    CaseSummary,
    LinkedAccount,
    Page,
    Verdict,
)
from service.store.schema import (
    account_verdicts,
    campaign_members,
    campaigns,
    case_events,
    cases,
    decisions,
    identifier_links,
    review_audit,
)

MAX_PAGE = 500
LINKED_MAX = 50
_ACTIVE = (CaseState.OPEN.value, CaseState.CLAIMED.value)


def _priority(now: float) -> ColumnElement[Any]:
    size = func.coalesce(campaigns.c.size, 1)
    age_h = (literal(now) - cases.c.opened_at) / 3600.0
    return (
        cases.c.max_score * 100.0
        + case((size > 100, 100), else_=size) * 0.5
        + case((age_h > 24, 24.0), (age_h < 0, 0.0), else_=age_h)
    )


def _state(now: float) -> ColumnElement[Any]:
    return case(
        (
            and_(cases.c.state == CaseState.CLAIMED.value, cases.c.claim_expires_at < now),
            CaseState.OPEN.value,
        ),
        else_=cases.c.state,
    )


def _summary_query(now: float) -> Any:
    priority = _priority(now).label("priority")
    return (
        select(
            cases,
            _state(now).label("effective_state"),
            func.coalesce(campaign_members.c.campaign_id, "").label("campaign_id"),
            func.coalesce(campaigns.c.size, 1).label("campaign_size"),
            priority,
        )
        .select_from(cases)
        .outerjoin(campaign_members, campaign_members.c.account_id == cases.c.account_id)
        .outerjoin(campaigns, campaigns.c.campaign_id == campaign_members.c.campaign_id)
    )


def _summary(r: Any) -> CaseSummary:
    state = CaseState(r.effective_state)
    return CaseSummary(
        case_id=r.case_id,
        account_id=r.account_id,
        state=state,
        verdict=Verdict(r.verdict) if r.verdict else None,
        opened_at=r.opened_at,
        updated_at=r.updated_at,
        last_event_at=r.last_event_at,
        events=r.events,
        max_score=r.max_score,
        max_action=Action(r.max_action),
        claimed_by=r.claimed_by if state is CaseState.CLAIMED else None,
        claim_expires_at=r.claim_expires_at if state is CaseState.CLAIMED else None,
        resolved_by=r.resolved_by,
        resolved_at=r.resolved_at,
        note=r.note,
        campaign_id=r.campaign_id,
        campaign_size=r.campaign_size,
        priority=float(r.priority),
    )


def _token(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode()


def _untoken(token: str) -> dict[str, Any]:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidRequest("page_token", "is not a token this service returned") from exc
    if not isinstance(value, dict):
        raise InvalidRequest("page_token", "is not a token this service returned")
    return value


def list_cases(
    conn: Connection, f: CaseFilter, page_size: int, page_token: str, now: float
) -> Page[CaseSummary]:
    """One page of the queue, highest priority first."""
    if page_size < 0:
        raise InvalidRequest("page_size", "must not be negative")
    size = min(page_size or 50, MAX_PAGE)
    cursor = _untoken(page_token) if page_token else None
    if cursor is not None:
        now = float(cursor["n"])  # one clock for every page: a stable order
    priority = _priority(now)
    q = _summary_query(now).where(cases.c.state != CaseState.MERGED.value)
    if f.state is CaseState.OPEN:
        q = q.where(
            or_(
                cases.c.state == CaseState.OPEN.value,
                and_(cases.c.state == CaseState.CLAIMED.value, cases.c.claim_expires_at < now),
            )
        )
    elif f.state is CaseState.CLAIMED:
        q = q.where(cases.c.state == CaseState.CLAIMED.value, cases.c.claim_expires_at >= now)
    elif f.state is not None:
        q = q.where(cases.c.state == f.state.value)
    if f.action is not None:
        q = q.where(cases.c.max_action == int(f.action))
    if f.event_type is not None:
        q = q.where(
            exists().where(
                case_events.c.case_id == cases.c.case_id,
                case_events.c.event_type == f.event_type,
            )
        )
    if f.min_score is not None:
        q = q.where(cases.c.max_score >= f.min_score)
    if f.max_score is not None:
        q = q.where(cases.c.max_score <= f.max_score)
    if f.campaign_id:
        q = q.where(campaign_members.c.campaign_id == f.campaign_id)
    if f.since is not None:
        q = q.where(cases.c.opened_at >= f.since)
    if f.until is not None:
        q = q.where(cases.c.opened_at < f.until)
    if cursor is not None:
        p, cid = float(cursor["p"]), str(cursor["c"])
        q = q.where(or_(priority < p, and_(priority == p, cases.c.case_id > cid)))
    rows = conn.execute(q.order_by(priority.desc(), cases.c.case_id).limit(size + 1)).all()
    items = tuple(_summary(r) for r in rows[:size])
    token = ""
    if len(rows) > size:
        last = rows[size - 1]
        token = _token({"p": float(last.priority), "c": last.case_id, "n": now})
    return Page(items, token)


def resolve_id(conn: Connection, case_id: str) -> str:
    """The case a (possibly merged) case id stands for; NotFound if none."""
    row = conn.execute(
        select(cases.c.case_id, cases.c.merged_into).where(cases.c.case_id == case_id)
    ).first()
    if row is None:
        raise NotFound(f"case {case_id!r} not found")
    return str(row.merged_into or row.case_id)


def summary(conn: Connection, case_id: str, now: float) -> CaseSummary:
    """One case's summary."""
    row = conn.execute(_summary_query(now).where(cases.c.case_id == case_id)).first()
    if row is None:
        raise NotFound(f"case {case_id!r} not found")
    return _summary(row)


def events(conn: Connection, case_id: str) -> tuple[CaseEvent, ...]:
    """The case's decisions, oldest first."""
    rows = conn.execute(
        select(case_events)
        .where(case_events.c.case_id == case_id)
        .order_by(case_events.c.occurred_at, case_events.c.decision_id)
    ).all()
    return tuple(
        CaseEvent(
            decision_id=r.decision_id,
            event_id=r.event_id,
            event_type=r.event_type,
            occurred_at=r.occurred_at,
            score=r.score,
            action=Action(r.action),
            model_version=r.model_version,
            reasons=tuple(
                (x["code"], x["message"], float(x["weight"])) for x in orjson.loads(r.reasons)
            ),
            masked=dict(orjson.loads(r.masked)),
        )
        for r in rows
    )


def linked(conn: Connection, account_id: str) -> tuple[LinkedAccount, ...]:
    """Accounts sharing a device, card, phone, mailbox, IP /24 window or cell with this one."""
    mine = select(identifier_links.c.key).where(identifier_links.c.account_id == account_id)
    shared: dict[str, set[str]] = {}
    for other, kind in conn.execute(
        select(identifier_links.c.account_id, identifier_links.c.kind)
        .where(identifier_links.c.key.in_(mine.scalar_subquery()))
        .where(identifier_links.c.account_id != account_id)
        .order_by(identifier_links.c.at)
        .limit(LINKED_MAX * 5)
    ):
        if other in shared or len(shared) < LINKED_MAX:
            shared.setdefault(other, set()).add(kind)
    if not shared:
        return ()
    others = sorted(shared)
    scored: dict[str, tuple[float, int]] = {}
    for r in conn.execute(
        select(decisions.c.account_id, decisions.c.score, decisions.c.action)
        .where(decisions.c.account_id.in_(others), decisions.c.event_type == "signup")
        .order_by(decisions.c.occurred_at)
    ):
        scored[r.account_id] = (r.score, r.action)
    verdicts = dict(
        conn.execute(
            select(account_verdicts.c.account_id, account_verdicts.c.verdict).where(
                account_verdicts.c.account_id.in_(others)
            )
        ).all()
    )
    return tuple(
        LinkedAccount(
            account_id=a,
            shared=tuple(sorted(shared[a])),
            score=scored[a][0] if a in scored else None,
            action=Action(scored[a][1]) if a in scored else None,
            verdict=Verdict(verdicts[a]) if a in verdicts else None,
        )
        for a in others
    )


def audit(conn: Connection, case_id: str, account_id: str) -> tuple[AuditEntry, ...]:
    """Audit rows of the case and of verdicts on its account, oldest first."""
    rows = conn.execute(
        select(review_audit)
        .where(or_(review_audit.c.case_id == case_id, review_audit.c.account_id == account_id))
        .order_by(review_audit.c.audit_id)
    ).all()
    return tuple(audit_entry(r) for r in rows)


def audit_entry(r: Any) -> AuditEntry:
    """An audit row as the domain type."""
    return AuditEntry(
        audit_id=r.audit_id,
        at=r.at,
        reviewer=r.reviewer,
        change=r.change,
        case_id=r.case_id,
        account_id=r.account_id,
        campaign_id=r.campaign_id,
        action_id=r.action_id,
        verdict=Verdict(r.verdict) if r.verdict else None,
        prev_verdict=Verdict(r.prev_verdict) if r.prev_verdict else None,
        note=r.note,
    )


def claim(conn: Connection, case_id: str, reviewer: str, now: float, ttl_s: float) -> None:
    """Claim (or renew one's own claim on) a case; Conflict if someone else holds it."""
    done = conn.execute(
        update(cases)
        .where(
            cases.c.case_id == case_id,
            or_(
                cases.c.state == CaseState.OPEN.value,
                and_(
                    cases.c.state == CaseState.CLAIMED.value,
                    or_(cases.c.claimed_by == reviewer, cases.c.claim_expires_at < now),
                ),
            ),
        )
        .values(
            state=CaseState.CLAIMED.value,
            claimed_by=reviewer,
            claim_expires_at=now + ttl_s,
            updated_at=now,
        )
    ).rowcount
    if done != 1:
        raise _why_not(conn, case_id, now)
    conn.execute(
        review_audit.insert().values(
            at=now, reviewer=reviewer, change="claim", case_id=case_id, account_id=None
        )
    )


def take_for_resolve(conn: Connection, case_id: str, reviewer: str, now: float) -> str | None:
    """Make sure ``reviewer`` may resolve the case now; its account, or None if resolved."""
    done = conn.execute(
        update(cases)
        .where(
            cases.c.case_id == case_id,
            or_(
                cases.c.state == CaseState.OPEN.value,
                and_(
                    cases.c.state == CaseState.CLAIMED.value,
                    or_(cases.c.claimed_by == reviewer, cases.c.claim_expires_at < now),
                ),
            ),
        )
        .values(claimed_by=reviewer, updated_at=now)
    ).rowcount
    row = conn.execute(
        select(cases.c.account_id, cases.c.state).where(cases.c.case_id == case_id)
    ).first()
    if row is None:
        raise NotFound(f"case {case_id!r} not found")
    if done == 1:
        return str(row.account_id)
    if row.state == CaseState.RESOLVED.value:
        return None
    raise _why_not(conn, case_id, now)


def _why_not(conn: Connection, case_id: str, now: float) -> Exception:
    row = conn.execute(
        select(cases.c.state, cases.c.claimed_by, cases.c.claim_expires_at).where(
            cases.c.case_id == case_id
        )
    ).first()
    if row is None:
        return NotFound(f"case {case_id!r} not found")
    if row.state == CaseState.RESOLVED.value:
        return Conflict(f"case {case_id} is already resolved")
    if row.state == CaseState.CLAIMED.value:
        left = max(0.0, row.claim_expires_at - now)
        return Conflict(f"case {case_id} is claimed by {row.claimed_by} for {left:.0f} s more")
    return Conflict(f"case {case_id} cannot be changed in state {row.state}")
