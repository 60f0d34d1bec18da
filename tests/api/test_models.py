"""Shipping a model without a restart: admin RPCs, shadow scoring, a watched artifact."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from sqlalchemy import select

from service.api.gen.signupguard.v1 import admin_pb2 as apb
from service.api.gen.signupguard.v1 import admin_pb2_grpc as apb_grpc
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.store.schema import decisions
from tests import samples
from tests.api.conftest import Served
from tests.factories import make_artifact
from training.compare import compare_from_log, write_comparison

TOKEN = "s3cret-admin"
AUTH = (("authorization", f"Bearer {TOKEN}"),)


@pytest.fixture(scope="module")
def second_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another valid artifact, with a different model version."""
    out = tmp_path_factory.mktemp("second") / "model"
    make_artifact(out, seed=7)
    return out


def _admin(served: Served) -> apb_grpc.AdminServiceStub:
    return apb_grpc.AdminServiceStub(served.channel)


def _load(served: Served, path: Path | str, role: int) -> apb.ModelStatus:
    request = apb.LoadModelRequest(path=str(path), role=role)  # type: ignore[arg-type]
    status: apb.ModelStatus = _admin(served).LoadModel(request, metadata=AUTH, timeout=30).status
    return status


def test_admin_is_disabled_without_a_token(served: Served) -> None:
    """With no admin token configured, admin calls are PERMISSION_DENIED."""
    with pytest.raises(grpc.RpcError) as err:
        _admin(served).GetModelStatus(apb.GetModelStatusRequest(), timeout=5)
    assert err.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_admin_needs_the_right_token(serve: Callable[..., Served]) -> None:
    """A wrong or missing bearer token is UNAUTHENTICATED."""
    served = serve(admin_token=TOKEN)
    for metadata in ((("authorization", "Bearer nope"),), ()):
        with pytest.raises(grpc.RpcError) as err:
            _admin(served).GetModelStatus(apb.GetModelStatusRequest(), metadata=metadata)
        assert err.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_load_live_model_without_restart(
    serve: Callable[..., Served], second_artifact: Path
) -> None:
    """LoadModel swaps the live model; the next decision carries the new version."""
    served = serve(admin_token=TOKEN)
    before = served.stub.ScoreSignup(samples.signup(1), timeout=5).decision.model_version
    status = _load(served, second_artifact, apb.MODEL_ROLE_LIVE)
    after = served.stub.ScoreSignup(samples.signup(2), timeout=5).decision.model_version
    assert status.live_version == after != before


def test_broken_artifact_is_refused_and_old_keeps_serving(
    serve: Callable[..., Served], tmp_path: Path, artifact: Path
) -> None:
    """A spec-mismatched artifact is refused by name and the live model is unchanged."""
    served = serve(admin_token=TOKEN)
    bad = tmp_path / "bad"
    shutil.copytree(artifact, bad)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["models"]["signup"]["features"] = manifest["models"]["signup"]["features"][::-1]
    (bad / "manifest.json").write_text(json.dumps(manifest))
    version = served.components.model.version
    with pytest.raises(grpc.RpcError) as err:
        _load(served, bad, apb.MODEL_ROLE_LIVE)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "refused" in (err.value.details() or "")
    d = served.stub.ScoreSignup(samples.signup(3), timeout=5).decision
    assert d.model_version == version


def test_shadow_model_is_logged_never_acted_on(
    serve: Callable[..., Served], second_artifact: Path
) -> None:
    """A shadow model's score and action are logged beside the live decision, which is the
    live model's alone; promoting makes the shadow live."""
    served = serve(admin_token=TOKEN)
    live = served.components.model.version
    status = _load(served, second_artifact, apb.MODEL_ROLE_SHADOW)
    assert status.live_version == live
    d = served.stub.ScoreSignup(samples.signup(4), timeout=5).decision
    assert d.model_version == live
    assert served.components.store.flush()
    with served.components.store.engine.connect() as conn:
        row = conn.execute(select(decisions).where(decisions.c.event_id == "evt-s-4")).one()
    assert row.shadow_model_version == status.shadow_version
    assert 0.0 <= row.shadow_score <= 1.0
    assert row.shadow_action in (1, 2, 3, 4)
    promoted = _admin(served).PromoteShadow(apb.PromoteShadowRequest(), metadata=AUTH).status
    assert promoted.live_version == status.shadow_version
    assert promoted.shadow_version == ""
    d = served.stub.ScoreSignup(samples.signup(5), timeout=5).decision
    assert d.model_version == status.shadow_version


def test_watched_artifact_is_reloaded(
    serve: Callable[..., Served], tmp_path: Path, artifact: Path, second_artifact: Path
) -> None:
    """Exporting a new artifact into the watched directory makes it live within the interval;
    a broken export is refused and the previous model keeps serving."""
    watched = tmp_path / "live"
    shutil.copytree(artifact, watched)
    served = serve(model=watched, model_watch_interval_s=0.1)
    first = served.components.model.version
    staging = tmp_path / "staging"
    shutil.copytree(second_artifact, staging)
    shutil.rmtree(watched)
    staging.rename(watched)
    deadline = time.monotonic() + 10
    while served.components.model.version == first and time.monotonic() < deadline:
        time.sleep(0.05)
    second = served.components.model.version
    assert second != first
    (watched / "manifest.json").write_text("{not json")
    time.sleep(0.5)
    assert served.stub.ScoreSignup(samples.signup(6), timeout=5).decision.model_version == second


def test_swaps_under_load_answer_every_request(
    serve: Callable[..., Served], artifact: Path, second_artifact: Path
) -> None:
    """Swapping models back and forth while requests run never fails a request."""
    served = serve(admin_token=TOKEN)
    failures: list[grpc.StatusCode] = []
    done = threading.Event()

    def load() -> None:
        i = 0
        while not done.is_set():
            try:
                served.stub.ScoreSignup(samples.signup(10_000 + i), timeout=5)
            except grpc.RpcError as err:
                failures.append(err.code())
            i += 1

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    for k in range(6):
        _load(served, second_artifact if k % 2 == 0 else artifact, apb.MODEL_ROLE_LIVE)
    done.set()
    for t in threads:
        t.join()
    assert failures == []


def test_evaluate_compares_live_and_shadow_from_the_log(
    serve: Callable[..., Served], second_artifact: Path, tmp_path: Path
) -> None:
    """`evaluate --from-log` reports both models on the logged traffic with outcome labels."""
    served = serve(admin_token=TOKEN, shadow_model=second_artifact)
    for i in range(40):
        request = samples.signup(i, ip=f"45.{i % 5}.{i}.9")
        if i % 3 == 0:
            request.device.user_agent = "curl/8.0"
        served.stub.ScoreSignup(request, timeout=5)
        label = pb.LABEL_FRAUD if i % 3 == 0 else pb.LABEL_LEGITIMATE
        served.stub.ReportOutcome(
            pb.ReportOutcomeRequest(account_id=f"acct-{i}", label=label, source="test"), timeout=5
        )
    assert served.components.store.flush()
    result = compare_from_log(served.settings.database_url)
    signup = result["signup"]
    assert signup["events"] == 40
    assert signup["labelled"] == 40
    assert signup["shadow_versions"] != signup["live_versions"]
    assert 0.0 <= signup["live"]["roc_auc"] <= 1.0
    assert 0.0 <= signup["shadow"]["roc_auc"] <= 1.0
    text = write_comparison(result, tmp_path / "report").read_text()
    assert "| shadow |" in text
