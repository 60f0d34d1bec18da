"""Campaign read models: the list (by size or risk), one campaign's picture, a verdict preview."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Integer, case, cast, exists, func, or_, select

from service.domain import Action
from service.errors import InvalidRequest, NotFound
from service.review.model import (
    CampaignDetail,
    CampaignSummary,
    CaseState,
    Member,
    Page,
    Verdict,
    VerdictPreview,
)
from service.store.schema import (
    account_verdicts,
    campaign_members,
    campaigns,
    cases,
    decisions,
    identifier_links,
)

MAX_PAGE = 500
_ACTIVE = (CaseState.OPEN.value, CaseState.CLAIMED.value)


def _query() -> Any:
    active = case((cases.c.state.in_(_ACTIVE), 1), else_=0)
    return (
        select(
            campaigns.c.campaign_id,
            campaigns.c.size,
            campaigns.c.first_at,
            campaigns.c.last_at,
            func.count(cases.c.case_id).label("cases"),
            func.coalesce(func.sum(active), 0).label("open_cases"),
            func.coalesce(func.max(cases.c.max_score), 0.0).label("max_score"),
        )
        .select_from(campaigns)
        .join(campaign_members, campaign_members.c.campaign_id == campaigns.c.campaign_id)
        .join(
            cases,
            (cases.c.account_id == campaign_members.c.account_id)
            & (cases.c.state != CaseState.MERGED.value),
        )
        .group_by(
            campaigns.c.campaign_id, campaigns.c.size, campaigns.c.first_at, campaigns.c.last_at
        )
    )


def _summary(r: Any) -> CampaignSummary:
    return CampaignSummary(
        campaign_id=r.campaign_id,
        size=r.size,
        first_at=r.first_at,
        last_at=r.last_at,
        cases=r.cases,
        open_cases=int(r.open_cases),
        max_score=float(r.max_score),
    )


def list_campaigns(
    conn: Connection, order: str, min_size: int, page_size: int, page_token: str
) -> Page[CampaignSummary]:
    """Campaigns with at least one case, biggest (``size``) or riskiest (``risk``) first."""
    size = min(page_size or 50, MAX_PAGE)
    try:
        offset = int(page_token) if page_token else 0
    except ValueError as exc:
        raise InvalidRequest("page_token", "is not a token this service returned") from exc
    q = _query()
    if min_size > 2:
        q = q.where(campaigns.c.size >= min_size)
    if order == "risk":
        q = q.order_by(func.max(cases.c.max_score).desc(), campaigns.c.size.desc())
    else:
        q = q.order_by(campaigns.c.size.desc(), func.max(cases.c.max_score).desc())
    rows = conn.execute(q.order_by(campaigns.c.campaign_id).offset(offset).limit(size + 1)).all()
    token = str(offset + size) if len(rows) > size else ""
    return Page(tuple(_summary(r) for r in rows[:size]), token)


def summary(conn: Connection, campaign_id: str) -> CampaignSummary:
    """One campaign's summary; NotFound for an unknown id."""
    row = conn.execute(_query().where(campaigns.c.campaign_id == campaign_id)).first()
    if row is None:
        known = conn.execute(
            select(campaigns).where(campaigns.c.campaign_id == campaign_id)
        ).first()
        if known is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        return CampaignSummary(campaign_id, known.size, known.first_at, known.last_at, 0, 0, 0.0)
    return _summary(row)


def detail(conn: Connection, campaign_id: str, sample_size: int) -> CampaignDetail:
    """Size, span, members by action and verdict, shared identifiers, timeline, a sample."""
    head = summary(conn, campaign_id)
    members = select(campaign_members.c.account_id).where(
        campaign_members.c.campaign_id == campaign_id
    )
    signup = (
        select(
            decisions.c.account_id,
            func.max(decisions.c.action).label("action"),
            func.max(decisions.c.score).label("score"),
        )
        .where(decisions.c.account_id.in_(members), decisions.c.event_type == "signup")
        .group_by(decisions.c.account_id)
        .subquery()
    )
    by_action: dict[str, int] = {}
    for action, n in conn.execute(
        select(signup.c.action, func.count())
        .select_from(
            campaign_members.outerjoin(signup, signup.c.account_id == campaign_members.c.account_id)
        )
        .where(campaign_members.c.campaign_id == campaign_id)
        .group_by(signup.c.action)
    ):
        by_action[Action(action).name if action else "NONE"] = n
    by_verdict: dict[str, int] = {}
    for verdict, n in conn.execute(
        select(account_verdicts.c.verdict, func.count())
        .select_from(
            campaign_members.outerjoin(
                account_verdicts, account_verdicts.c.account_id == campaign_members.c.account_id
            )
        )
        .where(campaign_members.c.campaign_id == campaign_id)
        .group_by(account_verdicts.c.verdict)
    ):
        by_verdict[Verdict(verdict).name if verdict else "NONE"] = n
    n_accounts = func.count().label("n")
    shared = tuple(
        (f"{kind}:{key[:8]}", int(n))
        for kind, key, n in conn.execute(
            select(identifier_links.c.kind, identifier_links.c.key, n_accounts)
            .where(identifier_links.c.account_id.in_(members))
            .group_by(identifier_links.c.kind, identifier_links.c.key)
            .having(func.count() > 1)
            .order_by(n_accounts.desc(), identifier_links.c.key)
            .limit(10)
        )
    )
    hour = _hour(conn).label("hour")
    is_signup = case((decisions.c.event_type == "signup", 1), else_=0)
    timeline = tuple(
        (float(h) * 3600, int(s), int(n) - int(s))
        for h, s, n in conn.execute(
            select(hour, func.sum(is_signup), func.count())
            .where(decisions.c.account_id.in_(members))
            .group_by(hour)
            .order_by(hour)
        )
    )
    sample = _sample(conn, campaign_id, max(0, min(sample_size or 20, 200)))
    return CampaignDetail(head, by_action, by_verdict, shared, timeline, sample)


def members(conn: Connection, campaign_id: str, page_size: int, page_token: str) -> Page[Member]:
    """One page of a campaign's members, by account id."""
    size = max(1, min(page_size or 50, MAX_PAGE))
    try:
        offset = int(page_token) if page_token else 0
    except ValueError as exc:
        raise InvalidRequest("page_token", "is not a token this service returned") from exc
    summary(conn, campaign_id)  # NotFound first
    rows = _sample(conn, campaign_id, size + 1, offset)
    token = str(offset + size) if len(rows) > size else ""
    return Page(rows[:size], token)


def _hour(conn: Connection) -> Any:
    """The hour index of a decision, counted in the database (25,000 rows stay there)."""
    at = decisions.c.occurred_at
    if conn.dialect.name == "postgresql":
        return func.floor(at / 3600)
    return cast(at / 3600, Integer)  # SQLite: truncation is floor for positive epoch times


def _sample(conn: Connection, campaign_id: str, n: int, offset: int = 0) -> tuple[Member, ...]:
    if n == 0:
        return ()
    accounts = list(
        conn.execute(
            select(campaign_members.c.account_id)
            .where(campaign_members.c.campaign_id == campaign_id)
            .order_by(campaign_members.c.account_id)
            .offset(offset)
            .limit(n)
        ).scalars()
    )
    scored = {
        r.account_id: (r.score, r.action)
        for r in conn.execute(
            select(decisions.c.account_id, decisions.c.score, decisions.c.action).where(
                decisions.c.account_id.in_(accounts), decisions.c.event_type == "signup"
            )
        )
    }
    verdicts = dict(
        conn.execute(
            select(account_verdicts.c.account_id, account_verdicts.c.verdict).where(
                account_verdicts.c.account_id.in_(accounts)
            )
        ).all()
    )
    case_ids: dict[str, str] = {}
    for account, case_id in conn.execute(
        select(cases.c.account_id, cases.c.case_id)
        .where(cases.c.account_id.in_(accounts), cases.c.state != CaseState.MERGED.value)
        .order_by(cases.c.opened_at)
    ):
        case_ids[account] = case_id
    return tuple(
        Member(
            account_id=a,
            score=scored[a][0] if a in scored else None,
            action=Action(scored[a][1]) if a in scored else None,
            verdict=Verdict(verdicts[a]) if a in verdicts else None,
            case_id=case_ids.get(a),
        )
        for a in accounts
    )


def preview(conn: Connection, campaign_id: str, verdict: Verdict) -> VerdictPreview:
    """How many accounts a campaign verdict covers, has resolved already, would change."""
    summary(conn, campaign_id)  # NotFound first
    has_open_case = exists().where(
        cases.c.account_id == campaign_members.c.account_id, cases.c.state.in_(_ACTIVE)
    )
    changes = or_(
        account_verdicts.c.verdict.is_(None),
        account_verdicts.c.verdict != int(verdict),
        has_open_case,
    )
    row = conn.execute(
        select(
            func.count().label("accounts"),
            func.coalesce(
                func.sum(case((account_verdicts.c.verdict.is_not(None), 1), else_=0)), 0
            ).label("resolved"),
            func.coalesce(func.sum(case((changes, 1), else_=0)), 0).label("change"),
        )
        .select_from(
            campaign_members.outerjoin(
                account_verdicts, account_verdicts.c.account_id == campaign_members.c.account_id
            )
        )
        .where(campaign_members.c.campaign_id == campaign_id)
    ).one()
    open_cases = conn.execute(
        select(func.count())
        .select_from(cases)
        .where(
            cases.c.state.in_(_ACTIVE),
            cases.c.account_id.in_(
                select(campaign_members.c.account_id).where(
                    campaign_members.c.campaign_id == campaign_id
                )
            ),
        )
    ).scalar_one()
    return VerdictPreview(
        campaign_id=campaign_id,
        accounts=int(row.accounts),
        already_resolved=int(row.resolved),
        would_change=int(row.change),
        open_cases=int(open_cases),
    )
