"""Request bytes that do not decode: INVALID_ARGUMENT, counted, quietly logged, not INTERNAL."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from tests import samples
from tests.api import rawfuzz
from tests.api.conftest import Served


def test_every_service_method_is_fuzzed() -> None:
    """The corpus covers scoring, admin, health and reflection, read from the descriptors."""
    paths = {r.path for r in rawfuzz.rpcs()}
    assert {
        "/signupguard.v1.ScoringService/ScoreSignup",
        "/signupguard.v1.ScoringService/ReportOutcome",
        "/signupguard.v1.AdminService/LoadModel",
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    } <= paths


def test_invalid_utf8_is_invalid_argument_naming_the_request(served: Served) -> None:
    """A string field with invalid UTF-8 is INVALID_ARGUMENT with a short message, not INTERNAL."""
    body = samples.signup(1).SerializeToString().replace(b"acct-", b"\xffcct-", 1)
    with pytest.raises(grpc.RpcError) as err:
        served.channel.unary_unary("/signupguard.v1.ScoringService/ScoreSignup")(body, timeout=5)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == (
        "request: cannot be decoded (corrupt wire format or invalid UTF-8)"
    )


def test_raw_bytes_never_fail_internally(
    serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
) -> None:
    """Random, truncated, bit-flipped and bad-UTF-8 bytes for every RPC: 0 INTERNAL, no
    traceback, a throttled WARNING, a metric per refusal, the server alive and its decisions
    for valid requests unchanged."""
    fresh = serve(clock="event", admin_token="t0ken")
    fuzzed = serve(clock="event", admin_token="t0ken")
    probe = samples.signup(777_001, ip="203.0.113.77", at=1_780_000_000.0)
    with caplog.at_level(logging.INFO):
        counts = rawfuzz.run(fuzzed.channel, per_kind=40)
    by_code = Counter[str]()
    for (_path, _kind, code), n in counts.items():
        by_code[code] += n
    assert by_code["INTERNAL"] == 0, counts
    assert by_code["UNKNOWN"] == 0, counts
    assert by_code["INVALID_ARGUMENT"] > 0.5 * sum(by_code.values()), by_code
    refused = fuzzed.metrics.registry.get_sample_value(
        "signupguard_malformed_requests_total", {"method": "ScoreSignup"}
    )
    assert refused is not None
    assert refused > 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    warnings = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert 1 <= len(warnings) <= 3  # throttled: one per 10 s

    health = health_pb2_grpc.HealthStub(fuzzed.channel).Check(
        health_pb2.HealthCheckRequest(), timeout=5
    )
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    after = fuzzed.stub.ScoreSignup(probe, timeout=5).decision
    baseline = fresh.stub.ScoreSignup(probe, timeout=5).decision
    assert (after.action, after.score) == (baseline.action, baseline.score)


def test_a_valid_request_still_scores_after_corrupt_ones(served: Served) -> None:
    """Corrupt bytes on a channel leave the channel and the servicer usable."""
    method = served.channel.unary_unary("/signupguard.v1.ScoringService/ScoreSignup")
    for body in (b"\xff" * 10, b"\x0a\x05ab", b"\x12\x80"):
        with pytest.raises(grpc.RpcError) as err:
            method(body, timeout=5)
        assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    reply = served.stub.ScoreSignup(samples.signup(5), timeout=5)
    assert isinstance(reply, pb.ScoreSignupResponse)
    assert reply.decision.event_id == samples.signup(5).event_id
