"""AdminService servicer: model status, load (live or shadow) and promote, behind a token."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import grpc

from service.api.gen.signupguard.v1 import admin_pb2 as pb
from service.api.gen.signupguard.v1 import admin_pb2_grpc as pb_grpc
from service.api.status import to_status
from service.api.tls import peer_identities
from service.errors import (
    AdminDisabled,
    InvalidRequest,
    ModelError,
    NotReady,
    SignupGuardError,
    Unauthenticated,
)
from service.serving import ModelManager, ModelStatus

T = TypeVar("T")


def _status(status: ModelStatus) -> pb.ModelStatus:
    return pb.ModelStatus(
        live_version=status.live_version,
        live_path=status.live_path,
        shadow_version=status.shadow_version,
        shadow_path=status.shadow_path,
    )


class AdminServicer(pb_grpc.AdminServiceServicer):  # type: ignore[misc]  # generated base is untyped
    """Thin gRPC front of :class:`service.serving.ModelManager`."""

    def __init__(self, token: str | None, identities: frozenset[str] = frozenset()) -> None:
        """``identities``: client-certificate names (CN or SAN) admitted without a token (mTLS)."""
        self._token = token.encode() if token else None
        self._identities = identities
        self._models: ModelManager | None = None

    def attach(self, models: ModelManager) -> None:
        """Answer with this model manager."""
        self._models = models

    def _call(self, context: grpc.ServicerContext, work: Callable[[ModelManager], T]) -> T:
        try:
            self._authorize(context)
            if self._models is None:
                raise NotReady("no model loaded yet")
            return work(self._models)
        except SignupGuardError as exc:
            context.abort_with_status(to_status(exc))
        raise AssertionError("unreachable: abort_with_status raises")  # pragma: no cover

    def _authorize(self, context: grpc.ServicerContext) -> None:
        if self._identities and peer_identities(context) & self._identities:
            return  # a verified client certificate mapped to an admin
        if self._token is None:
            raise AdminDisabled("no admin token configured")
        header = dict(context.invocation_metadata()).get("authorization", "")
        given = header.removeprefix("Bearer ").encode() if isinstance(header, str) else b""
        if not hmac.compare_digest(given, self._token):
            raise Unauthenticated("missing or wrong admin token")

    def GetModelStatus(
        self, request: pb.GetModelStatusRequest, context: grpc.ServicerContext
    ) -> pb.GetModelStatusResponse:
        """Which artifacts are loaded."""
        return self._call(context, lambda m: pb.GetModelStatusResponse(status=_status(m.status())))

    def LoadModel(
        self, request: pb.LoadModelRequest, context: grpc.ServicerContext
    ) -> pb.LoadModelResponse:
        """Load an artifact as live or shadow; a refused artifact leaves everything as it was."""

        def work(models: ModelManager) -> pb.LoadModelResponse:
            path = Path(request.path) if request.path else None
            try:
                if request.role == pb.MODEL_ROLE_LIVE:
                    if path is None:
                        raise InvalidRequest("path", "is required for the live model")
                    status = models.load_live(path)
                elif request.role == pb.MODEL_ROLE_SHADOW:
                    status = models.load_shadow(path)
                else:
                    raise InvalidRequest("role", "must be MODEL_ROLE_LIVE or MODEL_ROLE_SHADOW")
            except ModelError as exc:
                raise InvalidRequest("path", f"artifact refused: {exc}") from exc
            return pb.LoadModelResponse(status=_status(status))

        return self._call(context, work)

    def PromoteShadow(
        self, request: pb.PromoteShadowRequest, context: grpc.ServicerContext
    ) -> pb.PromoteShadowResponse:
        """Make the shadow model live."""

        def work(models: ModelManager) -> pb.PromoteShadowResponse:
            try:
                return pb.PromoteShadowResponse(status=_status(models.promote_shadow()))
            except ModelError as exc:
                raise InvalidRequest("shadow", str(exc)) from exc

        return self._call(context, work)
