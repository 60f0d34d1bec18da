"""Named reviewers with roles and bearer tokens (stored as SHA-256, shown once).

Tokens are 256 random bits, so a plain SHA-256 is enough to store them (nothing to brute-force);
lookups are by hash. Verified tokens are cached for ``cache_s`` so an RPC costs no query;
disabling a reviewer takes effect within that time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from service.errors import Conflict, InvalidRequest, NotFound, StoreUnavailable
from service.review.model import Principal, Role
from service.store.schema import reviewers

TOKEN_PREFIX = "sgr_"  # noqa: S105  (a format marker, not a secret)


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(name: str) -> Role:
    """A role from its name (reviewer, lead, admin)."""
    try:
        return Role[name.upper()]
    except KeyError as exc:
        raise InvalidRequest("role", "must be reviewer, lead or admin") from exc


class Reviewers:
    """Add, list, disable reviewers; verify a bearer token."""

    def __init__(
        self, engine: Engine, cache_s: float = 30.0, now: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self._cache_s = cache_s
        self._now = now
        self._cache: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, role: Role) -> str:
        """Create a reviewer; returns their token (not kept anywhere in clear)."""
        if not name or len(name) > 64:
            raise InvalidRequest("name", "must be 1 to 64 characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(reviewers).values(
                        name=name,
                        role=role.name.lower(),
                        token_hash=token_hash(token),
                        created_at=self._now(),
                        disabled=False,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"reviewer {name!r} exists already") from exc
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot add the reviewer: {exc}") from exc
        return token

    def list(self) -> list[tuple[str, Role, bool]]:
        """(name, role, disabled) of every reviewer."""
        with self._engine.connect() as conn:
            return [
                (r.name, Role[r.role.upper()], bool(r.disabled))
                for r in conn.execute(select(reviewers).order_by(reviewers.c.name))
            ]

    def disable(self, name: str) -> None:
        """Refuse the reviewer's token from now on (within the cache time)."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(reviewers).where(reviewers.c.name == name).values(disabled=True)
            ).rowcount
        if not done:
            raise NotFound(f"reviewer {name!r} not found")

    def verify(self, token: str) -> Principal | None:
        """The reviewer holding this token, or None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        digest = token_hash(token)
        now = self._now()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        try:
            with self._engine.connect() as conn:
                row = conn.execute(
                    select(reviewers.c.name, reviewers.c.role, reviewers.c.disabled).where(
                        reviewers.c.token_hash == digest
                    )
                ).first()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot check the token: {exc}") from exc
        principal = (
            None if row is None or row.disabled else Principal(row.name, Role[row.role.upper()])
        )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (principal, now + self._cache_s)
        return principal
