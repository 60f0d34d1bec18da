"""The model page: versions, 24 h scores against the training distribution, reason-code drift.

A store seeded with hand-placed decisions (inside the last 24 h, in the 7 days before, and
older than both) and a model directory whose manifest carries a 4-bin training distribution, so
every figure on the page can be worked out by hand.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.config import Settings
from service.console.serve import build
from service.domain import Action, Decision, EventType, Reason
from service.monitor import ModelMonitor
from service.review import Role
from service.review.reviewers import Reviewers
from service.store import DecisionRecord, ShadowVerdict, SqlDecisionStore, make_engine
from tests.console.conftest import login
from tests.console.seed import ROOT

NOW = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
HOUR, DAY = 3600.0, 86_400.0
LIVE = "sg1-fixturelive"
SHADOW = "sg1-fixtureshadow"
SIGNUP_SHARES = [0.5, 0.25, 0.125, 0.125]  # training, 4 bins
# Live signups, last 24 h: two per bin (0.25 opens bin 1, 1.0 closes bin 3) -> 0.25 each.
SIGNUP_SCORES = [0.0, 0.2, 0.25, 0.4, 0.5, 0.74, 0.9, 1.0]
# PSI by hand: (0.25-0.5)ln(0.25/0.5) + 0 + 2 * (0.25-0.125)ln(0.25/0.125)
#   = 0.25 ln 2 + 0.25 ln 2 = 0.5 ln 2
SIGNUP_PSI = 0.5 * 0.693147


def _manifest(directory: Path, version: str, distribution: bool) -> Path:
    """A model directory holding the shipped manifest under another version (no boosters:
    the page reads the manifest only)."""
    directory.mkdir(parents=True)
    raw = json.loads((ROOT / "models" / "default" / "manifest.json").read_text())
    raw["model_version"] = version
    raw["created_at"] = "2026-09-01T08:00:00Z"
    raw.pop("score_distribution", None)
    if distribution:
        raw["score_distribution"] = {
            "bins": 4,
            "edges": [0.0, 0.25, 0.5, 0.75, 1.0],
            "source": "fixture",
            "signup": {
                "all": {"n": 800, "counts": [400, 200, 100, 100], "shares": SIGNUP_SHARES},
                "legitimate": {"n": 700, "counts": [400, 200, 80, 20], "shares": [0.0] * 4},
                "fraud": {"n": 100, "counts": [0, 0, 20, 80], "shares": [0.0] * 4},
            },
            "api_key": {
                "all": {"n": 400, "counts": [100] * 4, "shares": [0.25] * 4},
                "legitimate": {"n": 300, "counts": [100, 100, 100, 0], "shares": [0.0] * 4},
                "fraud": {"n": 100, "counts": [0, 0, 0, 100], "shares": [0.0] * 4},
            },
        }
    (directory / "manifest.json").write_text(json.dumps(raw))
    return directory


def _decision(
    n: int,
    event_type: EventType,
    at: float,
    score: float,
    action: Action,
    codes: tuple[str, ...] = ("EMAIL_DISPOSABLE",),
    version: str = LIVE,
    shadow: ShadowVerdict | None = None,
) -> DecisionRecord:
    return DecisionRecord(
        Decision(
            decision_id=f"d-{n:04d}",
            event_id=f"e-{n:04d}",
            event_type=event_type,
            account_id=f"a-{n:04d}",
            action=action,
            score=score,
            reasons=tuple(Reason(c, f"{c} message", 1.0) for c in codes),
            model_version=version,
            degraded=False,
            occurred_at=at,
            decided_at=at,
        ),
        features=[0.0],
        spec_hash="fixture",
        shadow=shadow,
    )


def decisions() -> list[DecisionRecord]:
    """Signups and key creations inside the last 24 h, in the 7 days before, and older."""
    out: list[DecisionRecord] = []
    key, signup = EventType.API_KEY, EventType.SIGNUP
    for s in SIGNUP_SCORES:
        out.append(_decision(len(out), signup, NOW - 2 * HOUR, s, Action.ALLOW))
    # Not in the last 24 h: before (1 s too old) and older than 8 days; neither in the histogram.
    out.append(_decision(len(out), signup, NOW - DAY - 1, 0.1, Action.ALLOW))
    out.append(_decision(len(out), signup, NOW - 9 * DAY, 0.1, Action.ALLOW))
    # Held key creations, last 24 h: ACCOUNT_NEW first on 3 of 4.
    held_now = [
        (0.9, Action.BLOCK, ("ACCOUNT_NEW", "VEL_KEY_ACCOUNT")),
        (0.95, Action.BLOCK, ("ACCOUNT_NEW",)),
        (0.8, Action.REVIEW, ("ACCOUNT_NEW", "IP_DATACENTER")),
        (0.6, Action.REVIEW, ("VEL_KEY_ACCOUNT", "ACCOUNT_NEW")),
    ]
    for i, (s, a, codes) in enumerate(held_now):
        shadow = ShadowVerdict(SHADOW, s, a if i else Action.ALLOW) if i < 2 else None
        out.append(_decision(len(out), key, NOW - 5 * HOUR, s, a, codes, shadow=shadow))
    # Held key creations, the 7 days before: ACCOUNT_NEW first on 1 of 5, anywhere on 2.
    held_before = [
        ("ACCOUNT_NEW",),
        ("VEL_KEY_ACCOUNT", "ACCOUNT_NEW"),
        ("VEL_KEY_ACCOUNT",),
        ("IP_DATACENTER",),
        ("IP_DATACENTER", "VEL_KEY_ACCOUNT"),
    ]
    for codes in held_before:
        out.append(_decision(len(out), key, NOW - 3 * DAY, 0.9, Action.REVIEW, codes))
    # Older than both windows: must not count.
    out.append(_decision(len(out), key, NOW - 8 * DAY - 60, 0.9, Action.BLOCK, ("ACCOUNT_NEW",)))
    # A decision by another live version in the last 24 h (an artifact loaded at run time).
    out.append(_decision(len(out), key, NOW - HOUR, 0.1, Action.ALLOW, version="sg1-older"))
    return out


def seed_decisions(url: str, spool: Path) -> None:
    """Write :func:`decisions` through the real decision store."""
    with SqlDecisionStore(url, spool_dir=spool, auto_migrate=True) as store:
        for record in decisions():
            store.save_decision(record)
        assert store.flush(60), "the decision store did not flush"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    """A SQLite store of :func:`decisions`, a reviewer's token and the fixture model dirs."""
    tmp = tmp_path_factory.mktemp("model-page")
    url = f"sqlite:///{tmp}/d.db"
    seed_decisions(url, tmp / "spool")
    token = Reviewers(make_engine(url)).add("rita", Role.REVIEWER)
    _manifest(tmp / "live", LIVE, distribution=True)
    _manifest(tmp / "shadow", SHADOW, distribution=False)
    return url, token, tmp


def _client(url: str, tmp: Path, model: Path, shadow: Path | None) -> TestClient:
    settings = Settings(
        database_url=url, spool_dir=tmp / "spool2", model=model, shadow_model=shadow
    )
    app = build(settings)
    app.state.console.now = lambda: NOW
    return TestClient(app)


@pytest.fixture
def page(store: tuple[str, str, Path]) -> Iterator[str]:
    """The model page as a reviewer (the lowest role) sees it, with live and shadow models."""
    url, token, tmp = store
    with _client(url, tmp, tmp / "live", tmp / "shadow") as client:
        login(client, token)
        reply = client.get("/model")
        assert reply.status_code == 200, reply.text
        yield reply.text


def _table(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
        for r in rows
    ]


def test_model_page_names_live_and_shadow_versions_and_who_decided(page: str) -> None:
    """Live and shadow manifests' facts are shown; versions that decided in 24 h are counted."""
    live = page.split('id="live-model"', 1)[1].split("</section>", 1)[0]
    assert LIVE in live
    assert "2026-09-01T08:00:00Z" in live
    assert "4 bins, fixture" in live
    shadow = page.split('id="shadow-model"', 1)[1].split("</section>", 1)[0]
    assert SHADOW in shadow
    assert "none in this artifact" in shadow
    served = page.split('id="served"', 1)[1].split("</section>", 1)[0]
    assert re.search(rf"<code>{LIVE}</code></td><td>12</td>", served)
    assert re.search(r"<code>sg1-older</code> <span[^>]*>\(not the configured", served)
    assert re.search(rf"<code>{SHADOW}</code></td><td>2</td><td>1 \(50.0 %\)", served)


def test_model_page_sets_24h_scores_against_training_with_a_psi(page: str) -> None:
    """Only the last 24 h are binned (the training bins; 0.25 and 1.0 at the edges), and the
    PSI is the hand-computed 0.5 ln 2 = 0.347, read as a major shift."""
    rows = _table(page, "bins-signup")
    assert [r[0] for r in rows[1:]] == ["0.00–0.25", "0.25–0.50", "0.50–0.75", "0.75–1.00"]
    assert [r[1:] for r in rows[1:]] == [
        ["2", "25.0 %", "50.0 %"],
        ["2", "25.0 %", "25.0 %"],
        ["2", "25.0 %", "12.5 %"],
        ["2", "25.0 %", "12.5 %"],
    ]
    psi = re.search(r'id="psi-signup">PSI <strong class="psi-value">([0-9.]+)</strong>', page)
    assert psi
    assert float(psi.group(1)) == pytest.approx(SIGNUP_PSI, abs=0.0005)
    assert "major shift" in page.split('id="psi-signup"', 1)[1].split("</p>", 1)[0]
    keys = _table(page, "bins-api_key")
    assert [r[1] for r in keys[1:]] == ["1", "0", "1", "3"]  # 4 held + the other version's 0.1
    assert '<svg id="scores-signup"' in page
    assert page.count('class="line-training"') >= 2
    assert "no score distribution" not in page


def test_model_page_shows_reason_code_drift_of_held_key_creations(page: str) -> None:
    """ACCOUNT_NEW: first on 3 of 4 held keys now, 1 of 5 before (+55 points, sorted first);
    anywhere on 4 of 4 and 2 of 5; the decision older than 8 days counts nowhere."""
    rows = _table(page, "reasons-api_key-held")
    assert rows[0] == [
        "Reason code",
        "First, 24 h",
        "First, before",
        "Change (points)",
        "Anywhere, 24 h",
        "Anywhere, before",
    ]
    assert rows[1] == ["ACCOUNT_NEW", "75.0 %", "20.0 %", "+55.0", "100.0 %", "40.0 %"]
    by_code = {r[0]: r[1:] for r in rows[1:]}
    assert by_code["IP_DATACENTER"] == ["0.0 %", "40.0 %", "-40.0", "25.0 %", "40.0 %"]
    assert by_code["VEL_KEY_ACCOUNT"] == ["25.0 %", "40.0 %", "-15.0", "50.0 %", "60.0 %"]
    head = page.split('id="reasons-api_key-held-h">', 1)[1].split("</h3>", 1)[0]
    assert "4 in the last 24 h, 5 in the 7 days before" in head
    assert (
        "<code>ACCOUNT_NEW</code> is now the first reason on 75.0 % of held key creations "
        "(the 7 days before: 20.0 %)" in page
    )
    assert 'id="drift-api_key-held"' in page
    assert 'id="drift-signup-passed"' not in page  # no share rose by 10 points
    passed = _table(page, "reasons-signup-passed")
    assert passed[1] == ["EMAIL_DISPOSABLE", "100.0 %", "100.0 %", "+0.0", "–", "–"]


def test_model_page_says_when_the_artifact_has_no_distribution(
    store: tuple[str, str, Path], tmp_path: Path
) -> None:
    """A model trained before reports carried a score distribution: the page says so plainly,
    draws the live 24 h alone and gives no PSI; with no shadow configured it says that too."""
    url, token, tmp = store
    bare = _manifest(tmp_path / "bare", "sg1-fixturebare", distribution=False)
    with _client(url, tmp, bare, None) as client:
        login(client, token)
        html = client.get("/model").text
    assert (
        "The training report of <code>sg1-fixturebare</code> has no score "
        "distribution; retrain to add one" in html
    )
    assert "None configured" in html
    assert '<svg id="scores-signup"' in html
    assert 'class="line-training"' not in html
    assert "No PSI: no training distribution" in html
    rows = _table(html, "bins-signup")
    assert len(rows) == 21  # header + the default 20 bins
    assert sum(int(r[1]) for r in rows[1:]) == len(SIGNUP_SCORES)


def test_model_page_needs_a_session(store: tuple[str, str, Path]) -> None:
    """A stranger is sent to the login form."""
    url, _, tmp = store
    with _client(url, tmp, tmp / "live", None) as client:
        reply = client.get("/model", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login"


def test_monitor_counts_the_same_on_sqlite_and_postgresql(
    database_url: str, tmp_path: Path, store: tuple[str, str, Path]
) -> None:
    """Score bins, reason shares and versions come out of SQL alike on both engines."""
    seed_decisions(database_url, tmp_path / "spool")
    shutil.copytree(store[2] / "live", tmp_path / "live")
    engine = make_engine(database_url)
    try:
        report = ModelMonitor(engine, tmp_path / "live").report(NOW)
    finally:
        engine.dispose()
    signup, key = report.scores
    assert signup.counts == (2, 2, 2, 2)
    assert signup.psi == pytest.approx(SIGNUP_PSI, abs=1e-5)
    assert key.counts == (1, 0, 1, 3)
    held_keys = next(t for t in report.reasons if t.event_type is EventType.API_KEY and t.held)
    assert (held_keys.n_now, held_keys.n_before) == (4, 5)
    top = held_keys.rows[0]
    assert (top.code, top.first_now, top.first_before, top.any_now, top.any_before) == (
        "ACCOUNT_NEW",
        0.75,
        0.2,
        1.0,
        0.4,
    )
    assert report.versions.live == ((LIVE, 12), ("sg1-older", 1))
    assert report.versions.shadow == ((SHADOW, 2, 1),)
