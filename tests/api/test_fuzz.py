"""Property tests: any value in any field of either request never yields INTERNAL."""

from __future__ import annotations

import grpc
from hypothesis import HealthCheck, given, settings

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from tests.api.conftest import Served
from tests.strategies import api_key_requests, signup_requests

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ACCEPTABLE = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT}


def _code(call: object) -> grpc.StatusCode:
    try:
        call()  # type: ignore[operator]
    except grpc.RpcError as err:
        return err.code()
    return grpc.StatusCode.OK


@FUZZ
@given(request=signup_requests())
def test_fuzzed_signups_never_fail_internally(
    served: Served, request: pb.ScoreSignupRequest
) -> None:
    """Any ScoreSignup request gets OK or INVALID_ARGUMENT, never INTERNAL or a crash."""
    assert _code(lambda: served.stub.ScoreSignup(request, timeout=10)) in ACCEPTABLE


@FUZZ
@given(request=api_key_requests())
def test_fuzzed_key_creations_never_fail_internally(
    served: Served, request: pb.ScoreApiKeyCreationRequest
) -> None:
    """Any ScoreApiKeyCreation request gets OK or INVALID_ARGUMENT, never INTERNAL."""
    assert _code(lambda: served.stub.ScoreApiKeyCreation(request, timeout=10)) in ACCEPTABLE


@FUZZ
@given(request=signup_requests())
def test_fuzzed_signups_on_the_event_clock(
    served_event: Served, request: pb.ScoreSignupRequest
) -> None:
    """On the event clock every timestamp is accepted and scored."""
    code = _code(lambda: served_event.stub.ScoreSignup(request, timeout=10))
    assert code is grpc.StatusCode.OK
