"""Campaign list, one campaign's picture with its members, bulk verdict preview, resolve, undo.

The bulk form is drawn for leads only; the server's refusal of everyone else is the core's
(:meth:`ReviewCore.resolve_campaign` requires LEAD), not this page's.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from service.console import svg
from service.console.views.base import Ctx, page
from service.console.views.queue import _verdict

MEMBERS_PAGE = 50


async def _list(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    order = q.get("order", "size")
    listing = await ctx.run(
        ctx.console.review.list_campaigns, ctx.who, order, 2, 50, q.get("page", "")
    )
    return ctx.render(
        "campaigns.html",
        campaigns=listing.items,
        order=order,
        next_url=f"/campaigns?{urlencode({'order': order, 'page': listing.next_token})}"
        if listing.next_token
        else "",
    )


async def _campaign(ctx: Ctx) -> Response:
    campaign_id = ctx.request.path_params["campaign_id"]
    q = ctx.request.query_params
    core = ctx.console.review
    detail = await ctx.run(core.get_campaign, ctx.who, campaign_id, 0)
    try:
        size = max(10, min(int(q.get("size", MEMBERS_PAGE)), 500))
    except ValueError:
        size = MEMBERS_PAGE
    members = await ctx.run(core.campaign_members, ctx.who, campaign_id, size, q.get("page", ""))
    return ctx.render(
        "campaign.html",
        c=detail,
        s=detail.summary,
        chart=svg.timeline(detail.timeline),
        members=members.items,
        next_url=f"?{urlencode({'page': members.next_token, 'size': size})}"
        if members.next_token
        else "",
        done=q.get("done", ""),
        changed=q.get("changed", ""),
        undone=q.get("undone", ""),
    )


async def _preview(ctx: Ctx) -> Response:
    campaign_id = ctx.request.path_params["campaign_id"]
    q = ctx.request.query_params
    verdict = _verdict(q.get("verdict", ""))
    preview = await ctx.run(
        ctx.console.review.preview_campaign_verdict, ctx.who, campaign_id, verdict
    )
    return ctx.render(
        "preview.html",
        p=preview,
        verdict=verdict,
        note=q.get("note", ""),
    )


async def _resolve(ctx: Ctx) -> Response:
    campaign_id = ctx.request.path_params["campaign_id"]
    result = await ctx.run(
        ctx.console.review.resolve_campaign,
        ctx.who,
        campaign_id,
        _verdict(ctx.form.get("verdict", "")),
        ctx.form.get("note", ""),
    )
    query = urlencode({"done": result.action_id, "changed": result.changed})
    return RedirectResponse(f"/campaigns/{campaign_id}?{query}", status_code=303)


async def _undo(ctx: Ctx) -> Response:
    result = await ctx.run(
        ctx.console.review.undo_campaign_verdict,
        ctx.who,
        ctx.request.path_params["action_id"],
        ctx.form.get("note", ""),
    )
    back = ctx.form.get("campaign_id", "")
    target = f"/campaigns/{back}" if back else "/campaigns"
    return RedirectResponse(f"{target}?{urlencode({'undone': result.reverted})}", status_code=303)


list_page = page(_list)
campaign_page = page(_campaign)
preview_page = page(_preview)
resolve = page(_resolve)
undo = page(_undo)
