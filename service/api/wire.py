"""Requests whose bytes do not decode: INVALID_ARGUMENT for every method of every service.

grpcio answers a request it cannot deserialize (corrupt wire format, invalid UTF-8 in a string
field) with INTERNAL and logs an ERROR with a full traceback: the caller's fault reported as
ours, and a cheap way to flood the logs. :class:`MalformedRequests` is a server interceptor, so
it covers every service registered on the server, including ones added later: it wraps each
method's deserializer so a decode failure becomes a :class:`Malformed` marker instead of an
exception, and the method's behaviour answers a marker with INVALID_ARGUMENT (through the one
status table, :mod:`service.api.status`), counts it in ``signupguard_malformed_requests`` and
logs at most one WARNING per ``log_interval_s`` (with how many were suppressed), never a
traceback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter

from service.api.status import to_status
from service.errors import InvalidRequest

logger = logging.getLogger(__name__)

Behaviour = Callable[..., Any]


class Malformed:
    """Stands for a request message whose bytes did not decode (never reaches a servicer)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size


class _Throttle:
    """At most one log line per interval; counts what it held back."""

    def __init__(self, interval_s: float) -> None:
        self._interval = interval_s
        self._lock = threading.Lock()
        self._next = 0.0
        self._held = 0

    def ready(self) -> int | None:
        """Suppressed count since the last line if a line may be logged now, else None."""
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._held += 1
                return None
            self._next = now + self._interval
            held, self._held = self._held, 0
            return held


def _short(method: str) -> str:
    return method.rsplit("/", 1)[-1]


class MalformedRequests(grpc.ServerInterceptor):  # type: ignore[misc]  # grpc is untyped
    """Server interceptor: undecodable request bytes -> INVALID_ARGUMENT, counted, throttled."""

    def __init__(
        self, registry: CollectorRegistry | None = None, log_interval_s: float = 10.0
    ) -> None:
        self._counter = (
            Counter(
                "signupguard_malformed_requests",
                "Requests whose bytes did not decode (answered INVALID_ARGUMENT)",
                ["method"],
                registry=registry,
            )
            if registry is not None
            else None
        )
        self._throttle = _Throttle(log_interval_s)
        self._handlers: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}
        self._lock = threading.Lock()
        self.refused = 0  # since start; also in the metric

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        """The method's handler with a forgiving deserializer (wrapped once per method)."""
        handler = continuation(handler_call_details)
        if handler is None or handler.request_deserializer is None:
            return handler
        method: str = handler_call_details.method
        cached = self._handlers.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(method, handler)
        with self._lock:
            self._handlers[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        decode = handler.request_deserializer

        def deserialize(data: bytes) -> Any:
            try:
                return decode(data)
            except Exception:  # any decode failure is the caller's bytes, never ours
                return Malformed(len(data))

        if handler.unary_unary is not None:
            return handler._replace(
                request_deserializer=deserialize,
                unary_unary=self._unary(method, handler.unary_unary),
            )
        if handler.unary_stream is not None:
            return handler._replace(
                request_deserializer=deserialize,
                unary_stream=self._unary(method, handler.unary_stream),
            )
        if handler.stream_unary is not None:
            return handler._replace(
                request_deserializer=deserialize,
                stream_unary=self._streaming(method, handler.stream_unary),
            )
        return handler._replace(
            request_deserializer=deserialize,
            stream_stream=self._streaming(method, handler.stream_stream),
        )

    def _unary(self, method: str, behaviour: Behaviour) -> Behaviour:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            if isinstance(request, Malformed):
                self._refuse(method, request, context)
            return behaviour(request, context)

        return call

    def _streaming(self, method: str, behaviour: Behaviour) -> Behaviour:
        def checked(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
            for request in requests:
                if isinstance(request, Malformed):
                    self._refuse(method, request, context)
                yield request

        def call(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            return behaviour(checked(requests, context), context)

        return call

    def _refuse(self, method: str, request: Malformed, context: grpc.ServicerContext) -> None:
        """Abort the call with INVALID_ARGUMENT (raises)."""
        self.refused += 1
        name = _short(method)
        if self._counter is not None:
            self._counter.labels(name).inc()
        held = self._throttle.ready()
        if held is not None:
            logger.warning(
                "malformed %s request (%d bytes) from %s answered INVALID_ARGUMENT%s",
                name,
                request.size,
                context.peer(),
                f" ({held} more since the last such line)" if held else "",
            )
        context.abort_with_status(
            to_status(
                InvalidRequest(
                    "request", "cannot be decoded (corrupt wire format or invalid UTF-8)"
                )
            )
        )
