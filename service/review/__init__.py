"""Ops review: cases, campaigns (components over shared identifiers), verdicts, reviewers.

::

    intake.py     request path: verdict effects, the case id, the journal line's review part
    writer.py     decision writer hook: cases, events, identifier links, campaign unions
    campaigns.py  components: incremental union-find and the full scipy recompute
    effects.py    verdicts / deny list / open cases in memory, following the audit log
    cases.py      queue queries, claim, resolve
    campaign_views.py, verdicts.py   campaign read models; set-based verdicts and undo
    core.py       ReviewCore: what gRPC, the CLI and the console call (transport-agnostic)
    reviewers.py  named reviewers, roles, hashed bearer tokens
    cli.py        `signupguard review ...` and `signupguard reviewers ...`
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from service.review.config import ReviewConfig
from service.review.core import ReviewCore
from service.review.effects import Effects, EffectsSync
from service.review.intake import CaseIntake
from service.review.model import CaseState, Principal, Role, Verdict
from service.review.reviewers import Reviewers
from service.review.writer import ReviewWriter

__all__ = [
    "CaseIntake",
    "CaseState",
    "Effects",
    "EffectsSync",
    "Principal",
    "ReviewConfig",
    "ReviewCore",
    "ReviewParts",
    "ReviewWriter",
    "Reviewers",
    "Role",
    "Verdict",
]


@dataclass
class ReviewParts:
    """The review pieces one server process runs; ``writer`` goes to the decision store first."""

    config: ReviewConfig
    effects: Effects
    writer: ReviewWriter
    intake: CaseIntake
    sync: EffectsSync | None = None
    core: ReviewCore | None = None
    reviewers: Reviewers | None = None

    @classmethod
    def before_store(cls, config: ReviewConfig) -> ReviewParts:
        """What the decision store and the scorer need (no database yet)."""
        effects = Effects(config)
        return cls(config, effects, ReviewWriter(config), CaseIntake(config, effects))

    def attach(self, engine: Engine) -> None:
        """Load effects from the store's database and build the core and reviewer registry."""
        self.sync = EffectsSync(engine, self.effects, self.config)
        self.sync.start()
        self.core = ReviewCore(engine, self.config, self.sync)
        self.reviewers = Reviewers(engine)

    def close(self) -> None:
        """Stop following the audit log."""
        if self.sync is not None:
            self.sync.close()
