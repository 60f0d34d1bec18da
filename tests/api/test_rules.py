"""RulesService end to end on a real server: a rule against a replayed simulated attack is
backtested with its precision, shadowed without acting, promoted live, hot-reloaded under load."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import json_format
from sqlalchemy import func, select

from service.api.gen.signupguard.v1 import rules_pb2 as rpb
from service.api.gen.signupguard.v1 import rules_pb2_grpc as rpb_grpc
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.cli import main as cli_main
from service.domain import EventType
from service.events import StreamRecord, event_to_dict
from service.review.model import Role
from service.rules.core import RulesCore
from service.rules.report import report as rules_report
from service.store.schema import decisions
from tests import samples
from tests.api.conftest import Served
from training.simulate import config_from_mapping, simulate
from training.simulate.config import CONFIG_DIR

TOKEN = "rules-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
RULE = "features.ip_is_datacenter == 1 && features.vel_ip_prefix_1h >= 2"
HELD_OUT = 8  # attack signups kept back to score after the rule changes state


def _stream() -> list[StreamRecord]:
    """A two-day world with one datacenter burst: signups only, in time order."""
    data = yaml.safe_load((CONFIG_DIR / "small.yaml").read_text(encoding="utf-8"))
    data["days"] = 2
    data["legit"]["signups_per_day"] = 120
    data["campaigns"] = [
        {
            "archetype": "datacenter_burst",
            "size": 70,
            "start_day": 1.2,
            "duration_hours": 1,
            "sophistication": 0.2,
        }
    ]
    records = simulate(config_from_mapping(data), 5)
    return [r for r in records if r.event.event_type is EventType.SIGNUP]


def _request(record: StreamRecord) -> pb.ScoreSignupRequest:
    return json_format.ParseDict(event_to_dict(record.event), pb.ScoreSignupRequest())


def _rules_stub(served: Served) -> rpb_grpc.RulesServiceStub:
    return rpb_grpc.RulesServiceStub(served.channel)


def _save(served: Served, state: rpb.RuleState, condition: str = RULE) -> rpb.Rule:
    rule = rpb.Rule(
        rule_id="dc-burst",
        event_type="signup",
        condition=condition,
        action=rpb.RULE_ACTION_BLOCK,
        reason_code="RULE_DC_BURST",
        message="datacenter burst (rule ${rule_id} v${version})",
        state=state,
    )
    reply: rpb.SaveRuleResponse = _rules_stub(served).SaveRule(
        rpb.SaveRuleRequest(rule=rule), metadata=AUTH
    )
    return reply.rule


def _wait_for_revision(served: Served, revision: int) -> None:
    deadline = time.monotonic() + 10
    while served.components.rules.rules.revision < revision:
        assert time.monotonic() < deadline, "rules were not reloaded"
        time.sleep(0.05)


def test_rule_against_a_replayed_attack_backtests_shadows_and_goes_live(
    serve: Callable[..., Served], database_url: str
) -> None:
    """The worked example: backtest precision matches the truth, shadow never acts, live blocks."""
    served = serve(
        clock="event",
        admin_token=TOKEN,
        database_url=database_url,
        db_auto_migrate=True,
        rules_poll_interval_s=0.05,
    )
    records = _stream()
    attack = [i for i, r in enumerate(records) if r.truth and r.truth.label == "fraud"]
    cut = attack[-HELD_OUT]
    history, later = records[:cut], records[cut:]
    truth = {r.event.event_id: r.truth.label for r in records if r.truth}
    for record in history:
        served.stub.ScoreSignup(_request(record), timeout=10)
    for record in history:
        label = pb.LABEL_FRAUD if truth[record.event.event_id] == "fraud" else pb.LABEL_LEGITIMATE
        served.stub.ReportOutcome(
            pb.ReportOutcomeRequest(account_id=record.event.account_id, label=label), timeout=10
        )
    assert served.components.store.flush(30)

    reply = _rules_stub(served).BacktestRule(
        rpb.BacktestRuleRequest(condition=RULE, event_type="signup"), metadata=AUTH
    )
    full = RulesCore(served.components.store.engine).backtest(
        condition=RULE, event_type=EventType.SIGNUP, sample=10**6
    )
    matched = [s["event_id"] for s in full.sample]
    fraud = sum(truth[e] == "fraud" for e in matched)
    legit = sum(truth[e] == "legitimate" for e in matched)
    attack_seen = sum(1 for i in attack if i < cut)
    with served.components.store.engine.connect() as conn:
        logged = conn.execute(select(func.count()).select_from(decisions)).scalar()
    assert reply.decisions_scanned == logged
    assert reply.matched_events == len(matched) == fraud + legit
    assert (reply.fraud, reply.legitimate, reply.unknown) == (fraud, legit, 0)
    assert reply.precision == pytest.approx(round(fraud / (fraud + legit), 4))
    assert fraud >= 0.6 * attack_seen  # it catches most of the attack (first hits per /24 pass)
    assert reply.precision >= 0.9  # ... and little else
    print("backtest:", json.dumps(json.loads(reply.report_json) | {"sample": "..."}))

    # Shadow: logged beside the decision, never acted on.
    shadow = _save(served, rpb.RULE_STATE_SHADOW)
    _wait_for_revision(served, 1)
    first = served.stub.ScoreSignup(_request(later[0]), timeout=10).decision
    assert "RULE_DC_BURST" not in [r.code for r in first.reasons]
    # Live: the next attack signups are blocked with the rule's reason.
    live = (
        _rules_stub(served)
        .SetRuleState(
            rpb.SetRuleStateRequest(rule_id="dc-burst", state=rpb.RULE_STATE_LIVE), metadata=AUTH
        )
        .rule
    )
    assert (shadow.version, live.version) == (1, 2)
    assert live.author == "admin"  # the identity the auth interceptor established
    _wait_for_revision(served, 2)
    after = [served.stub.ScoreSignup(_request(r), timeout=10).decision for r in later[1:]]
    hit = [d for d in after if "RULE_DC_BURST" in [r.code for r in d.reasons]]
    assert len(hit) >= HELD_OUT // 2  # the rule's recall on the attack, as in the backtest
    assert all(d.action == pb.ACTION_BLOCK for d in hit)
    assert all(truth[d.event_id] == "fraud" for d in hit)
    reason = next(r for r in hit[0].reasons if r.code == "RULE_DC_BURST")
    assert reason.message == "datacenter burst (rule dc-burst v2)"
    print("before (shadow):", pb.Action.Name(first.action), [r.code for r in first.reasons])
    attack_after = [d for d in after if truth[d.event_id] == "fraud"]
    print(
        "after (live):",
        f"{len(hit)} of {len(attack_after)} attack signups hit and blocked,",
        [pb.Action.Name(d.action) for d in attack_after],
    )

    assert served.components.store.flush(30)
    logged = rules_report(served.components.store.engine)["rules"]
    rows = {(r["state"], r["version"]): r for r in logged}
    assert rows[("shadow", 1)]["hits"] == 1
    assert rows[("shadow", 1)]["would_change"] == int(first.action != pb.ACTION_BLOCK)
    assert rows[("live", 2)]["hits"] == len(hit)


def test_save_refuses_syntax_errors_and_unknown_names_with_positions(
    serve: Callable[..., Served],
) -> None:
    """SaveRule is INVALID_ARGUMENT naming line:column; ValidateRule reports the same."""
    served = serve(admin_token=TOKEN)
    stub = _rules_stub(served)
    for condition, where in (
        ("features.vel_ip_1h > 3 &&", "1:24"),  # the dangling operator
        ("features.vel_ip_1hh > 3", "1:10"),
    ):
        with pytest.raises(grpc.RpcError) as err:
            _save(served, rpb.RULE_STATE_LIVE, condition)
        assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.details().startswith(f"condition: {where}: ")
        reply = stub.ValidateRule(
            rpb.ValidateRuleRequest(condition=condition, event_type="signup"), metadata=AUTH
        )
        assert not reply.valid
        assert f"{reply.error.line}:{reply.error.column}" == where
    assert list(stub.ListRules(rpb.ListRulesRequest(), metadata=AUTH).rules) == []


def test_rules_service_needs_the_admin_token(serve: Callable[..., Served]) -> None:
    """RulesService: no token is UNAUTHENTICATED, a reviewer below admin is PERMISSION_DENIED,
    and with no admin token configured an anonymous call says admin is disabled."""
    served = serve(admin_token=TOKEN)
    with pytest.raises(grpc.RpcError) as err:
        _rules_stub(served).ListRules(rpb.ListRulesRequest())
    assert err.value.code() is grpc.StatusCode.UNAUTHENTICATED
    review = served.components.review
    assert review is not None
    assert review.reviewers is not None
    lead = review.reviewers.add("lena", Role.LEAD)
    with pytest.raises(grpc.RpcError) as err:
        _rules_stub(served).ListRules(
            rpb.ListRulesRequest(), metadata=(("authorization", f"Bearer {lead}"),)
        )
    assert err.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert _rules_stub(served).ListRules(rpb.ListRulesRequest(), metadata=AUTH) is not None
    closed = serve()
    with pytest.raises(grpc.RpcError) as err:
        _rules_stub(closed).ListRules(rpb.ListRulesRequest())
    assert err.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_hot_reload_under_load_drops_no_request(serve: Callable[..., Served]) -> None:
    """Rules saved and flipped while requests run: every request answers, and the new rule acts."""
    served = serve(admin_token=TOKEN, rules_poll_interval_s=0.02)
    failures: list[Any] = []
    done = threading.Event()
    count = [0]

    def load(offset: int) -> None:
        i = 0
        while not done.is_set():
            try:
                served.stub.ScoreSignup(samples.signup(offset + i), timeout=5)
                count[0] += 1
            except grpc.RpcError as exc:
                failures.append(exc.code())
            i += 1

    threads = [threading.Thread(target=load, args=(k * 100_000,)) for k in range(3)]
    for t in threads:
        t.start()
    try:
        for k in range(10):
            state = rpb.RULE_STATE_LIVE if k % 2 else rpb.RULE_STATE_SHADOW
            _save(served, state, "score >= 0.0")
            time.sleep(0.05)
        _wait_for_revision(served, 10)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert failures == []
    assert count[0] > 10
    d = served.stub.ScoreSignup(samples.signup(999_999), timeout=5).decision
    assert d.action == pb.ACTION_BLOCK
    assert "RULE_DC_BURST" in [r.code for r in d.reasons]


def test_cli_backtest_prints_one_json_object(
    serve: Callable[..., Served], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`signupguard rules backtest --condition ... --json` prints the issue's fields."""
    url = f"sqlite:///{tmp_path}/cli.db"
    served = serve(database_url=url)
    for i in range(5):
        served.stub.ScoreSignup(samples.signup(i, ip="203.0.113.9"), timeout=5)
    served.stub.ReportOutcome(
        pb.ReportOutcomeRequest(account_id=samples.signup(4).account_id, label=pb.LABEL_FRAUD),
        timeout=5,
    )
    assert served.components.store.flush(30)
    code = cli_main(
        [
            "rules", "backtest", "--event-type", "signup",
            "--condition", "features.vel_ip_10m >= 3", "--database-url", url, "--json",
        ]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decisions_scanned"] == 5
    assert out["matched_events"] == 2
    assert out["matched_accounts"] == 2
    assert out["by_outcome"] == {"fraud": 1, "legitimate": 0, "unknown": 1}
    assert out["precision"] == 1.0


def test_decision_log_keeps_derived_signals_and_rule_hits_never_raw_pii(
    serve: Callable[..., Served],
) -> None:
    """The row holds the email domain, countries and keyed /24 (no raw values), plus the hit."""
    served = serve(admin_token=TOKEN, rules_poll_interval_s=0.02)
    _save(served, rpb.RULE_STATE_SHADOW, 'signals.email_domain == "gmail.com"')
    _wait_for_revision(served, 1)
    request = samples.signup(7, ip="81.2.69.160")
    served.stub.ScoreSignup(request, timeout=5)
    assert served.components.store.flush(30)
    with served.components.store.engine.connect() as conn:
        row = conn.execute(
            select(decisions.c.signals, decisions.c.rule_hits).where(
                decisions.c.event_id == request.event_id
            )
        ).one()
    signals = json.loads(row.signals)
    assert signals["email_domain"] == "gmail.com"
    assert (signals["ip_country"], signals["card_country"]) == ("GB", "GB")
    assert "phone_region" not in signals  # the sample's Ofcom drama number has no region
    assert len(signals["ip_prefix"]) == 32  # a keyed hash, not "81.2.69.0/24"
    for raw in (request.identity.email, request.identity.phone, "81.2.69", "Alice"):
        assert raw not in row.signals
    assert json.loads(row.rule_hits) == [["dc-burst", 1, "shadow", "block"]]


def test_get_rule_needs_an_id_and_an_existing_rule(serve: Callable[..., Served]) -> None:
    """An empty id is INVALID_ARGUMENT naming rule_id; an unknown one is NOT_FOUND."""
    served = serve(admin_token=TOKEN)
    stub = _rules_stub(served)
    with pytest.raises(grpc.RpcError) as err:
        stub.GetRule(rpb.GetRuleRequest(), metadata=AUTH)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == "rule_id: is required"
    with pytest.raises(grpc.RpcError) as err:
        stub.GetRule(rpb.GetRuleRequest(rule_id="nope"), metadata=AUTH)
    assert err.value.code() is grpc.StatusCode.NOT_FOUND
