"""The queue (filters, priority order, claim next) and the case page (claim, verdict)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.responses import RedirectResponse, Response

from service.console.views.base import Ctx, page
from service.domain import Action
from service.errors import Conflict, InvalidRequest
from service.review.model import CaseFilter, CaseState, Verdict

PAGE_SIZE = 50
FILTERS = ("state", "action", "event_type", "min_score", "max_score", "campaign", "since", "until")


def _score(q: QueryParams, field: str) -> float | None:
    raw = q.get(field, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise InvalidRequest(field, "must be a number") from exc


def _time(q: QueryParams, field: str) -> float | None:
    raw = q.get(field, "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC).timestamp()
    except ValueError as exc:
        raise InvalidRequest(field, "must be a date and time (UTC)") from exc


def case_filter(q: QueryParams) -> CaseFilter:
    """The queue's filters from the query string (empty: any); default state: open."""
    state = q.get("state", "open")
    action = q.get("action", "")
    event_type = q.get("event_type", "")
    if state not in ("", "any") and state not in {s.value for s in CaseState}:
        raise InvalidRequest("state", "is not a case state")
    if action and action.upper() not in Action.__members__:
        raise InvalidRequest("action", "is not an action")
    if event_type not in ("", "signup", "api_key"):
        raise InvalidRequest("event_type", "must be signup or api_key")
    return CaseFilter(
        state=CaseState(state) if state not in ("", "any") else None,
        action=Action[action.upper()] if action else None,
        event_type=event_type or None,
        min_score=_score(q, "min_score"),
        max_score=_score(q, "max_score"),
        campaign_id=q.get("campaign", "").strip() or None,
        since=_time(q, "since"),
        until=_time(q, "until"),
    )


def _verdict(raw: str) -> Verdict:
    try:
        return Verdict[raw.upper()]
    except KeyError as exc:
        raise InvalidRequest("verdict", "must be fraud or legitimate") from exc


async def _queue(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    f = case_filter(q)
    listing = await ctx.run(ctx.console.review.list_cases, ctx.who, f, PAGE_SIZE, q.get("page", ""))
    kept = {k: q.get(k, "") for k in FILTERS if k in q}
    return ctx.render(
        "queue.html",
        cases=listing.items,
        next_url="/?" + urlencode({**kept, "page": listing.next_token})
        if listing.next_token
        else "",
        filters={k: q.get(k, "open" if k == "state" else "") for k in FILTERS},
        query=urlencode(kept),
        now=ctx.console.now(),
        actions=[a.name.lower() for a in Action],
        states=[s.value for s in CaseState if s is not CaseState.MERGED],
    )


async def _claim_next(ctx: Ctx) -> Response:
    """Claim the highest-priority open case (within the queue's filters) and open it."""
    q = QueryParams(ctx.form.get("query", ""))
    f = case_filter(q)
    f = CaseFilter(**{**{k: getattr(f, k) for k in f.__slots__}, "state": CaseState.OPEN})
    token = ""
    while True:
        listing = await ctx.run(ctx.console.review.list_cases, ctx.who, f, PAGE_SIZE, token)
        for case in listing.items:
            try:
                await ctx.run(ctx.console.review.claim_case, ctx.who, case.case_id)
            except Conflict:
                continue  # someone else took it between the list and the claim
            return RedirectResponse(f"/cases/{case.case_id}", status_code=303)
        token = listing.next_token
        if not token:
            return RedirectResponse("/?" + urlencode({**dict(q), "empty": "1"}), status_code=303)


async def _case(ctx: Ctx) -> Response:
    detail = await ctx.run(ctx.console.review.get_case, ctx.who, ctx.request.path_params["case_id"])
    return ctx.render("case.html", case=detail, s=detail.summary, now=ctx.console.now())


async def _claim(ctx: Ctx) -> Response:
    case_id = ctx.request.path_params["case_id"]
    await ctx.run(ctx.console.review.claim_case, ctx.who, case_id)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


async def _resolve(ctx: Ctx) -> Response:
    case_id = ctx.request.path_params["case_id"]
    verdict = _verdict(ctx.form.get("verdict", ""))
    await ctx.run(
        ctx.console.review.resolve_case, ctx.who, case_id, verdict, ctx.form.get("note", "")
    )
    if ctx.form.get("next"):
        return await _claim_next(ctx)
    back = ctx.form.get("back", "")
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else f"/cases/{case_id}",
        status_code=303,
    )


queue_page = page(_queue)
claim_next = page(_claim_next)
case_page = page(_case)
claim = page(_claim)
resolve = page(_resolve)
