"""Every console page through an in-process client over a replayed attack (SQLite)."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from service.config import Settings
from service.console.serve import build
from service.domain import EventType
from service.rules.core import RulesCore
from service.rules.model import RuleAction, RuleSpec
from service.store import make_engine
from tests.console.conftest import csrf_of, login
from tests.console.seed import Seeded


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-case="([^"]+)"', html)


def _active(client: TestClient, cid: str) -> int:
    """Open plus claimed cases of a campaign in the queue."""
    return sum(
        len(_rows(client.get(f"/?campaign={cid}&state={st}").text)) for st in ("open", "claimed")
    )


def _biggest(client: TestClient) -> str:
    found = re.search(r'href="/campaigns/(cp-[0-9a-f]+)"', client.get("/campaigns").text)
    assert found, "no campaign listed"
    return found.group(1)


def test_healthz_answers_without_signing_in(client: TestClient) -> None:
    """GET /healthz is 200 for anyone."""
    assert client.get("/healthz").status_code == 200


def test_pages_forbid_framing_and_foreign_scripts(client: TestClient) -> None:
    """Every response carries a same-origin CSP and refuses to be framed."""
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_pages_send_strangers_to_the_login_form(client: TestClient) -> None:
    """Without a session the queue redirects to /login, whose form has a token and a CSRF field."""
    reply = client.get("/", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login"
    form = client.get("/login").text
    assert 'name="token"' in form
    assert csrf_of(form)
    assert client.post("/claim-next", data={"csrf": "x"}).status_code == 401


def test_login_needs_its_csrf_pair_and_a_reviewer_token(client: TestClient, seeded: Seeded) -> None:
    """POST /login refuses a missing CSRF token (403) and a wrong reviewer token (401)."""
    assert client.post("/login", data={"token": seeded.tokens["lead"]}).status_code == 403
    csrf = csrf_of(client.get("/login").text)
    reply = client.post("/login", data={"token": "sgr_wrong", "csrf": csrf})
    assert reply.status_code == 401
    assert "not a reviewer" in reply.text
    assert "sg_session" not in client.cookies


def test_login_sets_an_httponly_samesite_cookie_not_secure_over_http(
    client: TestClient, seeded: Seeded
) -> None:
    """A good token starts a session: HttpOnly, SameSite=Lax, no Secure over plain HTTP."""
    csrf = csrf_of(client.get("/login").text)
    reply = client.post(
        "/login", data={"token": seeded.tokens["reviewer"], "csrf": csrf}, follow_redirects=False
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/"
    cookie = next(c for c in reply.headers.get_list("set-cookie") if c.startswith("sg_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_tls(seeded: Seeded, tmp_path: Path) -> None:
    """Served over HTTPS, the session cookie carries Secure."""
    app = build(Settings(database_url=seeded.url, spool_dir=tmp_path / "spool"))
    with TestClient(app, base_url="https://testserver") as c:
        csrf = csrf_of(c.get("/login").text)
        reply = c.post(
            "/login", data={"token": seeded.tokens["lead"], "csrf": csrf}, follow_redirects=False
        )
    cookie = next(x for x in reply.headers.get_list("set-cookie") if x.startswith("sg_session="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_logout_ends_the_session(client: TestClient, seeded: Seeded) -> None:
    """After logout the old cookie no longer opens the queue."""
    csrf = login(client, seeded.tokens["reviewer"])
    sid = client.cookies["sg_session"]
    assert client.post("/logout", data={"csrf": csrf}).url.path == "/login"
    client.cookies.set("sg_session", sid)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_queue_lists_open_cases_by_priority_and_filters(client: TestClient, seeded: Seeded) -> None:
    """The queue is priority-ordered; the action filter keeps only that action's cases."""
    login(client, seeded.tokens["reviewer"])
    page = client.get("/").text
    priorities = [
        float(p)
        for p in re.findall(r'<tr data-case="[^"]+" tabindex="-1">\s*<td>([0-9.]+)</td>', page)
    ]
    assert len(priorities) > 5
    assert priorities == sorted(priorities, reverse=True)
    blocked = client.get("/?state=open&action=block").text
    assert len(_rows(blocked)) > 0
    assert blocked.count('class="act-block"') == len(_rows(blocked))
    assert client.get("/?min_score=2&max_score=1").status_code == 400
    assert "data-left=" not in page or "countdown" in page


def test_claim_next_claims_the_top_case_with_a_countdown(
    client: TestClient, seeded: Seeded
) -> None:
    """Claim next opens the highest-priority open case, claimed by me, with its countdown."""
    csrf = login(client, seeded.tokens["reviewer"])
    top = _rows(client.get("/").text)[0]
    reply = client.post("/claim-next", data={"csrf": csrf, "query": ""})
    assert reply.url.path == f"/cases/{top}"
    assert "claimed" in reply.text
    assert 'class="countdown" data-left="' in reply.text


def test_case_page_shows_reasons_signals_links_and_takes_a_verdict(
    client: TestClient, seeded: Seeded
) -> None:
    """The case page lists reasons and masked signals; a verdict with a note lands in the audit."""
    csrf = login(client, seeded.tokens["reviewer"])
    case_id = _rows(client.get("/?action=block").text)[-1]
    page = client.get(f"/cases/{case_id}").text
    for part in ("Decisions", "Reasons", "Linked accounts", "Audit trail", "<code>"):
        assert part in page
    assert "@" not in re.sub(r"<[^>]+>", "", page) or "***" in page or "…" in page
    reply = client.post(
        f"/cases/{case_id}/resolve",
        data={"csrf": csrf, "verdict": "legitimate", "note": "known customer"},
    )
    assert reply.status_code == 200
    assert "resolved" in reply.text
    assert "known customer" in reply.text
    assert "rita" in reply.text


def test_forged_posts_are_refused(client: TestClient, seeded: Seeded) -> None:
    """A state change without the session's CSRF token is 403 and changes nothing."""
    login(client, seeded.tokens["lead"])
    case_id = _rows(client.get("/").text)[0]
    for data in ({}, {"csrf": "forged"}):
        reply = client.post(f"/cases/{case_id}/claim", data=data)
        assert reply.status_code == 403
    assert "claimed" not in client.get(f"/cases/{case_id}").text.split("Verdict")[0]


def test_campaign_page_shows_its_picture_and_pages_members(
    client: TestClient, seeded: Seeded
) -> None:
    """Size, span, members by action, shared identifiers, an SVG timeline and paged members."""
    login(client, seeded.tokens["reviewer"])
    cid = _biggest(client)
    page = client.get(f"/campaigns/{cid}?size=10").text
    for part in ("Size", "Span", "Members by action", "Shared identifiers", '<svg id="timeline"'):
        assert part in page
    assert page.count('class="bar-signup"') > 1
    first = re.findall(r"<tr><td>(acct[^<]*|[^<]+)</td><td>[0-9.–]", page)
    nxt = re.search(r'id="members-next" href="([^"]+)"|href="([^"]+)" id="members-next"', page)
    assert nxt, "no next page of members"
    second = client.get(
        f"/campaigns/{cid}{(nxt.group(1) or nxt.group(2)).replace('&amp;', '&')}"
    ).text
    assert set(re.findall(r"<tr><td>([^<]+)</td><td>[0-9.–]", second)).isdisjoint(first[:10])


def test_reviewer_gets_no_bulk_form_and_the_server_refuses_them(
    client: TestClient, seeded: Seeded
) -> None:
    """A reviewer sees no bulk verdict and a well-formed POST from them is 403 (the core's rule)."""
    csrf = login(client, seeded.tokens["reviewer"])
    cid = _biggest(client)
    assert 'id="bulk"' not in client.get(f"/campaigns/{cid}").text
    reply = client.post(
        f"/campaigns/{cid}/resolve", data={"csrf": csrf, "verdict": "fraud", "note": "x"}
    )
    assert reply.status_code == 403
    assert "needs lead" in reply.text


def test_lead_previews_resolves_and_undoes_a_campaign(client: TestClient, seeded: Seeded) -> None:
    """Preview counts the change; resolving empties the campaign's queue; undo brings it back."""
    csrf = login(client, seeded.tokens["lead"])
    cid = _biggest(client)
    assert 'id="bulk"' in client.get(f"/campaigns/{cid}").text
    before = _active(client, cid)
    assert before > 0
    preview = client.get(f"/campaigns/{cid}/preview?verdict=fraud&note=attack").text
    would = int(re.search(r'id="would-change">(\d+)<', preview).group(1))  # type: ignore[union-attr]
    assert would >= before
    assert (
        client.post(f"/campaigns/{cid}/resolve", data={"verdict": "fraud", "note": "a"}).status_code
        == 403
    )
    done = client.post(
        f"/campaigns/{cid}/resolve", data={"csrf": csrf, "verdict": "fraud", "note": "attack"}
    )
    assert f"{would} accounts changed" in done.text
    assert _active(client, cid) == 0
    action = re.search(r"/campaign-actions/([^/]+)/undo", done.text).group(1)  # type: ignore[union-attr]
    undone = client.post(
        f"/campaign-actions/{action}/undo", data={"csrf": csrf, "campaign_id": cid}
    )
    assert "Undone:" in undone.text
    assert _active(client, cid) == before


def test_rules_pages_are_the_admins(client: TestClient, seeded: Seeded) -> None:
    """Rules need the admin role (as RulesService): a lead gets 403, an admin the list."""
    login(client, seeded.tokens["lead"])
    assert client.get("/rules").status_code == 403
    login(client, seeded.tokens["admin"])
    page = client.get("/rules")
    assert page.status_code == 200
    assert 'id="rules"' in page.text


def test_rule_page_shows_state_versions_and_a_backtest(client: TestClient, seeded: Seeded) -> None:
    """A draft rule is listed with its state; its page backtests it over the replayed log."""
    engine = make_engine(seeded.url)
    RulesCore(engine).save(
        RuleSpec(
            rule_id="high-score",
            event_type=EventType.SIGNUP,
            condition="score > 0.5",
            action=RuleAction.REVIEW,
            reason_code="HIGH_SCORE",
        ),
        "ada",
    )
    login(client, seeded.tokens["admin"])
    listing = client.get("/rules").text
    assert "high-score" in listing
    assert 'class="state-draft"' in listing
    page = client.get("/rules/high-score?backtest=1").text
    matched = re.search(r'id="bt-matched">(\d+) events', page)
    assert matched, page
    assert int(matched.group(1)) > 0


def test_unknown_case_and_campaign_are_404_pages(client: TestClient, seeded: Seeded) -> None:
    """A case or campaign id that does not exist renders the error page with 404."""
    login(client, seeded.tokens["reviewer"])
    assert client.get("/cases/no-such-case").status_code == 404
    reply = client.get("/campaigns/cp-nope")
    assert reply.status_code == 404
    assert "not found" in reply.text
