"""The review allow list against a real server on SQLite and PostgreSQL: a LEGITIMATE verdict's
identifiers stop counting in velocity and linkage; entries expire, are bounded and undone."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from service.api.gen.signupguard.v1 import review_pb2 as rpb
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.domain import EventType
from service.features.spec import FEATURES
from service.store.schema import decisions
from tests.api.conftest import Served
from tests.api.review_ops import Ops, unlinked_signup, wait_for

_NAMES = [f.name for f in FEATURES[EventType.SIGNUP]]
DEVICE = ("vel_device_10m", "vel_device_1h", "vel_device_24h", "vel_device_7d")


def _score(o: Ops, i: int, device: str) -> pb.Decision:
    request = unlinked_signup(i)
    request.device.device_id = device
    decision: pb.Decision = o.served.stub.ScoreSignup(request, timeout=10).decision
    return decision


def _logged(o: Ops, i: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The features (by name) and signals the decision log kept for signup ``i``."""
    assert o.served.components.store.flush(30)
    with o.served.components.store.engine.connect() as conn:
        row = conn.execute(
            select(decisions.c.features, decisions.c.signals).where(
                decisions.c.event_id == f"evt-s-{i}"
            )
        ).one()
    return dict(zip(_NAMES, orjson.loads(row.features), strict=True)), orjson.loads(row.signals)


def _resolve(o: Ops, account: str, verdict: rpb.Verdict) -> None:
    (case,) = [c for c in o.cases() if c.account_id == account]
    o.review.ResolveCase(
        rpb.ResolveCaseRequest(case_id=case.case_id, verdict=verdict), metadata=o.meta("reviewer")
    )


def test_legitimate_device_stops_counting_and_fraud_still_denies(ops: Ops) -> None:
    """After a LEGITIMATE verdict, a signup from the account's busy device scores as if the
    device were new, and says so; an untouched busy device still counts; FRAUD still denies."""
    ops.signups(range(6), device="family-tablet")
    ops.signups(range(10, 16), device="shared-kiosk")
    ops.signups(range(30, 31), device="bad-phone")
    _resolve(ops, "acct-0", rpb.VERDICT_LEGITIMATE)
    _resolve(ops, "acct-30", rpb.VERDICT_FRAUD)

    allowed = _score(ops, 20, "family-tablet")
    assert allowed.reasons[-1].code == "REVIEW_ALLOWLIST"
    control = _score(ops, 21, "shared-kiosk")
    assert "REVIEW_ALLOWLIST" not in {r.code for r in control.reasons}
    feats, signals = _logged(ops, 20)
    assert [feats[n] for n in DEVICE] == [0, 0, 0, 0]
    assert (feats["linked_device_accounts"], feats["linked_group_size"]) == (0, 0)
    assert signals["review_allow"] == "device"
    feats, signals = _logged(ops, 21)
    assert [feats[n] for n in DEVICE] == [6, 6, 6, 6]
    assert feats["linked_device_accounts"] == 6
    assert "review_allow" not in signals

    denied = _score(ops, 22, "bad-phone")
    assert (denied.action, denied.reasons[0].code) == (pb.ACTION_BLOCK, "REVIEW_DENYLIST_DEVICE")


def test_a_denied_key_is_never_allowed(ops: Ops) -> None:
    """A device both cleared (one account) and denied (another) is new evidence: it blocks and
    its velocity counts."""
    ops.signups(range(3), device="contested")
    _resolve(ops, "acct-0", rpb.VERDICT_LEGITIMATE)
    _resolve(ops, "acct-1", rpb.VERDICT_FRAUD)
    answer = _score(ops, 20, "contested")
    assert answer.action == pb.ACTION_BLOCK
    assert "REVIEW_ALLOWLIST" not in {r.code for r in answer.reasons}
    feats, signals = _logged(ops, 20)
    assert feats["vel_device_1h"] == 3
    assert "review_allow" not in signals


def test_entries_expire_and_counting_resumes(
    ops_factory: Callable[..., Ops], database_url: str
) -> None:
    """Past review_allow_ttl_s the device counts again, including the signups it let through
    (velocity is recorded all along)."""
    o = ops_factory(database_url, review_allow_ttl_s=1.0)
    o.signups(range(4), device="family-tablet")
    _resolve(o, "acct-0", rpb.VERDICT_LEGITIMATE)
    _score(o, 20, "family-tablet")
    feats, _ = _logged(o, 20)
    assert feats["vel_device_1h"] == 0
    time.sleep(1.1)
    _score(o, 21, "family-tablet")
    feats, signals = _logged(o, 21)
    assert feats["vel_device_1h"] == 5
    assert feats["linked_device_accounts"] == 5
    assert "review_allow" not in signals


def test_the_list_keeps_only_the_newest_keys(
    ops_factory: Callable[..., Ops], database_url: str
) -> None:
    """With room for one account's three keys (device, card, mailbox; the test phones are not
    valid numbers), a second verdict evicts the first one's."""
    o = ops_factory(database_url, review_allow_max=3)
    o.signups(range(2))
    o.signups(range(10, 12), device="dev-0")  # dev-0: acct-0's device, now busy
    o.signups(range(12, 14), device="dev-1")
    _resolve(o, "acct-0", rpb.VERDICT_LEGITIMATE)
    _score(o, 20, "dev-0")
    assert _logged(o, 20)[1].get("review_allow") == "device"
    _resolve(o, "acct-1", rpb.VERDICT_LEGITIMATE)
    review = o.served.components.review
    assert review is not None
    assert len(review.effects.allow) == 3
    _score(o, 21, "dev-0")
    _score(o, 22, "dev-1")
    evicted, kept = _logged(o, 21), _logged(o, 22)
    assert "review_allow" not in evicted[1]
    assert evicted[0]["vel_device_1h"] == 4
    assert kept[1]["review_allow"] == "device"
    assert kept[0]["vel_device_1h"] == 0


def test_undoing_a_campaign_verdict_removes_its_entries(ops: Ops) -> None:
    """A LEGITIMATE campaign verdict allows its members' device; undo takes it off again."""
    ops.signups(range(5), device="dev-0")
    (campaign,) = ops.review.ListCampaigns(
        rpb.ListCampaignsRequest(), metadata=ops.meta("lead")
    ).campaigns
    done = ops.review.ResolveCampaign(
        rpb.ResolveCampaignRequest(
            campaign_id=campaign.campaign_id, verdict=rpb.VERDICT_LEGITIMATE, note="a family"
        ),
        metadata=ops.meta("lead"),
    )
    _score(ops, 20, "dev-0")
    assert _logged(ops, 20)[1].get("review_allow") == "device"
    ops.review.UndoCampaignVerdict(
        rpb.UndoCampaignVerdictRequest(action_id=done.action_id, note="not a family"),
        metadata=ops.meta("lead"),
    )
    review = ops.served.components.review
    assert review is not None
    assert review.effects.allow == {}
    _score(ops, 21, "dev-0")
    feats, signals = _logged(ops, 21)
    assert "review_allow" not in signals
    assert feats["vel_device_1h"] == 6


def test_another_replica_picks_the_entries_up(
    ops_factory: Callable[..., Ops], serve: Callable[..., Served], database_url: str, tmp_path: Path
) -> None:
    """A verdict given through one server reaches another server's scoring path on the same
    database through the audit-log sync, not through a read per request."""
    o = ops_factory(database_url)
    o.signups(range(3), device="family-tablet")
    other = serve(
        database_url=database_url,
        policy_file=tmp_path / "policy.yaml",
        spool_dir=tmp_path / "spool-other",
    )
    review = other.components.review
    assert review is not None
    assert review.effects.allow == {}
    _resolve(o, "acct-0", rpb.VERDICT_LEGITIMATE)
    wait_for(lambda: len(review.effects.allow) == 3)  # device, card, mailbox (no valid phone)
    request = unlinked_signup(20)
    request.device.device_id = "family-tablet"
    answer = other.stub.ScoreSignup(request, timeout=10).decision
    assert answer.reasons[-1].code == "REVIEW_ALLOWLIST"
    assert other.components.store.flush(30)
    feats, signals = _logged(o, 20)
    assert (feats["vel_device_1h"], signals["review_allow"]) == (0, "device")
