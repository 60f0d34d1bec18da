"""Console page load times: p50 over 50 loads of the queue, one big campaign's page and the
model page.

Seeds a SQLite store with one campaign of ``--accounts`` signups chained by shared devices and
cards (each identifier links 50 accounts, under the link cap), all held for review, scored by
the shipped model through the real scorer and decision writer, over the two days before the
run (so the model page's last 24 h hold half of them and the 7 days before the other half);
then serves the console with uvicorn on a free port and times whole HTTP loads (request to last
byte) as a signed-in lead.

    .venv/bin/python bench/console_pages.py --accounts 25000
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import socket
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import uvicorn

from service.app import build_components
from service.config import Settings
from service.console.serve import build
from service.domain import Device, Identity, Payment, SignupEvent
from service.review import Role
from service.review.reviewers import Reviewers
from service.store import make_engine

ROOT = Path(__file__).resolve().parents[1]
ALL_REVIEW = (
    "thresholds:\n"
    "  signup: {challenge: 0.0, review: 0.0, block: 1.0}\n"
    "  api_key: {challenge: 0.0, review: 0.0, block: 1.0}\n"
)
START = time.time() // 3600 * 3600 - 172_800  # two days before this hour


def seed(url: str, tmp: Path, accounts: int) -> str:
    """One chained campaign of ``accounts`` signups over two days; returns a lead's token."""
    policy = tmp / "policy.yaml"
    policy.write_text(ALL_REVIEW)
    settings = Settings(
        database_url=url,
        model=ROOT / "models" / "default",
        clock="event",
        policy_file=policy,
        db_auto_migrate=True,
        spool_dir=tmp / "spool",
        log_decisions=False,
    )
    components = build_components(settings)
    try:
        for i in range(accounts):
            components.scorer.score_signup(
                SignupEvent(
                    event_id=f"bench-{i}",
                    account_id=f"acct-{i:06d}",
                    occurred_at=START + i * (172_800 / accounts),
                    identity=Identity(email=f"user{i}@example.com", phone=None),
                    device=Device(
                        ip=f"10.{i % 250}.{(i // 250) % 250}.7", device_id=f"dev-{i // 50}"
                    ),
                    payment=Payment(card_fingerprint=f"card-{(i + 25) // 50}", card_last4="4242"),
                )
            )
        assert components.store.flush(600), "the decision store did not flush"
    finally:
        components.close()
    return Reviewers(make_engine(url)).add("bench-lead", Role.LEAD)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _times(opener: urllib.request.OpenerDirector, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        with opener.open(url, timeout=120) as r:
            r.read()
            assert r.status == 200
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    """Seed, serve, time, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=25_000)
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--database-url", help="time an already seeded store (skips seeding)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="console-bench-"))
    if args.database_url:
        url = args.database_url
        token = Reviewers(make_engine(url)).add(f"bench-lead-{time.time_ns()}", Role.LEAD)
    else:
        url = f"sqlite:///{tmp}/d.db"
        t = time.perf_counter()
        token = seed(url, tmp, args.accounts)
        print(f"seeded {args.accounts} accounts in {time.perf_counter() - t:.0f} s")

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build(Settings(database_url=url, spool_dir=tmp / "spool2")),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base}/login") as r:
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.read().decode()).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"token": token, "csrf": csrf}).encode()
    with opener.open(f"{base}/login", data=body) as r:
        r.read()
    with opener.open(f"{base}/campaigns") as r:
        page = r.read().decode()
    found = re.search(r'href="/campaigns/(cp-[0-9a-f]+)">[^<]+</a></td><td>(\d+)<', page)
    assert found, "no campaign"
    cid, size = found.group(1), int(found.group(2))
    pages = (
        ("queue", "/"),
        (f"campaign ({size} accounts)", f"/campaigns/{cid}"),
        ("model", "/model"),
    )
    for name, path in pages:
        _times(opener, base + path, 3)  # warm up
        times = sorted(_times(opener, base + path, args.loads))
        print(
            f"{name}: p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p90 {times[int(0.9 * len(times))] * 1000:.0f} ms over {args.loads} loads"
        )
    server.should_exit = True


if __name__ == "__main__":
    main()
