"""A replayed simulated attack (event clock, the shipped model) through review to labels."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from itertools import islice
from pathlib import Path

from google.protobuf import json_format
from sqlalchemy import func, select

from service.api.gen.signupguard.v1 import review_pb2 as rpb
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.domain import SignupEvent
from service.events import event_to_dict, format_timestamp
from service.store.schema import review_audit
from tests.api.review_ops import Ops
from training.export_data import export_training_data
from training.simulate import load_config, simulate

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "training" / "configs" / "small.yaml"


def test_replayed_attack_becomes_campaigns_verdicts_and_labels(
    ops_factory: Callable[..., Ops], tmp_path: Path
) -> None:
    """The attack shows up as campaigns; resolving the largest resolves all its cases with one
    audit row per account; the verdicts are in export-training-data; a LEGITIMATE verdict lets
    that account's next key creation through."""
    url = f"sqlite:///{tmp_path}/d.db"
    o = ops_factory(
        url,
        policy_text=None,
        model=ROOT / "models" / "default",
        clock="event",
        review_block_opens_case=True,
    )
    records = list(islice(simulate(load_config(SMALL), seed=11), 1500))
    truth = {
        r.event.account_id: r.truth
        for r in records
        if isinstance(r.event, SignupEvent) and r.truth is not None
    }
    for r in records:
        body = event_to_dict(r.event)
        if isinstance(r.event, SignupEvent):
            o.served.stub.ScoreSignup(json_format.ParseDict(body, pb.ScoreSignupRequest()))
        else:
            o.served.stub.ScoreApiKeyCreation(
                json_format.ParseDict(body, pb.ScoreApiKeyCreationRequest())
            )
    assert o.served.components.store.flush(60)
    lead = o.meta("lead")

    campaigns = o.review.ListCampaigns(rpb.ListCampaignsRequest(), metadata=lead).campaigns
    assert campaigns, "the attack produced no campaign in the queue"
    largest = campaigns[0]
    assert largest.size == max(c.size for c in campaigns) >= 5
    members = o.cases(campaign_id=largest.campaign_id)
    labels = Counter(truth[c.account_id].label for c in members if c.account_id in truth)
    assert labels["fraud"] > labels["legitimate"], labels
    review = o.served.components.review
    assert review is not None
    with o.served.components.store.engine.begin() as conn:
        assert review.writer.recompute(conn) == 0  # the full recompute agrees, cells and all

    done = o.review.ResolveCampaign(
        rpb.ResolveCampaignRequest(
            campaign_id=largest.campaign_id, verdict=rpb.VERDICT_FRAUD, note="replayed attack"
        ),
        metadata=lead,
    )
    assert done.changed == largest.size
    assert all(c.state == rpb.CASE_STATE_RESOLVED for c in o.cases(campaign_id=largest.campaign_id))
    engine = o.served.components.store.engine
    with engine.connect() as conn:
        per_account = conn.execute(
            select(review_audit.c.account_id, func.count())
            .where(review_audit.c.action_id == done.action_id)
            .group_by(review_audit.c.account_id)
        ).all()
    assert len(per_account) == largest.size
    assert {n for _, n in per_account} == {1}
    fraud_accounts = {a for a, _ in per_account}

    others = [c for c in o.cases(state=rpb.CASE_STATE_OPEN) if c.account_id not in fraud_accounts]
    assert others, "no case outside the campaign to clear"
    cleared = others[-1]
    o.review.ResolveCase(
        rpb.ResolveCaseRequest(case_id=cleared.case_id, verdict=rpb.VERDICT_LEGITIMATE),
        metadata=o.meta("reviewer"),
    )
    end = max(r.event.occurred_at or 0.0 for r in records)
    key = pb.ScoreApiKeyCreationRequest()
    json_format.ParseDict(
        {
            "event_id": "after-review-key",
            "account_id": cleared.account_id,
            "occurred_at": format_timestamp(end + 60),
            "device": {"ip": "203.0.113.9", "device_id": "fresh-laptop"},
        },
        key,
    )
    answer = o.served.stub.ScoreApiKeyCreation(key).decision
    assert answer.action == pb.ACTION_ALLOW
    assert answer.reasons[0].code == "REVIEW_RELEASED"

    assert o.served.components.store.flush(60)
    out = tmp_path / "export.jsonl"
    export_training_data(url, out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    exported = {r["account_id"]: (r["label"], r["label_source"]) for r in rows}
    assert all(exported[a] == (1, "review") for a in fraud_accounts if a in exported)
    assert fraud_accounts & set(exported)
    assert exported[cleared.account_id] == (0, "review")
