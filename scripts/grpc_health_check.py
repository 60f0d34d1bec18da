"""Exit 0 when a gRPC server reports SERVING on the standard health service, else 1.

The Docker image's HEALTHCHECK runs this; it needs only grpcio and grpcio-health-checking,
which the service depends on anyway.
"""

from __future__ import annotations

import argparse
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def main(argv: list[str] | None = None) -> int:
    """Check the health of one server and return the process exit code."""
    parser = argparse.ArgumentParser(description="Check a server through grpc.health.v1.")
    parser.add_argument("--target", default="127.0.0.1:50051", help="host:port of the server")
    parser.add_argument(
        "--service", default="", help="health service name; empty means the whole server"
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="deadline in seconds")
    args = parser.parse_args(argv)
    request = health_pb2.HealthCheckRequest(service=args.service)
    try:
        with grpc.insecure_channel(args.target) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(request, timeout=args.timeout)
    except grpc.RpcError as exc:
        print(f"{args.target}: health check failed: {exc.code().name}", file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"{args.target}: {status}", file=sys.stderr)
        return 1
    print(f"{args.target}: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
