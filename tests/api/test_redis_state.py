"""The server on Redis state: shared counters across replicas, and degraded answers when Redis
is gone."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from itertools import islice
from pathlib import Path

from google.protobuf import json_format
from sqlalchemy import select

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.events import event_to_dict
from service.store.schema import decisions
from tests import samples
from tests.api.conftest import Served
from tests.api.test_scoring import _stored_features
from tests.stores.redis_cluster import RedisProcess, free_port
from training.simulate import load_config, simulate

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"


def _redis(serve: Callable[..., Served], url: str, prefix: str, **extra: object) -> Served:
    return serve(state_url=url, state_key_prefix=prefix, **extra)


def test_redis_state_counts_velocity(serve: Callable[..., Served], redis_url: str) -> None:
    """Signups from one IP raise its counters on a Redis-backed server."""
    served = _redis(serve, redis_url, f"sgapi:{uuid.uuid4().hex}:")
    for i in range(3):
        d = served.stub.ScoreSignup(samples.signup(i, ip="198.51.100.77"), timeout=5).decision
        assert not d.degraded
    assert _stored_features(served, "evt-s-2")["vel_ip_10m"] == 2.0


def _requests(n: int) -> list[pb.ScoreSignupRequest | pb.ScoreApiKeyCreationRequest]:
    out: list[pb.ScoreSignupRequest | pb.ScoreApiKeyCreationRequest] = []
    for record in islice(simulate(load_config(SMALL), seed=21), n):
        body = event_to_dict(record.event)
        if record.event.event_type.value == "signup":
            out.append(json_format.ParseDict(body, pb.ScoreSignupRequest()))
        else:
            out.append(json_format.ParseDict(body, pb.ScoreApiKeyCreationRequest()))
    return out


def _send(served: Served, request: pb.ScoreSignupRequest | pb.ScoreApiKeyCreationRequest) -> None:
    if isinstance(request, pb.ScoreSignupRequest):
        served.stub.ScoreSignup(request, timeout=5)
    else:
        served.stub.ScoreApiKeyCreation(request, timeout=5)


def _features(served: Served) -> dict[str, list[float | None]]:
    assert served.components.store.flush()
    with served.components.store.engine.connect() as conn:
        rows = conn.execute(select(decisions.c.event_id, decisions.c.features))
        return {row.event_id: json.loads(row.features) for row in rows}


def test_two_replicas_on_one_redis_match_one_server(
    serve: Callable[..., Served], redis_url: str
) -> None:
    """A stream split between two servers sharing Redis gives every event the same features
    as one server that saw the whole stream."""
    requests = _requests(400)
    single = _redis(serve, redis_url, f"sgapi:{uuid.uuid4().hex}:", clock="event")
    shared = f"sgapi:{uuid.uuid4().hex}:"
    a = _redis(serve, redis_url, shared, clock="event")
    b = _redis(serve, redis_url, shared, clock="event")
    for i, request in enumerate(requests):
        _send(single, request)
        _send(a if i % 2 else b, request)
    expected = _features(single)
    split = {**_features(a), **_features(b)}
    assert split.keys() == expected.keys()
    assert split == expected


def test_unreachable_redis_degrades_within_the_deadline(serve: Callable[..., Served]) -> None:
    """With Redis unreachable the answer arrives, marked degraded, following the fail mode."""
    served = serve(state_url=f"redis://127.0.0.1:{free_port()}/0")
    started = time.perf_counter()
    signup = served.stub.ScoreSignup(samples.signup(1), timeout=1).decision
    key = served.stub.ScoreApiKeyCreation(samples.api_key(1), timeout=1).decision
    assert time.perf_counter() - started < 1.0
    assert signup.degraded
    assert key.degraded
    assert "STATE_UNAVAILABLE" in [r.code for r in signup.reasons]
    assert key.action >= pb.ACTION_REVIEW  # API keys fail to review by default
    assert _stored_features(served, "evt-s-1")["vel_ip_10m"] is None


def test_redis_outage_and_recovery(
    serve: Callable[..., Served], private_redis: RedisProcess
) -> None:
    """Answers degrade while Redis is down and recover by themselves when it returns."""
    served = serve(state_url=private_redis.url)
    assert not served.stub.ScoreSignup(samples.signup(1), timeout=2).decision.degraded
    private_redis.kill()
    assert served.stub.ScoreSignup(samples.signup(2), timeout=2).decision.degraded
    private_redis.start()
    assert not served.stub.ScoreSignup(samples.signup(3), timeout=2).decision.degraded
