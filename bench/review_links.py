"""``python -m bench.review_links``: the decision writer's review hook CPU per decision, old vs new.

1. **Capture**: a simulated stream (``training.simulate``, event clock) is scored by the real
   ``Scorer`` with review on and a SQLite store; a hook placed before the review hook keeps
   every batch's journal lines (what the review intake put on them included).
2. **Replay**: the captured lines, re-cut into batches of ``--batch``, are written into a fresh
   SQLite database exactly as the decision writer does (INSERT the decisions, run the hook,
   commit), once with this worktree's ``ReviewWriter`` and once with the one at ``--baseline``
   (a git revision), alternately, ``--rounds`` times. Measured per decision: the thread's CPU
   in the hook, and in the whole transaction (decision insert + hook + commit).

Medians over the rounds go to stdout; each replay also checks that both implementations leave
identical review tables (links, stats, campaigns, members, cases, case events).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from service.app import build_components
from service.config import ClockMode, Settings
from service.domain import SignupEvent
from service.review import ReviewConfig
from service.review.writer import ReviewWriter
from service.signals import SignalExtractor
from service.store import codec, make_engine, upgrade
from service.store.schema import decisions
from training.simulate import default_config, simulate

ROOT = Path(__file__).resolve().parents[1]
TABLES = (
    "identifier_links",
    "identifier_stats",
    "campaigns",
    "campaign_members",
    "cases",
    "case_events",
)


def capture(n: int, seed: int, tmp: Path) -> list[bytes]:
    """Journal lines of the first ``n`` signups of a simulated stream, as the writer saw them."""
    settings = Settings(
        model=ROOT / "models" / "default",
        database_url=f"sqlite:///{tmp}/capture.db",
        spool_dir=tmp / "spool-capture",
        clock=ClockMode.EVENT,
        review_recompute_interval_s=0,
        log_decisions=False,
        model_watch_interval_s=0,
    )
    parts = build_components(settings, extractor=SignalExtractor.from_directory())
    lines: list[bytes] = []
    store = parts.store
    store._hooks = (lambda _conn, pairs: lines.extend(ln for _, ln in pairs), *store._hooks)
    try:
        count = 0
        for r in simulate(default_config(), seed=seed):
            if isinstance(r.event, SignupEvent):
                parts.scorer.score_signup(r.event)
                count += 1
                if count >= n:
                    break
        assert store.flush(300), "decisions not written"
    finally:
        parts.close()
    return lines


def _writer_class(revision: str | None) -> Any:
    if revision is None:
        return ReviewWriter
    git = shutil.which("git") or "git"
    source = subprocess.run(  # noqa: S603 -- a revision given on our own command line
        [git, "show", f"{revision}:service/review/writer.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "writer_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("writer_baseline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ReviewWriter


def replay(
    writer_class: Any, lines: list[bytes], batch: int, db: Path
) -> tuple[dict[str, float], dict[str, list[Any]]]:
    """Write ``lines`` batch by batch through ``writer_class``; CPU per decision and the tables."""
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    hook = writer_class(ReviewConfig(recompute_interval_s=0))
    statement = sqlite.insert(decisions).on_conflict_do_nothing()
    parsed = [(codec.parse(ln)[1], ln) for ln in lines]
    hook_cpu = tx_cpu = 0.0
    for i in range(0, len(parsed), batch):
        pairs = parsed[i : i + batch]
        t0 = time.thread_time()
        with engine.begin() as conn:
            conn.execute(statement, [r for r, _ in pairs])
            h0 = time.thread_time()
            hook(conn, pairs)
            hook_cpu += time.thread_time() - h0
        tx_cpu += time.thread_time() - t0
    with engine.connect() as conn:
        tables = {
            t: sorted(
                tuple(v for k, v in sorted(r.items()) if k != "updated_at")  # wall clock
                for r in conn.execute(text(f"SELECT * FROM {t}")).mappings()
            )
            for t in TABLES
        }
        assert conn.execute(select(decisions.c.decision_id)).first() is not None
    engine.dispose()
    n = len(parsed)
    return {"hook_us": hook_cpu / n * 1e6, "transaction_us": tx_cpu / n * 1e6}, tables


def main(argv: list[str] | None = None) -> int:
    """Capture once, then replay old and new alternately; print medians."""
    parser = argparse.ArgumentParser(prog="python -m bench.review_links", description=__doc__)
    parser.add_argument("--signups", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", default="HEAD", help="git revision of the old writer")
    args = parser.parse_args(argv)
    variants = {"old": _writer_class(args.baseline), "new": _writer_class(None)}
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lines = capture(args.signups, args.seed, tmp)
        print(f"captured {len(lines)} decisions", file=sys.stderr)
        for r in range(args.rounds):
            results = {}
            for name, cls in variants.items():
                cpu, tables = replay(cls, lines, args.batch, tmp / f"{name}-{r}.db")
                runs[name].append(cpu)
                results[name] = tables
                print(f"round {r} {name}: {cpu}", file=sys.stderr)
            assert results["old"] == results["new"], "old and new writers disagree"
    median = {
        name: {k: statistics.median(x[k] for x in rs) for k in rs[0]} for name, rs in runs.items()
    }
    print(json.dumps({"decisions": len(lines), "batch": args.batch, "median_us": median}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
