"""The wrapper every page goes through: sign-in, CSRF on POST, domain errors to a status page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service.console.errors import http_status, message
from service.console.sessions import CSRF_FIELD, Session, same
from service.console.state import Console
from service.errors import SignupGuardError
from service.review.model import Principal, Role

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Ctx:
    """The request as a page sees it: the console, the reviewer, their session, the form."""

    def __init__(
        self,
        request: Request,
        console: Console,
        session: Session,
        who: Principal,
        form: dict[str, str],
    ) -> None:
        self.request = request
        self.console = console
        self.session = session
        self.who = who
        self.form = form

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Call a (blocking) core method off the event loop."""
        return await run_in_threadpool(fn, *args)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        """A page with the common context (reviewer, CSRF token, role flags)."""
        values.update(
            request=self.request,
            who=self.who,
            is_lead=self.who.role >= Role.LEAD,
            csrf=self.session.csrf,
            csrf_field=CSRF_FIELD,
        )
        return self.console.templates.TemplateResponse(
            self.request, template, values, status_code=status
        )


Handler = Callable[[Ctx], Awaitable[Response]]


def console_of(request: Request) -> Console:
    """The app's console."""
    console: Console = request.app.state.console
    return console


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Sign-in required (else to /login); POST needs the session's CSRF token (else 403)."""

    async def endpoint(request: Request) -> Response:
        console = console_of(request)
        try:
            found = console.sessions.get(request)
        except SignupGuardError as exc:
            return _plain_error(console, request, exc)
        if found is None:
            if request.method != "GET":
                return Response("sign in first", status_code=401, media_type="text/plain")
            return RedirectResponse("/login", status_code=303)
        session, who = found
        form: dict[str, str] = {}
        if request.method == "POST":
            raw = await request.form()
            form = {k: v for k, v in raw.items() if isinstance(v, str)}
            if not same(form.get(CSRF_FIELD, ""), session.csrf):
                logger.warning(
                    "console: refused a POST to %s without its CSRF token", request.url.path
                )
                return Response(
                    "refused: missing or wrong CSRF token", status_code=403, media_type="text/plain"
                )
        ctx = Ctx(request, console, session, who, form)
        try:
            return await handler(ctx)
        except SignupGuardError as exc:
            status = http_status(exc)
            if status >= 500:
                logger.warning("console: %s failed: %s", request.url.path, exc)
            return ctx.render("error.html", status=status, status_code=status, message=message(exc))

    return endpoint


def _plain_error(console: Console, request: Request, exc: SignupGuardError) -> Response:
    return Response(message(exc), status_code=http_status(exc), media_type="text/plain")
