"""Rules with their state and, for one rule, its versions and a backtest over the decision log."""

from __future__ import annotations

from starlette.responses import Response

from service.console.views.base import Ctx, page
from service.errors import NotReady
from service.review.core import require
from service.review.model import Role


async def _rules(ctx: Ctx) -> Response:
    require(ctx.who, Role.ADMIN)  # the rules are the admin's, as in RulesService
    if ctx.console.rules is None:
        raise NotReady("this console has no rules store")
    rules = await ctx.run(ctx.console.rules.rules)
    return ctx.render("rules.html", rules=rules)


async def _rule(ctx: Ctx) -> Response:
    require(ctx.who, Role.ADMIN)
    core = ctx.console.rules
    if core is None:
        raise NotReady("this console has no rules store")
    rule_id = ctx.request.path_params["rule_id"]
    history = await ctx.run(core.history, rule_id)
    result = None
    if ctx.request.query_params.get("backtest"):
        result = await ctx.run(lambda: core.backtest(rule_id=rule_id))
    return ctx.render(
        "rule.html", rule=history[-1] if history else None, history=history, bt=result
    )


rules_page = page(_rules)
rule_page = page(_rule)
