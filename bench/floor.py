"""The floor: the service's gRPC server configuration answering the contract with empty handlers.

    python -m bench.floor --port 50099 --workers 8 [--reuse-port]

Same grpcio sync server, thread pool size, options (:func:`service.api.server.server_options`)
and concurrency limit as :func:`service.api.server.start_server`, the same generated
registration (so requests are deserialized into the real message types) plus health and
reflection; every scoring method returns a default response. Whatever a scoring request costs
above this is the service's own work. Prints ``ready <port>`` once SERVING and stops on SIGTERM
or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.api.server import (
    MAX_CONCURRENT_RPCS_PER_WORKER,
    SERVICE_NAME,
    server_options,
)


class EmptyScoring(pb_grpc.ScoringServiceServicer):  # type: ignore[misc]  # generated base is untyped
    """Answers every scoring RPC with its default response, doing nothing else."""

    def ScoreSignup(self, request: Any, context: Any) -> pb.ScoreSignupResponse:  # noqa: N802  # name fixed by the proto
        """Return an empty response."""
        return pb.ScoreSignupResponse()

    def ScoreApiKeyCreation(self, request: Any, context: Any) -> pb.ScoreApiKeyCreationResponse:  # noqa: N802  # name fixed by the proto
        """Return an empty response."""
        return pb.ScoreApiKeyCreationResponse()

    def ReportOutcome(self, request: Any, context: Any) -> pb.ReportOutcomeResponse:  # noqa: N802  # name fixed by the proto
        """Return an empty response."""
        return pb.ReportOutcomeResponse()


def start_floor(host: str, port: int, workers: int, reuse_port: bool) -> tuple[grpc.Server, int]:
    """Bind and start the empty server, SERVING at once; returns it and the bound port."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
        options=server_options(reuse_port),
        maximum_concurrent_rpcs=workers * MAX_CONCURRENT_RPCS_PER_WORKER,
    )
    pb_grpc.add_ScoringServiceServicer_to_server(EmptyScoring(), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    bound: int = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot bind {host}:{port}")
    server.start()
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="bench.floor", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--reuse-port", action="store_true")
    args = parser.parse_args(argv)
    server, port = start_floor(args.host, args.port, args.workers, args.reuse_port)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(f"ready {port}", flush=True)
    done.wait()
    server.stop(1.0).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
