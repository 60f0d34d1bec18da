"""``python -m bench.campaign_cells``: how complete campaigns are, with and without the cells.

Replays one simulated world (event clock, the shipped model, BLOCK opens cases too) through the
server's components in process -- scorer, review intake, decision writer, campaign union-find
-- once with coordination cells off (``review_cell_link_cap=0``: identifiers and IP windows
only) and once as configured by default (phone blocks and identity template + card BIN link
too), on the same stream. For each run, from the campaign tables and the simulator's truth:

- campaigns (components of two or more accounts) and the largest one's size;
- the share of fraud accounts that are in a multi-account campaign;
- the share of legitimate accounts in a *fraud-dominated* campaign (more than half fraud): the
  ones a bulk FRAUD verdict on that campaign would wrongly hit;
- per simulated fraud campaign, the most of its accounts any one campaign holds;
- whether the full scipy recompute agrees with the incremental tables (it must).

Writes nothing but a summary to stdout (and ``--json`` for the figures).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from service.app import build_components
from service.config import ClockMode, Settings
from service.domain import SignupEvent
from service.events import Truth
from service.signals import SignalExtractor
from service.store.schema import campaign_members
from training.simulate import load_config, simulate

ROOT = Path(__file__).resolve().parents[1]
_DEFAULT_CELL_CAP: int = Settings.model_fields["review_cell_link_cap"].default


def replay(config: Path, seed: int, limit: int, cells: bool, workdir: Path) -> dict[str, Any]:
    """One replay; the figures of its campaigns against the truth."""
    records = list(simulate(load_config(config), seed=seed))[: limit or None]
    settings = Settings(
        model=ROOT / "models" / "default",
        database_url=f"sqlite:///{workdir}/cells-{int(cells)}.db",
        spool_dir=workdir / f"spool-{int(cells)}",
        clock=ClockMode.EVENT,
        review_block_opens_case=True,
        review_recompute_interval_s=0,
        review_cell_link_cap=_DEFAULT_CELL_CAP if cells else 0,
    )
    parts = build_components(settings, extractor=SignalExtractor.from_directory())
    try:
        truth: dict[str, Truth] = {}
        for r in records:
            if isinstance(r.event, SignupEvent):
                parts.scorer.score_signup(r.event)
                if r.truth is not None:
                    truth[r.event.account_id] = r.truth
            else:
                parts.scorer.score_api_key(r.event)
        assert parts.store.flush(120), "decisions not written"
        assert parts.review is not None
        with parts.store.engine.begin() as conn:
            members = dict(
                conn.execute(
                    select(campaign_members.c.account_id, campaign_members.c.campaign_id)
                ).all()
            )
            disagree = parts.review.writer.recompute(conn)
    finally:
        parts.close()
    return figures(members, truth, disagree)


def figures(members: dict[str, str], truth: dict[str, Truth], disagree: int) -> dict[str, Any]:
    """Campaign figures from a partition (account -> campaign) and the truth."""
    groups: dict[str, list[str]] = defaultdict(list)
    for account, cid in members.items():
        groups[cid].append(account)
    fraud = [a for a, t in truth.items() if t.label == "fraud"]
    legit = [a for a, t in truth.items() if t.label != "fraud"]

    def is_fraud(a: str) -> bool:
        t = truth.get(a)
        return t is not None and t.label == "fraud"

    dominated = {cid for cid, accts in groups.items() if sum(map(is_fraud, accts)) * 2 > len(accts)}
    by_truth: dict[str, list[str]] = defaultdict(list)
    for a in fraud:
        by_truth[truth[a].campaign_id or "?"].append(a)
    complete = {}
    for name, accts in sorted(by_truth.items()):
        held = Counter(members.get(a, a) for a in accts).most_common(1)[0][1]
        complete[name] = f"{held}/{len(accts)}"
    return {
        "signups": len(truth),
        "fraud_accounts": len(fraud),
        "campaigns": len(groups),
        "largest": max((len(g) for g in groups.values()), default=0),
        "fraud_in_campaign": round(sum(a in members for a in fraud) / max(1, len(fraud)), 4),
        "legit_in_fraud_campaign": round(
            sum(members.get(a) in dominated for a in legit) / max(1, len(legit)), 4
        ),
        "legit_in_fraud_campaign_n": sum(members.get(a) in dominated for a in legit),
        "most_of_each_fraud_campaign": complete,
        "recompute_disagreements": disagree,
    }


def main(argv: list[str] | None = None) -> int:
    """Run both replays and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "training/configs/small.yaml")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--limit", type=int, default=0, help="first N records (0: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cells in (("before", False), ("after", True)):
            out[name] = replay(args.config, args.seed, args.limit, cells, Path(tmp))
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        return 0
    for name, fig in out.items():
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in fig.items() if k[0] != "m"))
        print(
            "   most of each fraud campaign in one: "
            + " ".join(
                f"{k.split('-')[0]}={v}" for k, v in fig["most_of_each_fraud_campaign"].items()
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
