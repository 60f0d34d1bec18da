"""The one table from domain errors to gRPC status codes, with rich details for bad input."""

from __future__ import annotations

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from service.errors import (
    AdminDisabled,
    Conflict,
    InsecureTransport,
    InvalidCondition,
    InvalidRequest,
    ModelError,
    NotFound,
    NotReady,
    PermissionDenied,
    SignupGuardError,
    SpecMismatch,
    StateUnavailable,
    StoreUnavailable,
    Unauthenticated,
)

# Most specific first; every domain error class appears (a test checks it).
STATUS: dict[type[SignupGuardError], grpc.StatusCode] = {
    InvalidCondition: grpc.StatusCode.INVALID_ARGUMENT,
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    NotReady: grpc.StatusCode.UNAVAILABLE,
    SpecMismatch: grpc.StatusCode.FAILED_PRECONDITION,
    ModelError: grpc.StatusCode.FAILED_PRECONDITION,
    StateUnavailable: grpc.StatusCode.UNAVAILABLE,
    StoreUnavailable: grpc.StatusCode.UNAVAILABLE,
    InsecureTransport: grpc.StatusCode.UNAUTHENTICATED,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    AdminDisabled: grpc.StatusCode.PERMISSION_DENIED,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    SignupGuardError: grpc.StatusCode.INTERNAL,
}

# Errors whose own message is written for the caller (it names their object, never internals).
_OWN_MESSAGE = (PermissionDenied, NotFound, Conflict)
# Messages safe to show a client: never str(exc) of an unexpected error.
_PUBLIC: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.UNAVAILABLE: "service temporarily unavailable; retry with backoff",
    grpc.StatusCode.FAILED_PRECONDITION: "no usable model is loaded",
    grpc.StatusCode.INTERNAL: "internal error",
    grpc.StatusCode.UNAUTHENTICATED: "a valid bearer token is required (authorization: Bearer ...)",
    grpc.StatusCode.PERMISSION_DENIED: "admin calls are disabled: no admin token is configured",
    grpc.StatusCode.NOT_FOUND: "not found",
}


# Where one code covers errors that need telling apart, the message of the specific class.
_PUBLIC_BY_CLASS: dict[type[BaseException], str] = {
    InsecureTransport: "bearer tokens are refused over plaintext on this port: connect with TLS",
}


def code_for(exc: BaseException) -> grpc.StatusCode:
    """gRPC code of an exception (INTERNAL for anything that is not a domain error)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return grpc.StatusCode.INTERNAL


def to_status(exc: BaseException) -> grpc.Status:
    """A rich status for an exception: field violations for bad input, a generic text otherwise."""
    code = code_for(exc)
    if isinstance(exc, InvalidRequest):
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=exc.field, description=exc.description
                )
            ]
        )
        status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(exc))
        status.details.add().Pack(detail)
        return rpc_status.to_status(status)
    if isinstance(exc, _OWN_MESSAGE):
        return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=str(exc)))
    message = _PUBLIC_BY_CLASS.get(type(exc)) or _PUBLIC.get(code, "request failed")
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message))
