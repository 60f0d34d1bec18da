"""The console in real headless Chromium (Debian's, via Playwright): a lead resolves a campaign.

Screenshots of the queue, case, campaign and model pages are taken on every run; they replace
the ones committed under docs/ (shown in the README) when SIGNUPGUARD_UPDATE_SCREENSHOTS=1
(`make screenshots`), and go to the test's temporary folder otherwise, so a test run leaves the
checkout as it was.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import func, select
from starlette.applications import Starlette

from service.config import Settings
from service.console.serve import build
from service.store import make_engine
from service.store.schema import decisions
from tests.console.seed import ROOT, Seeded

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS = ROOT / "docs"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where this run's screenshots go: docs/ when updating them, else a temporary folder."""
    return DOCS if os.environ.get("SIGNUPGUARD_UPDATE_SCREENSHOTS") == "1" else tmp_path


def _ensure_chromium() -> None:
    """Install Debian's chromium when missing and we are root; otherwise fail (never skip)."""
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            check=True,
        )
    assert CHROMIUM.exists(), "/usr/bin/chromium is missing: apt-get install -y chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _served(app: Starlette) -> Iterator[str]:
    """``app`` served by uvicorn on a free port, until the block ends."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def console_url(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console served by uvicorn on a free port over the seeded store."""
    tmp = tmp_path_factory.mktemp("browser")
    with _served(build(Settings(database_url=seeded.url, spool_dir=tmp / "spool"))) as url:
        yield url


@pytest.fixture(scope="module")
def replay_end_url(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console with its clock at the end of the replayed attack (its events are in March
    2026), so the model page's last 24 h and the 7 days before hold the replay."""
    tmp = tmp_path_factory.mktemp("browser-model")
    engine = make_engine(seeded.url)
    try:
        with engine.connect() as conn:
            last = float(conn.execute(select(func.max(decisions.c.occurred_at))).scalar_one())
    finally:
        engine.dispose()
    app = build(Settings(database_url=seeded.url, spool_dir=tmp / "spool"))
    app.state.console.now = lambda: last + 60
    with _served(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    _ensure_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _login(browser: Browser, url: str, token: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{url}/login")
    page.get_by_label("Reviewer token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    return page


def _queue_rows(page: Page, url: str, cid: str) -> int:
    total = 0
    for state in ("open", "claimed"):
        page.goto(f"{url}/?state={state}&campaign={cid}")
        total += page.locator("#queue tbody tr[data-case]").count()
    return total


def test_lead_resolves_the_biggest_campaign_and_undoes_it(
    browser: Browser, console_url: str, seeded: Seeded, shots: Path
) -> None:
    """Log in as a lead, open the biggest campaign and its timeline, preview, resolve (the queue
    shrinks), undo (it returns); keyboard j/n move and claim next; screenshots are taken."""
    url = console_url
    page = _login(browser, url, seeded.tokens["lead"])
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "console-queue.png"))

    page.goto(f"{url}/campaigns")
    page.locator("#campaigns tbody a").first.click()
    cid = page.url.rsplit("/", 1)[-1].split("?")[0]
    expect(page.locator("#timeline")).to_be_visible()
    assert page.locator("#timeline rect.bar-signup").count() > 1
    expect(page.locator("#bulk")).to_be_visible()
    page.screenshot(path=str(shots / "console-campaign.png"), full_page=True)

    before = _queue_rows(page, url, cid)
    assert before > 0
    page.goto(f"{url}/campaigns/{cid}")
    page.locator("#bulk").get_by_label("Fraud").check()
    page.get_by_label("Note (required)").fill("replayed attack")
    page.get_by_role("button", name="Preview").click()
    would = int(page.locator("#would-change").inner_text())
    assert would >= before
    page.locator("#confirm").click()
    expect(page.locator("#resolved-banner")).to_contain_text(f"{would} accounts changed")
    resolved = page.url  # the campaign page with the undo button
    assert _queue_rows(page, url, cid) == 0

    page.goto(resolved)
    page.locator("#undo").click()
    expect(page.locator("#undone-banner")).to_contain_text("restored")
    assert _queue_rows(page, url, cid) == before

    page.goto(f"{url}/?campaign={cid}")
    rows = page.locator("#queue tbody tr[data-case]")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("selected")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Verdict")).to_be_visible()
    expect(page.locator("#case-state")).to_contain_text("claimed")
    expect(page.locator(".countdown")).to_contain_text("left")
    page.screenshot(path=str(shots / "console-case.png"), full_page=True)


def test_reviewer_has_no_bulk_button_and_forged_posts_are_refused(
    browser: Browser, console_url: str, seeded: Seeded
) -> None:
    """A reviewer sees no bulk verdict; POSTs without or with a wrong CSRF token, or over their
    role, are refused with 403 and change nothing."""
    url = console_url
    page = _login(browser, url, seeded.tokens["reviewer"])
    page.goto(f"{url}/campaigns")
    page.locator("#campaigns tbody a").first.click()
    cid = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#timeline")).to_be_visible()
    assert page.locator("#bulk").count() == 0
    before = _queue_rows(page, url, cid)
    target = f"{url}/campaigns/{cid}/resolve"
    form: dict[str, str | float | bool] = {"verdict": "fraud", "note": "forged"}
    assert page.request.post(target, form=form).status == 403
    assert page.request.post(target, form={**form, "csrf": "forged"}).status == 403
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    assert csrf
    refused = page.request.post(target, form={**form, "csrf": csrf})
    assert refused.status == 403
    assert "needs lead" in refused.text()
    assert _queue_rows(page, url, cid) == before


def test_model_page_draws_the_score_distributions(
    browser: Browser, replay_end_url: str, seeded: Seeded, shots: Path
) -> None:
    """A reviewer opens the model page from the nav: both score charts are drawn as SVG with
    a live line and the shipped model's training line beside a PSI, and the reason-code
    tables of held decisions are filled; a screenshot is taken."""
    page = _login(browser, replay_end_url, seeded.tokens["reviewer"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Model").click()
    expect(page.get_by_role("heading", name="Live model")).to_be_visible()
    for event_type in ("signup", "api_key"):
        chart = page.locator(f"svg#scores-{event_type}")
        expect(chart).to_be_visible()
        assert chart.locator("path.line-live").count() == 1
        assert chart.locator("path.line-training").count() == 1
        assert chart.get_attribute("role") == "img"
    expect(page.locator("#no-distribution")).to_have_count(0)
    assert page.locator("#reasons-api_key-held tbody tr[data-code]").count() > 0
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "console-model.png"), full_page=True)
