"""ReviewService against a real server on SQLite and PostgreSQL: every RPC, auth, claims, undo."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from sqlalchemy import func, select

from service.api.gen.signupguard.v1 import review_pb2 as rpb
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.store.schema import outcomes, review_audit
from tests import samples
from tests.api.review_ops import Ops, unlinked_signup

CAMPAIGN = range(5)  # acct-0..4 share a device
LONE = 7  # acct-7 shares nothing with them


def _campaign(o: Ops) -> rpb.Campaign:
    campaigns = o.review.ListCampaigns(rpb.ListCampaignsRequest(), metadata=o.meta("lead"))
    assert len(campaigns.campaigns) == 1
    found: rpb.Campaign = campaigns.campaigns[0]
    return found


def _code(call: Callable[[], object]) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        call()
    code: grpc.StatusCode = info.value.code()
    return code


def test_review_decisions_open_cases_grouped_into_a_campaign(ops: Ops) -> None:
    """Each REVIEW answer names its case; cases list with their campaign; GetCase shows masks."""
    answer = ops.served.stub.ScoreSignup(unlinked_signup(0), timeout=10).decision
    assert answer.action == pb.ACTION_REVIEW
    assert answer.case_id
    ops.signups(range(1, 5), device="dev-0")
    ops.signups(range(LONE, LONE + 1))
    cases = ops.cases()
    assert {c.account_id for c in cases} == {f"acct-{i}" for i in [*CAMPAIGN, LONE]}
    assert all(c.state == rpb.CASE_STATE_OPEN for c in cases)
    campaign = _campaign(ops)
    assert campaign.size == 5
    assert campaign.open_cases == 5
    members = ops.cases(campaign_id=campaign.campaign_id)
    assert {c.account_id for c in members} == {f"acct-{i}" for i in CAMPAIGN}
    case0 = next(c for c in cases if c.account_id == "acct-0")
    assert case0.case_id == answer.case_id
    detail = ops.review.GetCase(
        rpb.GetCaseRequest(case_id=answer.case_id), metadata=ops.meta("reviewer")
    )
    signals = detail.events[0].signals
    assert (signals.email, signals.ip, signals.card) == ("a***@gmail.com", "81.2.0.x", "•••• 4242")
    assert signals.phone == "***-***-00"  # a fictional (invalid) number: no region known
    assert {a.account_id for a in detail.linked_accounts} >= {f"acct-{i}" for i in range(1, 5)}
    shared = {a.account_id: set(a.shared) for a in detail.linked_accounts}
    assert "device" in shared["acct-1"]


def test_a_key_creation_joins_the_accounts_open_case(ops: Ops) -> None:
    """A later key creation of an account with an open case adds to that case."""
    ops.signups(range(1))
    key = ops.served.stub.ScoreApiKeyCreation(samples.api_key(0), timeout=10).decision
    assert key.action == pb.ACTION_REVIEW
    assert ops.served.components.store.flush(30)
    (case,) = ops.cases()
    assert case.case_id == key.case_id
    assert case.events == 2


def test_every_rpc_refuses_a_missing_or_unknown_token(ops: Ops) -> None:
    """No token or a wrong one: UNAUTHENTICATED for each of the nine methods."""
    calls = {
        "ListCases": rpb.ListCasesRequest(),
        "GetCase": rpb.GetCaseRequest(case_id="x"),
        "ClaimCase": rpb.ClaimCaseRequest(case_id="x"),
        "ResolveCase": rpb.ResolveCaseRequest(case_id="x", verdict=rpb.VERDICT_FRAUD),
        "ListCampaigns": rpb.ListCampaignsRequest(),
        "GetCampaign": rpb.GetCampaignRequest(campaign_id="x"),
        "PreviewCampaignVerdict": rpb.PreviewCampaignVerdictRequest(campaign_id="x"),
        "ResolveCampaign": rpb.ResolveCampaignRequest(
            campaign_id="x", verdict=rpb.VERDICT_FRAUD, note="n"
        ),
        "UndoCampaignVerdict": rpb.UndoCampaignVerdictRequest(action_id="x"),
    }
    bad = (("authorization", "Bearer sgr_not-a-token"),)
    for method, request in calls.items():
        for metadata in ((), bad):
            with pytest.raises(grpc.RpcError) as info:
                getattr(ops.review, method)(request, metadata=metadata)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED, method


def test_campaign_verdicts_need_the_lead_role(ops: Ops) -> None:
    """A reviewer gets PERMISSION_DENIED for ResolveCampaign and UndoCampaignVerdict."""
    ops.signups(CAMPAIGN, device="dev-0")
    campaign = _campaign(ops)
    request = rpb.ResolveCampaignRequest(
        campaign_id=campaign.campaign_id, verdict=rpb.VERDICT_FRAUD, note="bot farm"
    )
    code = _code(lambda: ops.review.ResolveCampaign(request, metadata=ops.meta("reviewer")))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    undo = rpb.UndoCampaignVerdictRequest(action_id="whatever")
    code = _code(lambda: ops.review.UndoCampaignVerdict(undo, metadata=ops.meta("reviewer")))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    reply = ops.review.ResolveCampaign(request, metadata=ops.meta("admin"))
    assert reply.changed == 5


def test_claim_resolve_and_retry(ops: Ops) -> None:
    """Claim, resolve FRAUD with a note and the reviewer's name; a retry changes nothing."""
    ops.signups(range(1))
    (case,) = ops.cases()
    claimed = ops.review.ClaimCase(
        rpb.ClaimCaseRequest(case_id=case.case_id), metadata=ops.meta("reviewer")
    )
    assert claimed.case.state == rpb.CASE_STATE_CLAIMED
    assert claimed.case.claimed_by == "rita"
    other = rpb.ResolveCaseRequest(case_id=case.case_id, verdict=rpb.VERDICT_LEGITIMATE)
    code = _code(lambda: ops.review.ResolveCase(other, metadata=ops.meta("bob")))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    resolve = rpb.ResolveCaseRequest(
        case_id=case.case_id, verdict=rpb.VERDICT_FRAUD, note="stolen card"
    )
    done = ops.review.ResolveCase(resolve, metadata=ops.meta("reviewer")).case
    assert (done.state, done.verdict, done.resolved_by, done.note) == (
        rpb.CASE_STATE_RESOLVED, rpb.VERDICT_FRAUD, "rita", "stolen card"
    )  # fmt: skip
    again = ops.review.ResolveCase(resolve, metadata=ops.meta("reviewer")).case
    assert again.resolved_at == done.resolved_at
    flip = rpb.ResolveCaseRequest(case_id=case.case_id, verdict=rpb.VERDICT_LEGITIMATE)
    code = _code(lambda: ops.review.ResolveCase(flip, metadata=ops.meta("reviewer")))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    with ops.served.components.store.engine.connect() as conn:
        labels = conn.execute(select(outcomes.c.label, outcomes.c.source)).all()
        audit = conn.execute(select(review_audit.c.change, review_audit.c.reviewer)).all()
    assert [tuple(r) for r in labels] == [(1, "review")]
    assert [tuple(r) for r in audit] == [("claim", "rita"), ("resolve", "rita")]
    detail = ops.review.GetCase(rpb.GetCaseRequest(case_id=case.case_id), metadata=ops.meta("bob"))
    assert [a.change for a in detail.audit] == ["claim", "resolve"]


def test_claims_expire(ops_factory: Callable[..., Ops], database_url: str) -> None:
    """A claim lapses after review_claim_ttl_s: it reads OPEN and another reviewer takes it."""
    o = ops_factory(database_url, review_claim_ttl_s=0.5)
    o.signups(range(1))
    (case,) = o.cases()
    request = rpb.ClaimCaseRequest(case_id=case.case_id)
    o.review.ClaimCase(request, metadata=o.meta("reviewer"))
    assert _code(lambda: o.review.ClaimCase(request, metadata=o.meta("bob"))) == (
        grpc.StatusCode.FAILED_PRECONDITION
    )
    time.sleep(0.6)
    assert [c.state for c in o.cases(state=rpb.CASE_STATE_OPEN)] == [rpb.CASE_STATE_OPEN]
    taken = o.review.ClaimCase(request, metadata=o.meta("bob")).case
    assert taken.claimed_by == "bob"


def test_concurrent_claims_of_one_case_have_one_winner(ops: Ops) -> None:
    """Two reviewers claiming the same case at once: exactly one succeeds."""
    ops.signups(range(1))
    (case,) = ops.cases()
    results: list[str] = []
    barrier = threading.Barrier(6)

    def claim(who: str) -> None:
        barrier.wait()
        try:
            ops.review.ClaimCase(rpb.ClaimCaseRequest(case_id=case.case_id), metadata=ops.meta(who))
            results.append("ok")
        except grpc.RpcError as exc:
            results.append(exc.code().name)

    threads = [threading.Thread(target=claim, args=(w,)) for w in ["reviewer", "bob"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # rita's own renewals may succeed too; what matters is one reviewer holds it
    holder = ops.cases()[0].claimed_by
    assert results.count("ok") >= 1
    assert set(results) <= {"ok", "FAILED_PRECONDITION"}
    winners = {"reviewer": "rita", "bob": "bob"}
    assert holder in winners.values()
    assert results.count("FAILED_PRECONDITION") >= 3  # the other reviewer's three all lost


def test_campaign_preview_resolve_retry_and_undo(ops: Ops) -> None:
    """Preview counts; resolve is one audit row per account; a retry changes nothing; undo
    restores every account as one audited action."""
    ops.signups(CAMPAIGN, device="dev-0")
    campaign = _campaign(ops)
    first = ops.cases(campaign_id=campaign.campaign_id)[0]
    ops.review.ResolveCase(
        rpb.ResolveCaseRequest(case_id=first.case_id, verdict=rpb.VERDICT_LEGITIMATE),
        metadata=ops.meta("reviewer"),
    )
    preview = ops.review.PreviewCampaignVerdict(
        rpb.PreviewCampaignVerdictRequest(
            campaign_id=campaign.campaign_id, verdict=rpb.VERDICT_FRAUD
        ),
        metadata=ops.meta("reviewer"),
    )
    counts = (preview.accounts, preview.already_resolved, preview.would_change, preview.open_cases)
    assert counts == (5, 1, 5, 4)
    request = rpb.ResolveCampaignRequest(
        campaign_id=campaign.campaign_id,
        verdict=rpb.VERDICT_FRAUD,
        note="one device, five accounts",
    )
    done = ops.review.ResolveCampaign(request, metadata=ops.meta("lead"))
    assert (done.accounts, done.changed, done.cases_resolved) == (5, 5, 4)
    retry = ops.review.ResolveCampaign(request, metadata=ops.meta("lead"))
    assert (retry.changed, retry.action_id) == (0, done.action_id)
    assert all(c.state == rpb.CASE_STATE_RESOLVED for c in ops.cases())
    engine = ops.served.components.store.engine
    with engine.connect() as conn:
        per_account = conn.execute(
            select(review_audit.c.account_id, func.count())
            .where(review_audit.c.action_id == done.action_id)
            .group_by(review_audit.c.account_id)
        ).all()
        labels = dict(conn.execute(select(outcomes.c.account_id, outcomes.c.label)).all())
    assert sorted(a for a, n in per_account if n == 1) == [f"acct-{i}" for i in CAMPAIGN]
    assert labels == {f"acct-{i}": 1 for i in CAMPAIGN}  # the earlier LEGITIMATE one relabelled
    undo = rpb.UndoCampaignVerdictRequest(action_id=done.action_id, note="wrong campaign")
    undone = ops.review.UndoCampaignVerdict(undo, metadata=ops.meta("lead"))
    assert (undone.reverted, undone.already_undone) == (5, False)
    again = ops.review.UndoCampaignVerdict(undo, metadata=ops.meta("lead"))
    assert again.already_undone
    after = ops.review.PreviewCampaignVerdict(
        rpb.PreviewCampaignVerdictRequest(
            campaign_id=campaign.campaign_id, verdict=rpb.VERDICT_FRAUD
        ),
        metadata=ops.meta("lead"),
    )
    assert (after.already_resolved, after.open_cases) == (1, 4)
    states = {c.account_id: c.state for c in ops.cases()}
    assert list(states.values()).count(rpb.CASE_STATE_OPEN) == 4
    with engine.connect() as conn:
        left = conn.execute(select(outcomes.c.account_id, outcomes.c.label)).all()
        undo_rows = conn.execute(
            select(func.count()).where(review_audit.c.change == "undo")
        ).scalar_one()
    assert [tuple(r) for r in left] == [(first.account_id, 2)]
    assert undo_rows == 1


def test_verdicts_change_later_key_creations(ops: Ops) -> None:
    """LEGITIMATE lets the account's next key creation through; FRAUD blocks its keys and
    denies its device for other accounts."""
    ops.signups(range(2))
    by_account = {c.account_id: c.case_id for c in ops.cases()}
    for account, verdict in (("acct-0", rpb.VERDICT_LEGITIMATE), ("acct-1", rpb.VERDICT_FRAUD)):
        ops.review.ResolveCase(
            rpb.ResolveCaseRequest(case_id=by_account[account], verdict=verdict),
            metadata=ops.meta("reviewer"),
        )
    first = ops.served.stub.ScoreApiKeyCreation(samples.api_key(0), timeout=10).decision
    assert (first.action, first.reasons[0].code) == (pb.ACTION_ALLOW, "REVIEW_RELEASED")
    later = samples.api_key(0, at=time.time() + 1)
    later.event_id = "evt-k-0-later"
    second = ops.served.stub.ScoreApiKeyCreation(later, timeout=10)
    assert second.decision.action == pb.ACTION_REVIEW  # released once: the next one is scored
    blocked = ops.served.stub.ScoreApiKeyCreation(samples.api_key(1), timeout=10).decision
    assert blocked.action == pb.ACTION_BLOCK
    assert {"REVIEW_FRAUD", "REVIEW_DENYLIST_DEVICE"} <= {r.code for r in blocked.reasons}
    newcomer = unlinked_signup(50)
    newcomer.device.device_id = "dev-1"
    denied = ops.served.stub.ScoreSignup(newcomer, timeout=10).decision
    assert denied.action == pb.ACTION_BLOCK
    assert denied.reasons[0].code == "REVIEW_DENYLIST_DEVICE"


def test_list_cases_pages_and_filters(ops: Ops) -> None:
    """Pages of two cover every case once, in priority order; filters narrow the list."""
    ops.signups(range(7))
    seen: list[rpb.Case] = []
    token = ""
    while True:
        reply = ops.review.ListCases(
            rpb.ListCasesRequest(page_size=2, page_token=token), metadata=ops.meta("reviewer")
        )
        assert len(reply.cases) <= 2
        seen.extend(reply.cases)
        token = reply.next_page_token
        if not token:
            break
    assert len(seen) == 7
    assert len({c.case_id for c in seen}) == 7
    priorities = [c.priority for c in seen]
    assert priorities == sorted(priorities, reverse=True)
    assert ops.cases(state=rpb.CASE_STATE_RESOLVED) == []
    assert len(ops.cases(event_type="signup", action=pb.ACTION_REVIEW)) == 7
    assert ops.cases(event_type="api_key") == []
    assert ops.cases(min_score=0.999) == []
    bad = rpb.ListCasesRequest(page_token="not-a-token")
    code = _code(lambda: ops.review.ListCases(bad, metadata=ops.meta("reviewer")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_get_campaign_and_unknown_ids(ops: Ops) -> None:
    """GetCampaign shows members by action, shared identifiers and a timeline; unknown ids are
    NOT_FOUND and a missing verdict INVALID_ARGUMENT."""
    ops.signups(CAMPAIGN, device="dev-0")
    campaign = _campaign(ops)
    detail = ops.review.GetCampaign(
        rpb.GetCampaignRequest(campaign_id=campaign.campaign_id, sample_size=3),
        metadata=ops.meta("reviewer"),
    )
    assert {c.name: c.count for c in detail.members_by_action} == {"REVIEW": 5}
    assert detail.shared_identifiers[0].count == 5
    assert sum(t.signups for t in detail.timeline) == 5
    assert len(detail.sample) == 3
    meta = ops.meta("lead")
    assert _code(lambda: ops.review.GetCase(rpb.GetCaseRequest(case_id="nope"), metadata=meta)) == (
        grpc.StatusCode.NOT_FOUND
    )
    missing = rpb.GetCampaignRequest(campaign_id="cp-nope")
    assert (
        _code(lambda: ops.review.GetCampaign(missing, metadata=meta)) == grpc.StatusCode.NOT_FOUND
    )
    no_verdict = rpb.ResolveCampaignRequest(campaign_id=campaign.campaign_id, note="x")
    assert _code(lambda: ops.review.ResolveCampaign(no_verdict, metadata=meta)) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    no_note = rpb.ResolveCampaignRequest(
        campaign_id=campaign.campaign_id, verdict=rpb.VERDICT_FRAUD
    )
    assert _code(lambda: ops.review.ResolveCampaign(no_note, metadata=meta)) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


def test_coordination_cells_join_campaigns_and_are_named(ops: Ops) -> None:
    """Signups sharing only a phone block (a SIM farm's range), or only an identity template
    with a card BIN (one generator's identities), form campaigns that name those cells."""
    for i in range(60, 64):
        request = unlinked_signup(i)
        request.identity.phone = f"+4479111234{i % 10:02d}"  # valid, one block
        ops.served.stub.ScoreSignup(request, timeout=10)
    for i in range(70, 73):
        request = unlinked_signup(i)
        request.payment.card_bin = "424242"  # alice.smith7x for "Alice Smith": one template
        ops.served.stub.ScoreSignup(request, timeout=10)
    assert ops.served.components.store.flush(30)
    listed = ops.review.ListCampaigns(rpb.ListCampaignsRequest(), metadata=ops.meta("lead"))
    assert [c.size for c in listed.campaigns] == [4, 3]
    names = []
    for campaign in listed.campaigns:
        detail = ops.review.GetCampaign(
            rpb.GetCampaignRequest(campaign_id=campaign.campaign_id),
            metadata=ops.meta("reviewer"),
        )
        names.append({c.name.split(":")[0]: c.count for c in detail.shared_identifiers})
    assert names == [{"phone_block": 4}, {"identity_bin": 3}]


def test_review_service_is_healthy_and_reflected(ops: Ops) -> None:
    """Health reports SERVING for signupguard.v1.ReviewService and reflection lists it."""
    health = health_pb2_grpc.HealthStub(ops.served.channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service="signupguard.v1.ReviewService"))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(ops.served.channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
    )
    names = {s.name for r in replies for s in r.list_services_response.service}
    assert "signupguard.v1.ReviewService" in names
