"""Authentication of the operator services, once for all of them: one server interceptor.

Calls to a protected service (AdminService, RulesService, and whichever service a later
branch registers) must carry ``authorization: Bearer <token>``. An :class:`Authenticator` turns
the metadata into an :class:`Identity` (subject and roles) or raises; today's one knows the
single admin token, and a reviewer directory with roles can replace it without touching a
servicer. The identity of the call is readable in the handler through :func:`current_identity`.
"""

from __future__ import annotations

import contextvars
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from service.api.status import to_status
from service.api.tls import peer_identities
from service.errors import AdminDisabled, SignupGuardError, Unauthenticated


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling and what they may do."""

    subject: str
    roles: frozenset[str]


ADMIN = Identity("admin", frozenset({"admin"}))
_IDENTITY: contextvars.ContextVar[Identity | None] = contextvars.ContextVar(
    "signupguard_identity", default=None
)


def current_identity() -> Identity | None:
    """The authenticated caller of the RPC being handled (None outside one)."""
    return _IDENTITY.get()


class Authenticator(Protocol):
    """Turns call metadata into an identity; raises Unauthenticated or AdminDisabled."""

    def authenticate(self, metadata: Sequence[tuple[str, Any]]) -> Identity:
        """The caller's identity."""
        ...


class AdminToken:
    """The one admin bearer token (``Settings.admin_token``); None disables the services."""

    def __init__(self, token: str | None) -> None:
        self._token = token.encode() if token else None

    def authenticate(self, metadata: Sequence[tuple[str, Any]]) -> Identity:
        """ADMIN for the right token."""
        if self._token is None:
            raise AdminDisabled("no admin token configured")
        header = dict(metadata).get("authorization", "")
        given = header.removeprefix("Bearer ").encode() if isinstance(header, str) else b""
        if not hmac.compare_digest(given, self._token):
            raise Unauthenticated("missing or wrong admin token")
        return ADMIN


class AuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]  # grpc is untyped
    """Authenticates every unary call to the protected services before its handler runs."""

    def __init__(
        self,
        authenticator: Authenticator,
        services: Iterable[str],
        certified_admins: frozenset[str] = frozenset(),
    ) -> None:
        """``certified_admins``: client-certificate names (CN or SAN, verified by mTLS) that
        act as the admin without a token."""
        self._auth = authenticator
        self._prefixes = tuple(f"/{name}/" for name in services)
        self._certified = certified_admins

    def intercept_service(
        self,
        continuation: Callable[[Any], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        """Wrap the handler of a protected method; leave every other call alone."""
        handler = continuation(handler_call_details)
        if handler is None or not handler_call_details.method.startswith(self._prefixes):
            return handler
        if handler.unary_unary is None:
            return None  # a streaming operator method would bypass the check: UNIMPLEMENTED
        inner = handler.unary_unary
        auth = self._auth
        certified = self._certified

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                if certified and peer_identities(context) & certified:
                    identity = ADMIN  # a verified client certificate mapped to the admin
                else:
                    identity = auth.authenticate(context.invocation_metadata())
            except SignupGuardError as exc:
                context.abort_with_status(to_status(exc))
                raise AssertionError("unreachable: abort_with_status raises") from exc
            token = _IDENTITY.set(identity)
            try:
                return inner(request, context)
            finally:
                _IDENTITY.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
