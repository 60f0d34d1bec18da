"""Seed a decision store by replaying a simulated attack through the real scorer, plus reviewers.

Shared by the console tests and ``bench/console_pages.py``: the same path as
tests/api/test_review_replay.py (event clock, the shipped model, BLOCK opens cases), in process.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from service.app import build_components
from service.config import Settings
from service.domain import SignupEvent
from service.review import Role
from service.review.reviewers import Reviewers
from service.store import make_engine
from training.simulate import load_config, simulate

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "training" / "configs" / "small.yaml"


@dataclass(frozen=True)
class Seeded:
    """A seeded store's URL and a token per reviewer."""

    url: str
    tokens: dict[str, str]
    events: int


def seed(
    url: str, tmp: Path, events: int = 1500, seed_no: int = 11, config: Path = SMALL
) -> Seeded:
    """Replay ``events`` simulated events into ``url``; add rita, lena (lead) and ada (admin)."""
    settings = Settings(
        database_url=url,
        model=ROOT / "models" / "default",
        clock="event",
        review_block_opens_case=True,
        db_auto_migrate=True,
        spool_dir=tmp / "spool",
        log_decisions=False,
    )
    components = build_components(settings)
    try:
        n = 0
        for r in islice(simulate(load_config(config), seed=seed_no), events):
            if isinstance(r.event, SignupEvent):
                components.scorer.score_signup(r.event)
            else:
                components.scorer.score_api_key(r.event)
            n += 1
        assert components.store.flush(120), "the decision store did not flush"
    finally:
        components.close()
    reviewers = Reviewers(make_engine(url))
    tokens = {
        "reviewer": reviewers.add("rita", Role.REVIEWER),
        "lead": reviewers.add("lena", Role.LEAD),
        "admin": reviewers.add("ada", Role.ADMIN),
    }
    return Seeded(url, tokens, n)
