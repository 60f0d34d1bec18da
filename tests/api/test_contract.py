"""Health, reflection, idempotency, replay determinism and the bad-input table."""

from __future__ import annotations

import time
from collections.abc import Callable

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.api.server import SERVICE_NAME, start_server
from tests import samples
from tests.api.conftest import Served
from tests.api.test_scoring import _stored_features


def _violation(err: grpc.RpcError) -> str:
    status = rpc_status.from_call(err)
    assert status is not None, "INVALID_ARGUMENT must carry rich details"
    detail = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(detail)
    field: str = detail.field_violations[0].field
    return field


def test_health_is_serving_with_a_model(served: Served) -> None:
    """Standard health reports SERVING for the server and the scoring service."""
    stub = health_pb2_grpc.HealthStub(served.channel)
    for name in ("", SERVICE_NAME):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_health_is_not_serving_before_a_model_loads() -> None:
    """A server without a loaded model reports NOT_SERVING and answers UNAVAILABLE."""
    running = start_server("127.0.0.1", 0, 2, 16384)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=5
            )
            assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING
            stub = pb_grpc.ScoringServiceStub(channel)
            with pytest.raises(grpc.RpcError) as err:
                stub.ScoreSignup(samples.signup(1), timeout=5)
            assert err.value.code() is grpc.StatusCode.UNAVAILABLE
    finally:
        running.stop(None)


def test_reflection_lists_the_services(served: Served) -> None:
    """Server reflection names the scoring, health and reflection services."""
    stub = reflection_pb2_grpc.ServerReflectionStub(served.channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
    )
    names = {s.name for r in replies for s in r.list_services_response.service}
    assert {SERVICE_NAME, "grpc.health.v1.Health"} <= names


def test_same_event_id_returns_the_stored_decision_and_counts_once(served: Served) -> None:
    """A retried event gets the identical decision and is not counted twice."""
    first = served.stub.ScoreSignup(samples.signup(1, ip="198.51.100.20"), timeout=5).decision
    again = served.stub.ScoreSignup(samples.signup(1, ip="198.51.100.20"), timeout=5).decision
    assert again == first
    served.stub.ScoreSignup(samples.signup(2, ip="198.51.100.20"), timeout=5)
    assert served.components.store.flush()
    assert _stored_features(served, "evt-s-2")["vel_ip_10m"] == 1.0


def test_idempotency_survives_the_memory_cache(serve: Callable[..., Served]) -> None:
    """With no in-process cache, a repeat is answered from the decision store."""
    served = serve(idempotency_cache_size=0)
    first = served.stub.ScoreSignup(samples.signup(5), timeout=5).decision
    served.components.store.flush()
    again = served.stub.ScoreSignup(samples.signup(5), timeout=5).decision
    assert again == first


def _stream(t0: float) -> list[pb.ScoreSignupRequest | pb.ScoreApiKeyCreationRequest]:
    out: list[pb.ScoreSignupRequest | pb.ScoreApiKeyCreationRequest] = []
    for i in range(40):
        out.append(samples.signup(i, ip=f"203.0.113.{i % 3}", at=t0 + i * 30))
        if i % 4 == 0:
            out.append(samples.api_key(i, ip=f"203.0.113.{i % 3}", at=t0 + i * 30 + 90))
    out.sort(key=lambda r: r.occurred_at.ToNanoseconds())
    return out


Stream = list[pb.ScoreSignupRequest | pb.ScoreApiKeyCreationRequest]


def _replay(served: Served, stream: Stream) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for request in stream:
        if isinstance(request, pb.ScoreSignupRequest):
            d = served.stub.ScoreSignup(request, timeout=5).decision
        else:
            d = served.stub.ScoreApiKeyCreation(request, timeout=5).decision
        out.append((d.event_id, d.action, d.score, tuple((r.code, r.weight) for r in d.reasons)))
    return out


def test_event_clock_replay_is_identical(serve: Callable[..., Served]) -> None:
    """Replaying one recorded stream into two fresh event-clock servers gives identical answers,
    even when the stream is months old."""
    stream = _stream(t0=1_700_000_000.0)
    first = _replay(serve(clock="event"), stream)
    second = _replay(serve(clock="event"), stream)
    assert first == second


# -- bad input ------------------------------------------------------------------------------


def _expect_invalid(call: Callable[[], object], field: str) -> None:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _violation(err.value) == field


@pytest.mark.parametrize("field", ["event_id", "account_id"])
def test_missing_required_id(served: Served, field: str) -> None:
    """A missing event_id or account_id is INVALID_ARGUMENT naming it, for both score RPCs."""
    signup, key = samples.signup(1), samples.api_key(1)
    signup.ClearField(field)
    key.ClearField(field)
    _expect_invalid(lambda: served.stub.ScoreSignup(signup, timeout=5), field)
    _expect_invalid(lambda: served.stub.ScoreApiKeyCreation(key, timeout=5), field)


@pytest.mark.parametrize("field", ["event_id", "account_id"])
def test_id_over_128_bytes(served: Served, field: str) -> None:
    """An id over 128 bytes (multi-byte characters count as bytes) is rejected by name."""
    request = samples.signup(1)
    setattr(request, field, "é" * 65)  # 130 bytes in UTF-8, 65 characters
    _expect_invalid(lambda: served.stub.ScoreSignup(request, timeout=5), field)


def test_occurred_at_far_from_server_time(served: Served) -> None:
    """In wall-clock mode, an occurred_at more than a day away is rejected."""
    request = samples.signup(1, at=time.time() - 2 * 86400)
    _expect_invalid(lambda: served.stub.ScoreSignup(request, timeout=5), "occurred_at")
    key = samples.api_key(1, at=time.time() + 2 * 86400)
    _expect_invalid(lambda: served.stub.ScoreApiKeyCreation(key, timeout=5), "occurred_at")


def test_occurred_at_out_of_timestamp_range(served: Served) -> None:
    """A Timestamp outside protobuf's valid range is rejected by name."""
    request = samples.signup(1)
    request.occurred_at.nanos = -5
    _expect_invalid(lambda: served.stub.ScoreSignup(request, timeout=5), "occurred_at")


def test_request_over_the_size_limit_names_the_largest_field(served: Served) -> None:
    """A request over max_request_bytes is rejected, naming the field that made it so."""
    request = samples.signup(1)
    request.device.user_agent = "A" * 20_000
    _expect_invalid(lambda: served.stub.ScoreSignup(request, timeout=5), "device.user_agent")


def test_report_outcome_needs_a_label(served: Served) -> None:
    """ReportOutcome without a label is INVALID_ARGUMENT naming label."""
    request = pb.ReportOutcomeRequest(account_id="a1", source="manual_review")
    _expect_invalid(lambda: served.stub.ReportOutcome(request, timeout=5), "label")


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("identity", "email", "not-an-email@@"),
        ("identity", "phone", "+999 12"),
        ("device", "ip", "300.1.2.3"),
        ("device", "user_agent", "\x00\x01garbage"),
        ("device", "timezone", "Mars/Olympus"),
        ("payment", "card_bin", "12ab"),
        ("payment", "card_country", "XX"),
    ],
)
def test_malformed_signal_is_scored_not_rejected(
    served: Served, section: str, field: str, value: str
) -> None:
    """A malformed email, phone, IP, UA, timezone, BIN or country is scored, not an error."""
    request = samples.signup(1)
    setattr(getattr(request, section), field, value)
    d = served.stub.ScoreSignup(request, timeout=5).decision
    assert 0.0 <= d.score <= 1.0
    assert not d.degraded


def test_reuse_port_lets_two_servers_share_a_port() -> None:
    """With reuse_port two servers bind one port (one process per core); without, the second
    fails to bind."""
    first = start_server("127.0.0.1", 0, 2, 16384, reuse_port=True)
    try:
        second = start_server("127.0.0.1", first.port, 2, 16384, reuse_port=True)
        assert second.port == first.port
        second.stop(None)
        with pytest.raises(OSError, match="cannot bind"):
            start_server("127.0.0.1", first.port, 2, 16384)
    finally:
        first.stop(None)


def test_report_outcome_idempotency_key_is_bounded(served: Served) -> None:
    """An idempotency key over 128 bytes is INVALID_ARGUMENT naming idempotency_key."""
    request = pb.ReportOutcomeRequest(
        account_id="a1", label=pb.LABEL_FRAUD, idempotency_key="k" * 129
    )
    _expect_invalid(lambda: served.stub.ReportOutcome(request, timeout=5), "idempotency_key")


def test_report_outcome_with_one_key_is_one_outcome(served: Served) -> None:
    """Two reports with one idempotency key share an outcome_id; another key gets another."""

    def report(key: str) -> str:
        request = pb.ReportOutcomeRequest(
            account_id="a1", label=pb.LABEL_FRAUD, source="cb", idempotency_key=key
        )
        return str(served.stub.ReportOutcome(request, timeout=5).outcome_id)

    assert report("x") == report("x") != report("y")
