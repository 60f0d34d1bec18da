"""The gRPC server: scoring, admin and rules services, health and reflection, bound and started.

The operator services (admin, rules) are authenticated once, by one interceptor
(:mod:`service.api.auth`).
"""

from __future__ import annotations

from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from service.api import review as review_api
from service.api.admin import AdminServicer
from service.api.auth import Authenticator
from service.api.gen.signupguard.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    review_pb2_grpc,
    rules_pb2,
    rules_pb2_grpc,
)
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.api.health import HealthServicer
from service.api.rules import RulesServicer
from service.api.servicer import ScoringServicer
from service.api.tls import PlaintextTokens, Transport, server_credentials, tokens_need_guard
from service.api.wire import MalformedRequests
from service.observability import Metrics
from service.review import ReviewParts
from service.review.model import Role
from service.rules.core import RulesCore
from service.scoring import Scorer
from service.serving import ModelManager

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ScoringService"].full_name
ADMIN_SERVICE_NAME = admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name
RULES_SERVICE_NAME = rules_pb2.DESCRIPTOR.services_by_name["RulesService"].full_name
REVIEW_SERVICE_NAME = review_api.SERVICE_NAME
OPERATOR_SERVICES = (ADMIN_SERVICE_NAME, RULES_SERVICE_NAME, REVIEW_SERVICE_NAME)
# The least role each operator method needs (a service prefix ending in "/", or a full method):
# the model and the rules are the admin's; review has its own table.
ROLES: dict[str, Role] = {
    f"/{ADMIN_SERVICE_NAME}/": Role.ADMIN,
    f"/{RULES_SERVICE_NAME}/": Role.ADMIN,
    **review_api.ROLES,
}
# Transport ceiling: above this gRPC itself answers RESOURCE_EXHAUSTED. Below it, requests over
# Settings.max_request_bytes get INVALID_ARGUMENT naming their largest field.
TRANSPORT_MAX_BYTES = 4 * 1024 * 1024
# Calls admitted per worker thread; beyond workers * this gRPC answers RESOURCE_EXHAUSTED.
MAX_CONCURRENT_RPCS_PER_WORKER = 64


def server_options(reuse_port: bool) -> list[tuple[str, int]]:
    """Channel options of the server (the benchmark's empty-handler floor uses the same)."""
    return [
        ("grpc.max_receive_message_length", TRANSPORT_MAX_BYTES),
        # One process per core binds the same port with SO_REUSEPORT; off by default so a
        # second server started by mistake fails instead of silently sharing traffic.
        ("grpc.so_reuseport", 1 if reuse_port else 0),
    ]


@dataclass
class RunningServer:
    """A started server, the port it bound and the handles to flip its state."""

    server: grpc.Server
    port: int
    servicer: ScoringServicer
    health: health.HealthServicer
    admin: AdminServicer
    rules: RulesServicer
    review: review_api.ReviewServicer
    auth: Authenticator

    def serve_with(
        self,
        scorer: Scorer,
        models: ModelManager | None = None,
        rules: RulesCore | None = None,
        review: ReviewParts | None = None,
    ) -> None:
        """Answer with this scorer (and model manager, rules and review, for operators)."""
        self.servicer.attach(scorer)
        if models is not None:
            self.admin.attach(models)
        if rules is not None:
            self.rules.attach(rules)
            self.health.set(RULES_SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
        if review is not None and review.core is not None and review.reviewers is not None:
            self.review.attach(review.core)
            self.auth.attach(review.reviewers.verify)
            self.health.set(REVIEW_SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def not_serving(self) -> None:
        """Report NOT_SERVING (before a model is loaded, and while shutting down)."""
        for name in ("", SERVICE_NAME, REVIEW_SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

    def stop(self, grace: float | None = 5.0) -> None:
        """Stop accepting calls, let running ones finish for ``grace`` seconds."""
        self.not_serving()
        self.server.stop(grace).wait()


def start_server(
    host: str,
    port: int,
    workers: int,
    max_request_bytes: int,
    metrics: Metrics | None = None,
    reuse_port: bool = False,
    admin_token: str | None = None,
    transport: Transport | None = None,
) -> RunningServer:
    """Bind and start; health is NOT_SERVING until :meth:`RunningServer.serve_with`.

    ``transport``: TLS/mTLS and the bearer-token rule (plaintext, no opt-out, by default).
    """
    transport = transport or Transport()
    # Interceptors cover every service registered below, and any added later.
    interceptors: list[grpc.ServerInterceptor] = [
        MalformedRequests(metrics.registry if metrics else None)
    ]
    if tokens_need_guard(host, transport):
        interceptors.append(PlaintextTokens())
    # One authentication step for every operator service. Under mTLS, listed client-certificate
    # names (CN or SAN) act as the admin without a token.
    certified = transport.admin_identities if transport.tls else frozenset()
    auth = Authenticator(ROLES, admin_token, certified)
    interceptors.append(auth)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
        options=server_options(reuse_port),
        maximum_concurrent_rpcs=workers * MAX_CONCURRENT_RPCS_PER_WORKER,
        interceptors=interceptors,
    )
    servicer = ScoringServicer(max_request_bytes, metrics)
    pb_grpc.add_ScoringServiceServicer_to_server(servicer, server)
    admin = AdminServicer()
    admin_pb2_grpc.add_AdminServiceServicer_to_server(admin, server)
    rules = RulesServicer()
    rules_pb2_grpc.add_RulesServiceServicer_to_server(rules, server)
    review = review_api.ReviewServicer()
    review_pb2_grpc.add_ReviewServiceServicer_to_server(review, server)
    health_servicer = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, *OPERATOR_SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME),
        server,
    )
    try:
        address = f"{host}:{port}"
        bound = (
            server.add_secure_port(address, server_credentials(transport.tls))
            if transport.tls is not None
            else server.add_insecure_port(address)
        )
    except RuntimeError as exc:  # grpcio reports a failed bind as RuntimeError
        raise OSError(f"cannot bind {host}:{port}: {exc}") from exc
    if bound == 0:
        raise OSError(f"cannot bind {host}:{port}")
    server.start()
    running = RunningServer(server, bound, servicer, health_servicer, admin, rules, review, auth)
    running.not_serving()
    return running
