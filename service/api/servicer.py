"""ScoringService servicer: convert, call the core, convert back. Nothing else."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import grpc

from service.api import convert
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.api.status import code_for, to_status
from service.errors import NotReady, SignupGuardError
from service.observability import Metrics
from service.scoring import Scorer

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ScoringServicer(pb_grpc.ScoringServiceServicer):  # type: ignore[misc]  # generated base is untyped
    """Thin gRPC front of :class:`service.scoring.Scorer`."""

    def __init__(self, max_request_bytes: int, metrics: Metrics | None = None) -> None:
        self._scorer: Scorer | None = None
        self._limit = max_request_bytes
        self._metrics = metrics
        # The OK counter and latency histogram of each method, resolved once (labels() locks).
        self._children = (
            {
                m: (metrics.requests.labels(m, "OK"), metrics.latency.labels(m))
                for m in ("ScoreSignup", "ScoreApiKeyCreation", "ReportOutcome")
            }
            if metrics is not None
            else {}
        )

    def attach(self, scorer: Scorer) -> None:
        """Start answering with this scorer (until then every call is UNAVAILABLE)."""
        self._scorer = scorer

    def _core(self) -> Scorer:
        if self._scorer is None:
            raise NotReady("no model loaded yet")
        return self._scorer

    def _call(self, method: str, context: grpc.ServicerContext, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            return work()
        except SignupGuardError as exc:
            code = code_for(exc)
            if code is grpc.StatusCode.INTERNAL:
                logger.exception("%s failed", method)
            context.abort_with_status(to_status(exc))
        except Exception as exc:
            code = grpc.StatusCode.INTERNAL
            logger.exception("%s failed unexpectedly", method)
            context.abort_with_status(to_status(exc))
        finally:
            if self._metrics is not None:
                ok, latency = self._children[method]
                counter = (
                    ok
                    if code is grpc.StatusCode.OK
                    else self._metrics.requests.labels(method, code.name)
                )
                counter.inc()
                latency.observe(time.perf_counter() - started)
        raise AssertionError("unreachable: abort_with_status raises")  # pragma: no cover

    def ScoreSignup(
        self, request: pb.ScoreSignupRequest, context: grpc.ServicerContext
    ) -> pb.ScoreSignupResponse:
        """Score one signup."""

        def work() -> pb.ScoreSignupResponse:
            received = time.perf_counter()
            convert.check_size(request, self._limit)
            decision = self._core().score_signup(convert.signup_event(request), received)
            return pb.ScoreSignupResponse(decision=convert.decision_message(decision))

        return self._call("ScoreSignup", context, work)

    def ScoreApiKeyCreation(
        self, request: pb.ScoreApiKeyCreationRequest, context: grpc.ServicerContext
    ) -> pb.ScoreApiKeyCreationResponse:
        """Score one API-key creation."""

        def work() -> pb.ScoreApiKeyCreationResponse:
            received = time.perf_counter()
            convert.check_size(request, self._limit)
            decision = self._core().score_api_key(convert.api_key_event(request), received)
            return pb.ScoreApiKeyCreationResponse(decision=convert.decision_message(decision))

        return self._call("ScoreApiKeyCreation", context, work)

    def ReportOutcome(
        self, request: pb.ReportOutcomeRequest, context: grpc.ServicerContext
    ) -> pb.ReportOutcomeResponse:
        """Store ground truth for an account."""

        def work() -> pb.ReportOutcomeResponse:
            convert.check_size(request, self._limit)
            outcome = self._core().report_outcome(*convert.outcome_args(request))
            return pb.ReportOutcomeResponse(outcome_id=outcome.outcome_id)

        return self._call("ReportOutcome", context, work)
