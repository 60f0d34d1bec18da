"""The standard health service, with the ``List`` method grpcio-health-checking leaves out.

The health proto gained ``List`` (every service's status at once); the library's servicer
still raises NotImplementedError for it, which a caller sees as UNKNOWN and the log as an
ERROR with a traceback. This answers it from the same table ``Check`` reads.
"""

from __future__ import annotations

import grpc
from grpc_health.v1 import health, health_pb2


class HealthServicer(health.HealthServicer):  # type: ignore[misc]  # grpc_health is untyped
    """grpc_health's servicer plus ``List``."""

    def List(  # noqa: N802 - the method name is fixed by the proto
        self, request: health_pb2.HealthListRequest, context: grpc.ServicerContext
    ) -> health_pb2.HealthListResponse:
        """Every registered service and its status."""
        with self._lock:  # the base class guards _server_status with this lock
            statuses = dict(self._server_status)
        return health_pb2.HealthListResponse(
            statuses={
                name: health_pb2.HealthCheckResponse(status=status)
                for name, status in statuses.items()
            }
        )
