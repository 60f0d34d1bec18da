"""A real gRPC server on a free loopback port, wired exactly as `signupguard serve` wires it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.api.server import RunningServer, start_server
from service.app import Components, build_components, transport
from service.config import Settings
from service.model.artifact import Thresholds
from service.observability import Metrics
from service.rules.core import RulesCore
from service.signals import SignalExtractor
from tests.factories import make_artifact


@dataclass
class Served:
    """A running server, its components and a connected stub."""

    settings: Settings
    running: RunningServer
    components: Components
    channel: grpc.Channel
    stub: pb_grpc.ScoringServiceStub
    metrics: Metrics


@pytest.fixture(scope="session")
def extractor() -> SignalExtractor:
    """The signal extractor over the bundled reference data (loaded once)."""
    return SignalExtractor.from_directory()


@pytest.fixture(scope="session")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real LightGBM artifact in the current feature spec."""
    out = tmp_path_factory.mktemp("artifact") / "model"
    make_artifact(out, Thresholds(0.3, 0.6, 0.85))
    return out


@pytest.fixture
def serve(
    tmp_path: Path, artifact: Path, extractor: SignalExtractor
) -> Iterator[Callable[..., Served]]:
    """Factory: start a server with setting overrides; everything is stopped after the test."""
    started: list[Served] = []

    def start(**overrides: Any) -> Served:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": 0,
            "model": artifact,
            "database_url": f"sqlite:///{tmp_path}/decisions-{len(started)}.db",
            "workers": 4,
        }
        values.update(overrides)
        settings = Settings(**values)
        metrics = Metrics.create()
        running = start_server(
            settings.host,
            settings.port,
            settings.workers,
            settings.max_request_bytes,
            metrics,
            admin_token=settings.admin_token.get_secret_value() if settings.admin_token else None,
            transport=transport(settings),
        )
        components = build_components(settings, metrics, extractor=extractor)
        running.serve_with(
            components.scorer,
            components.models,
            RulesCore(components.store.engine),
            components.review,
        )
        channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")  # plaintext even to TLS
        served = Served(
            settings, running, components, channel, pb_grpc.ScoringServiceStub(channel), metrics
        )
        started.append(served)
        return served

    yield start
    for s in started:
        s.channel.close()
        s.running.stop(None)
        s.components.close()


@pytest.fixture
def served(serve: Callable[..., Served]) -> Served:
    """A server with default settings (wall clock)."""
    return serve()


@pytest.fixture
def served_event(serve: Callable[..., Served]) -> Served:
    """A server on the event clock."""
    return serve(clock="event")


# ReviewService fixtures (a server holding everything for review, reviewers with tokens).
from tests.api.review_ops import ops, ops_factory  # noqa: E402, F401
