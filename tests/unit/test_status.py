"""The domain-error to gRPC-status table."""

from __future__ import annotations

import grpc

from service import errors
from service.api.status import STATUS, code_for, to_status


def _all_errors(cls: type[BaseException]) -> list[type[BaseException]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_all_errors(sub))
    return out


def test_every_domain_error_has_a_status() -> None:
    """Every class in the domain error tree appears in the status table."""
    assert set(_all_errors(errors.SignupGuardError)) == set(STATUS)


def test_invalid_request_names_the_field() -> None:
    """INVALID_ARGUMENT carries a BadRequest field violation naming the field."""
    status = to_status(errors.InvalidRequest("event_id", "is required"))
    assert status.code is grpc.StatusCode.INVALID_ARGUMENT
    assert "event_id" in status.details
    assert any(key == "grpc-status-details-bin" for key, _ in status.trailing_metadata)


def test_unexpected_errors_hide_their_text() -> None:
    """An unexpected exception is INTERNAL with a generic message, never its own text."""
    status = to_status(RuntimeError("secret connection string"))
    assert code_for(RuntimeError()) is grpc.StatusCode.INTERNAL
    assert "secret" not in status.details
