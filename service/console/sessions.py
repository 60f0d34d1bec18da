"""Login sessions kept on the server, CSRF tokens, and who is signed in.

The cookie holds only a random session id (HttpOnly, SameSite=Lax, Secure over TLS); the
session keeps the reviewer's token, re-verified through :class:`Reviewers` on every request
(cached there), so disabling a reviewer ends their console sessions too. Sessions live in this
process: restarting the console signs everyone out. Every state change carries the session's
CSRF token in a form field; the login form, before any session, uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from service.review.model import Principal
from service.review.reviewers import Reviewers

SESSION_COOKIE = "sg_session"
LOGIN_CSRF_COOKIE = "sg_login_csrf"
CSRF_FIELD = "csrf"
MAX_SESSIONS = 10_000  # beyond this, a login first drops the expired sessions


@dataclass
class Session:
    """One signed-in browser."""

    token: str
    csrf: str
    expires_at: float


def same(a: str, b: str) -> bool:
    """Constant-time equality of two non-empty strings."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class Sessions:
    """Session ids -> reviewer tokens, with an idle expiry."""

    def __init__(
        self, reviewers: Reviewers, ttl_s: float = 8 * 3600.0, now: Callable[[], float] = time.time
    ) -> None:
        self._reviewers = reviewers
        self._ttl_s = ttl_s
        self._now = now
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def login(self, token: str) -> tuple[str, Session] | None:
        """A new session for a valid reviewer token, or None."""
        if self._reviewers.verify(token) is None:
            return None
        sid = secrets.token_urlsafe(32)
        session = Session(token, secrets.token_urlsafe(32), self._now() + self._ttl_s)
        with self._lock:
            if len(self._by_id) > MAX_SESSIONS:
                now = self._now()
                self._by_id = {k: v for k, v in self._by_id.items() if v.expires_at >= now}
            self._by_id[sid] = session
        return sid, session

    def get(self, request: Request) -> tuple[Session, Principal] | None:
        """The live session of the request and its reviewer, or None."""
        sid = request.cookies.get(SESSION_COOKIE, "")
        now = self._now()
        with self._lock:
            session = self._by_id.get(sid)
            if session is None or session.expires_at < now:
                self._by_id.pop(sid, None)
                return None
            session.expires_at = now + self._ttl_s
        who = self._reviewers.verify(session.token)
        return None if who is None else (session, who)

    def logout(self, request: Request) -> None:
        """Forget the request's session."""
        with self._lock:
            self._by_id.pop(request.cookies.get(SESSION_COOKIE, ""), None)


def secure(request: Request) -> bool:
    """Whether the console is reached over TLS (cookies then carry ``Secure``)."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """An HttpOnly, SameSite=Lax cookie, Secure over TLS."""
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=secure(request), path="/"
    )
