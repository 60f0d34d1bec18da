"""Bearer-token authentication for the ops services, done once for all of them.

A server interceptor: each guarded method names the least role it needs (``rules``: a full
method name, or a service prefix ending in ``/``). The token in ``authorization: Bearer ...``
is verified once per call (no token or an unknown one: UNAUTHENTICATED; a role below the
method's: PERMISSION_DENIED) and the caller is handed to the servicer through
:func:`current_principal`. Methods without a rule (scoring, health, reflection, the admin
service's own check) pass untouched. Verifiers are attached once the database is open: a named
reviewer's token, and the configured admin token as the ``admin`` role. Under mTLS, a verified
client certificate whose CN or SAN is listed (``Settings.tls_admin_identities``) is the admin
without a token.
"""

from __future__ import annotations

import contextvars
import hmac
from collections.abc import Callable, Mapping
from typing import Any

import grpc

from service.api.status import to_status
from service.api.tls import peer_identities
from service.errors import (
    AdminDisabled,
    NotReady,
    PermissionDenied,
    SignupGuardError,
    Unauthenticated,
)
from service.review.model import Principal, Role

Verifier = Callable[[str], Principal | None]

_CURRENT: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "signupguard_principal", default=None
)


def current_principal() -> Principal:
    """The authenticated caller of the RPC being served (only inside a guarded method)."""
    principal = _CURRENT.get()
    if principal is None:  # pragma: no cover - a guarded method without the interceptor
        raise Unauthenticated("no authenticated caller")
    return principal


def bearer(metadata: Any) -> str:
    """The token of an ``authorization: Bearer ...`` metadata entry, or ''."""
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
            return value.removeprefix("Bearer ").strip()
    return ""


class Authenticator(grpc.ServerInterceptor):  # type: ignore[misc]  # grpc is untyped
    """Authenticates and authorises guarded methods; see the module docstring."""

    def __init__(
        self,
        rules: Mapping[str, Role],
        admin_token: str | None = None,
        certified_admins: frozenset[str] = frozenset(),
    ) -> None:
        self._rules = dict(rules)
        self._admin = admin_token.encode() if admin_token else None
        self._certified = certified_admins
        self._verifiers: list[Verifier] = []

    def attach(self, verify: Verifier) -> None:
        """Accept the tokens this verifier knows."""
        self._verifiers.append(verify)

    def role_for(self, method: str) -> Role | None:
        """The least role a method needs; None when it is not guarded."""
        if method in self._rules:
            return self._rules[method]
        service = method.rsplit("/", 1)[0] + "/"
        return self._rules.get(service)

    def authenticate(self, token: str, needed: Role) -> Principal:
        """The caller of ``token`` if it may call a method needing ``needed``; else raise."""
        if not token:
            if needed is Role.ADMIN and self._admin is None:
                # Nothing could authenticate an anonymous admin call: say why, as before.
                raise AdminDisabled("admin calls are disabled: no admin token is configured")
            raise Unauthenticated("a bearer token is required")
        principal: Principal | None = None
        if self._admin is not None and hmac.compare_digest(token.encode(), self._admin):
            principal = Principal("admin", Role.ADMIN)
        else:
            if not self._verifiers:
                raise NotReady("the review store is not open yet")
            for verify in self._verifiers:
                principal = verify(token)
                if principal is not None:
                    break
        if principal is None:
            raise Unauthenticated("unknown or disabled token")
        if principal.role < needed:
            raise PermissionDenied(
                f"{principal.name} is a {principal.role.name.lower()};"
                f" this call needs {needed.name.lower()}"
            )
        return principal

    def _certificate(self, context: grpc.ServicerContext) -> Principal | None:
        """The admin, when the call came with a verified client certificate listed as one."""
        if not self._certified:
            return None
        names = peer_identities(context) & self._certified
        return Principal(f"cert:{min(names)}", Role.ADMIN) if names else None

    def intercept_service(self, continuation: Any, details: Any) -> Any:
        """Wrap a guarded unary method's behaviour with the token check."""
        handler = continuation(details)
        needed = self.role_for(details.method)
        if handler is None or needed is None or handler.unary_unary is None:
            return handler
        token = bearer(details.invocation_metadata)
        behaviour = handler.unary_unary

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                principal = self._certificate(context) or self.authenticate(token, needed)
            except SignupGuardError as exc:
                context.abort_with_status(to_status(exc))
            reset = _CURRENT.set(principal)
            try:
                return behaviour(request, context)
            finally:
                _CURRENT.reset(reset)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
