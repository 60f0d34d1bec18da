"""Domain errors to HTTP status: the console's one table (gRPC's is service/api/status.py)."""

from __future__ import annotations

from service.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    NotReady,
    PermissionDenied,
    SignupGuardError,
    StoreUnavailable,
    Unauthenticated,
)

STATUS: dict[type[SignupGuardError], int] = {
    InvalidRequest: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    NotReady: 503,
    StoreUnavailable: 503,
}


def http_status(exc: SignupGuardError) -> int:
    """The status of a domain error (500 for one not in the table)."""
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def message(exc: SignupGuardError) -> str:
    """What the page may show: the domain message, except for unexpected errors."""
    return str(exc) if http_status(exc) < 500 or isinstance(exc, NotReady) else "internal error"
