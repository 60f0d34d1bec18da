"""The model page: live and shadow versions, 24 h scores against training, reason codes' drift.

Every reviewer role may read it: what the model does to traffic is what they review.
"""

from __future__ import annotations

from starlette.responses import Response

from service.console import charts
from service.console.views.base import Ctx, page
from service.errors import NotReady


async def _model(ctx: Ctx) -> Response:
    monitor = ctx.console.monitor
    if monitor is None:
        raise NotReady("this console has no model monitor")
    report = await ctx.run(monitor.report, ctx.console.now())
    drawn = [
        (
            s,
            charts.distribution(
                s.edges,
                s.shares,
                s.reference.shares if s.reference else None,
                report.live.threshold(s.event_type),
            ),
        )
        for s in report.scores
    ]
    return ctx.render("model.html", r=report, scores=drawn)


model_page = page(_model)
