"""Health, login (reviewer token -> session cookie) and logout."""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from service.console.sessions import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    same,
    set_cookie,
)
from service.console.views.base import Ctx, console_of, page
from service.errors import SignupGuardError


async def healthz(request: Request) -> Response:
    """200 while the process serves."""
    return PlainTextResponse("ok")


def _form(request: Request, error: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(32)
    response = console_of(request).templates.TemplateResponse(
        request,
        "login.html",
        {"csrf": csrf, "csrf_field": CSRF_FIELD, "error": error, "who": None},
        status_code=status,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, csrf)
    return response


async def login_form(request: Request) -> Response:
    """The sign-in form (a fresh double-submit CSRF token in a cookie and a hidden field)."""
    return _form(request)


async def login(request: Request) -> Response:
    """Check the CSRF pair and the token; start a session and go to the queue."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not same(sent, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return PlainTextResponse("refused: missing or wrong CSRF token", status_code=403)
    token = form.get("token")
    console = console_of(request)
    try:
        started = await run_in_threadpool(
            console.sessions.login, token.strip() if isinstance(token, str) else ""
        )
    except SignupGuardError:
        return _form(request, "The reviewer store is unavailable; try again.", 503)
    if started is None:
        return _form(request, "That token is not a reviewer's token.", 401)
    sid, _ = started
    response = RedirectResponse("/", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, sid)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


async def _logout(ctx: Ctx) -> Response:
    ctx.console.sessions.logout(ctx.request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


logout = page(_logout)
