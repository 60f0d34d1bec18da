"""``python -m bench.review``: what review costs, in two figures.

1. **Campaign verdict on PostgreSQL**: preview, resolve and undo of one campaign of
   ``--accounts`` (default 25,000) accounts, each with an open case and device/card/phone
   links, in a private schema, through ``ReviewCore`` exactly as the RPCs call it (including
   the re-read of the process's in-memory verdicts after each change). Medians of ``--reps``
   resolve/undo rounds (each resolve finds every account to change: undo restores them), and
   the time of a retried resolve (changes nothing).
2. **Case opening on ScoreSignup**: the server's CPU per signup with review on and off, in
   process: once with a policy holding every signup for review (every signup opens a case: the
   worst case), once with the shipped model's thresholds (identifier links for every signup,
   cases for the few REVIEWs). Reported as the calling thread's CPU (the request path) and the
   whole process's CPU (request path plus the decision writer thread, which writes cases and
   links), both per signup. The request path makes no database call either way.

Results go to ``bench/results/review-<time>.json`` and a summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from service.app import build_components, tune_gc
from service.config import Settings
from service.domain import Device, Identity, Payment, SignupEvent
from service.review import Effects, EffectsSync, Principal, ReviewConfig, Role, Verdict
from service.review.campaigns import campaign_id
from service.review.core import ReviewCore
from service.signals import SignalExtractor
from service.store import make_engine, upgrade

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ALL_REVIEW = (
    "thresholds:\n"
    "  signup: {challenge: 0.0, review: 0.0, block: 1.0}\n"
    "  api_key: {challenge: 0.0, review: 0.0, block: 1.0}\n"
)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- 1. campaign verdict --------------------------------------------------------------------------


def _populate(url: str, accounts: int) -> str:
    """One campaign of ``accounts`` accounts with open cases and links; its id."""
    engine = make_engine(url)
    cid = campaign_id("acct-0000000")
    now = time.time()
    statements = [
        """INSERT INTO campaign_members (account_id, campaign_id)
           SELECT 'acct-' || lpad(g::text, 7, '0'), :cid FROM generate_series(0, :n - 1) g""",
        """INSERT INTO campaigns (campaign_id, min_account, size, first_at, last_at)
           VALUES (:cid, 'acct-0000000', :n, :now - 3600, :now)""",
        """INSERT INTO cases (case_id, account_id, state, opened_at, updated_at, last_event_at,
               events, max_score, max_action)
           SELECT md5(g::text)::uuid::text, 'acct-' || lpad(g::text, 7, '0'), 'open', :now,
               :now, :now, 1, 0.7, 3
           FROM generate_series(0, :n - 1) g""",
        """INSERT INTO identifier_links (key, account_id, kind, at, rank, decision_id)
           SELECT md5(k || (g / 50)::text), 'acct-' || lpad(g::text, 7, '0'), k, :now,
               g % 50 + 1, md5(g::text)::uuid::text
           FROM generate_series(0, :n - 1) g, unnest(ARRAY['device', 'card', 'phone']) k""",
    ]
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql), {"cid": cid, "n": accounts, "now": now})
    engine.dispose()
    return cid


def campaign_verdict(accounts: int, reps: int) -> dict[str, Any]:
    """Preview, resolve and undo times of one campaign on PostgreSQL, medians of ``reps``."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        started = time.perf_counter()
        cid = _populate(url, accounts)
        _log(f"populated {accounts} accounts in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        config = ReviewConfig(sync_interval_s=0)
        # As in the server: after each change the process's in-memory effects are re-read.
        sync = EffectsSync(engine, Effects(config), config)
        sync.start()
        core = ReviewCore(engine, config, sync)
        lead = Principal("bench", Role.LEAD)
        times: dict[str, list[float]] = {"preview": [], "resolve": [], "undo": []}
        for rep in range(reps):
            t0 = time.perf_counter()
            preview = core.preview_campaign_verdict(lead, cid, Verdict.FRAUD)
            t1 = time.perf_counter()
            result = core.resolve_campaign(lead, cid, Verdict.FRAUD, f"bench round {rep}")
            t2 = time.perf_counter()
            undone = core.undo_campaign_verdict(lead, result.action_id, "bench")
            t3 = time.perf_counter()
            assert preview.would_change == accounts, preview
            assert result.changed == accounts, result
            assert result.cases_resolved == accounts, result
            assert undone.reverted == accounts, undone
            times["preview"].append(t1 - t0)
            times["resolve"].append(t2 - t1)
            times["undo"].append(t3 - t2)
            _log(f"round {rep}: preview {t1 - t0:.3f}, resolve {t2 - t1:.3f}, undo {t3 - t2:.3f} s")
        first = core.resolve_campaign(lead, cid, Verdict.FRAUD, "final")
        retry_t0 = time.perf_counter()
        again = core.resolve_campaign(lead, cid, Verdict.FRAUD, "final")
        retry = time.perf_counter() - retry_t0
        assert again.changed == 0
        assert again.action_id == first.action_id
        sync.close()
        engine.dispose()
        return {
            "accounts": accounts,
            "reps": reps,
            "median_s": {k: statistics.median(v) for k, v in times.items()},
            "all_s": times,
            "retry_s": retry,
        }
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# -- 2. case opening on ScoreSignup ---------------------------------------------------------------


def _signups(n: int, offset: int) -> list[SignupEvent]:
    now = time.time()
    out = []
    for j in range(n):
        i = offset + j
        out.append(
            SignupEvent(
                event_id=f"bench-{i}",
                account_id=f"acct-{i}",
                occurred_at=now,
                identity=Identity(
                    email=f"user{i}@example.com",
                    phone=f"+4420794{i % 100000:05d}",
                    full_name="Ann Lee",
                ),
                device=Device(
                    ip=f"81.{i % 200}.{(i // 200) % 250}.{i % 7 + 1}",
                    user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36",
                    device_id=f"dev-{i // 4}",  # a device per four accounts: links and merges
                ),
                payment=Payment(
                    card_bin="424242", card_last4=f"{i % 10000:04d}", card_fingerprint=f"card-{i}"
                ),
            )
        )
    return out


def _components(review: bool, tmp: Path, extractor: SignalExtractor, all_review: bool) -> Any:
    name = f"{'on' if review else 'off'}-{'all' if all_review else 'model'}"
    policy: Path | None = None
    if all_review:
        policy = tmp / "policy.yaml"
        policy.write_text(ALL_REVIEW)
    settings = Settings(
        model=ROOT / "models" / "default",
        database_url=f"sqlite:///{tmp}/{name}.db",
        spool_dir=tmp / f"spool-{name}",
        policy_file=policy,
        review_cases=review,
        log_decisions=False,
        model_watch_interval_s=0,
    )
    return build_components(settings, extractor=extractor)


def case_opening(n: int, rounds: int, all_review: bool) -> dict[str, Any]:
    """CPU per signup with review on and off, medians over alternating rounds of ``n``.

    Both configurations are loaded side by side and fed alternately, so a change in the
    machine's load (it is shared) hits both alike. Per round: the calling thread's CPU while
    scoring (the request path), and the process's CPU until that configuration's decision
    writer has stored the round (the other configuration is idle meanwhile).
    ``all_review``: a policy holding every signup for review (each opens a case); otherwise the
    shipped model's own thresholds (a few cases; every signup still has its links written).
    """
    extractor = SignalExtractor.from_directory()
    runs: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
    cases_opened = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        built = {mode: _components(mode == "on", tmp, extractor, all_review) for mode in runs}
        tune_gc(Settings().gc_gen0_threshold)  # as `serve` does
        for mode, components in built.items():  # warm-up
            for e in _signups(200, 10_000_000 + (0 if mode == "on" else 1000)):
                components.scorer.score_signup(e)
            assert components.store.flush(60)
        for r in range(rounds):
            for k, (mode, components) in enumerate(built.items()):
                events = _signups(n, (2 * r + k) * n)
                thread0, proc0 = time.thread_time(), time.process_time()
                for e in events:
                    decision = components.scorer.score_signup(e)
                    cases_opened += bool(decision.case_id)
                thread1 = time.thread_time()
                assert components.store.flush(120)
                proc1 = time.process_time()
                result = {
                    "request_path_us": (thread1 - thread0) / n * 1e6,
                    "process_us": (proc1 - proc0) / n * 1e6,
                }
                runs[mode].append(result)
                _log(f"round {r} review {mode} (all review: {all_review}): {result}")
        for components in built.values():
            components.close()
    median = {
        mode: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for mode, rs in runs.items()
    }
    return {
        "signups_per_round": n,
        "rounds": rounds,
        "every_signup_opens_a_case": all_review,
        "share_with_a_case": cases_opened / (n * rounds),
        "median_us": median,
        "added_us": {k: median["on"][k] - median["off"][k] for k in median["on"]},
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.review", description=__doc__)
    parser.add_argument("--accounts", type=int, default=25_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--signups", type=int, default=500, help="signups per scoring round")
    parser.add_argument("--rounds", type=int, default=8, help="scoring rounds per configuration")
    parser.add_argument("--skip", choices=["campaign", "scoring"], action="append", default=[])
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"at": datetime.now(UTC).isoformat()}
    if "campaign" not in args.skip:
        result["campaign_verdict_postgresql"] = campaign_verdict(args.accounts, args.reps)
    if "scoring" not in args.skip:
        result["case_opening_every_signup"] = case_opening(args.signups, args.rounds, True)
        result["model_policy"] = case_opening(args.signups, args.rounds, False)
    out = HERE / "results" / f"review-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: v for k, v in result.items() if k != "at"}
    for part in summary.values():
        part.pop("runs", None)
        part.pop("all_s", None)
    print(json.dumps(summary, indent=2))
    _log(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
