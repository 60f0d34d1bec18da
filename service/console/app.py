"""Build the console's Starlette app from the cores; the one place routes are listed."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.console import filters
from service.console.sessions import Sessions
from service.console.state import Console
from service.console.views import auth, campaigns, model_page, queue, rules_page
from service.monitor import ModelMonitor
from service.review.core import ReviewCore
from service.review.reviewers import Reviewers
from service.rules.core import RulesCore

HERE = Path(__file__).parent


HEADERS = [
    # Only our own scripts, styles and images; no framing (clickjacking a verdict button).
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, adding the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, sending)


def build_app(
    review: ReviewCore,
    reviewers: Reviewers,
    rules: RulesCore | None = None,
    monitor: ModelMonitor | None = None,
) -> Starlette:
    """The console over these cores (``rules`` None: no rules page; ``monitor``: no model page)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(env)
    console = Console(
        review, reviewers, rules, Sessions(reviewers), Jinja2Templates(env=env), monitor
    )
    routes = [
        Route("/healthz", auth.healthz),
        Route("/login", auth.login_form, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/", queue.queue_page),
        Route("/claim-next", queue.claim_next, methods=["POST"]),
        Route("/cases/{case_id}", queue.case_page),
        Route("/cases/{case_id}/claim", queue.claim, methods=["POST"]),
        Route("/cases/{case_id}/resolve", queue.resolve, methods=["POST"]),
        Route("/campaigns", campaigns.list_page),
        Route("/campaigns/{campaign_id}", campaigns.campaign_page),
        Route("/campaigns/{campaign_id}/preview", campaigns.preview_page),
        Route("/campaigns/{campaign_id}/resolve", campaigns.resolve, methods=["POST"]),
        Route("/campaign-actions/{action_id}/undo", campaigns.undo, methods=["POST"]),
        Route("/rules", rules_page.rules_page),
        Route("/rules/{rule_id}", rules_page.rule_page),
        Route("/model", model_page.model_page),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.console = console
    return app
