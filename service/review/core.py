"""The review core: what ReviewService, the CLI and the web console all call.

Transport-agnostic: takes a :class:`Principal` and domain values, returns domain read models,
raises domain errors. Each change is one transaction that starts with a write (so SQLite takes
its write lock first instead of failing to upgrade a read), then the in-memory effects of this
process are brought up to date at once (:class:`EffectsSync`); other processes follow within
``sync_interval_s``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from service.errors import Conflict, InvalidRequest, NotFound, PermissionDenied, StoreUnavailable
from service.review import campaign_views, cases, verdicts
from service.review.config import ReviewConfig
from service.review.effects import EffectsSync
from service.review.model import (
    CampaignDetail,
    CampaignSummary,
    CampaignVerdictResult,
    CaseDetail,
    CaseFilter,
    CaseSummary,
    Member,
    Page,
    Principal,
    Role,
    UndoResult,
    Verdict,
    VerdictPreview,
)
from service.store.schema import campaign_actions, campaign_members, campaigns, review_audit

logger = logging.getLogger(__name__)

MAX_NOTE = 2000


def require(who: Principal, role: Role) -> None:
    """PermissionDenied unless ``who`` has at least ``role``."""
    if who.role < role:
        raise PermissionDenied(
            f"{who.name} is a {who.role.name.lower()}; this needs {role.name.lower()}"
        )


def _note(note: str, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise InvalidRequest("note", "is required")
    if len(note) > MAX_NOTE:
        raise InvalidRequest("note", f"must be at most {MAX_NOTE} characters")
    return note


class ReviewCore:
    """Cases, campaigns and verdicts over the decision store's database."""

    def __init__(
        self,
        engine: Engine,
        config: ReviewConfig,
        sync: EffectsSync | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._config = config
        self._sync = sync
        self._now = now

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"review store: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except IntegrityError as exc:
            raise Conflict("a concurrent change got there first; retry") from exc
        except OperationalError as exc:
            if "locked" in str(exc) or "deadlock" in str(exc) or "serializ" in str(exc):
                raise Conflict("a concurrent change got there first; retry") from exc
            raise StoreUnavailable(f"review store: {exc}") from exc
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"review store: {exc}") from exc
        self._synced()

    def _synced(self) -> None:
        if self._sync is not None:
            try:
                self._sync.run_once()
            except SQLAlchemyError as exc:
                logger.warning(
                    "review effects not refreshed (the background sync retries): %s", exc
                )

    # -- cases ----------------------------------------------------------------------------------

    def list_cases(
        self, who: Principal, f: CaseFilter, page_size: int = 50, page_token: str = ""
    ) -> Page[CaseSummary]:
        """The queue, highest priority first."""
        require(who, Role.REVIEWER)
        if f.min_score is not None and f.max_score is not None and f.min_score > f.max_score:
            raise InvalidRequest("min_score", "must not exceed max_score")
        with self._read() as conn:
            return cases.list_cases(conn, f, page_size, page_token, self._now())

    def get_case(self, who: Principal, case_id: str) -> CaseDetail:
        """A case with events, masked signals, linked accounts and audit trail."""
        require(who, Role.REVIEWER)
        _need("case_id", case_id)
        now = self._now()
        with self._read() as conn:
            real = cases.resolve_id(conn, case_id)
            head = cases.summary(conn, real, now)
            return CaseDetail(
                head,
                cases.events(conn, real),
                cases.linked(conn, head.account_id),
                cases.audit(conn, real, head.account_id),
            )

    def claim_case(self, who: Principal, case_id: str) -> CaseSummary:
        """Claim a case for ``claim_ttl_s``; Conflict if someone else holds it."""
        require(who, Role.REVIEWER)
        _need("case_id", case_id)
        now = self._now()
        with self._write() as conn:
            real = cases.resolve_id(conn, case_id)
            cases.claim(conn, real, who.name, now, self._config.claim_ttl_s)
        with self._read() as conn:
            return cases.summary(conn, real, now)

    def resolve_case(
        self, who: Principal, case_id: str, verdict: Verdict, note: str
    ) -> CaseSummary:
        """Give the case's account a verdict; a retry with the same verdict changes nothing."""
        require(who, Role.REVIEWER)
        _need("case_id", case_id)
        note = _note(note, required=False)
        now = self._now()
        with self._write() as conn:
            real = cases.resolve_id(conn, case_id)
            account = cases.take_for_resolve(conn, real, who.name, now)
            if account is None:
                current = cases.summary(conn, real, now)
                if current.verdict is not verdict:
                    raise Conflict(f"case {real} is already resolved as {current.verdict!r}")
            else:
                verdicts.apply(
                    conn,
                    accounts=select(literal(account).label("account_id")),
                    verdict=verdict,
                    note=note,
                    reviewer=who.name,
                    now=now,
                    change="resolve",
                    action_id=str(uuid.uuid4()),
                    config=self._config,
                    case_id=real,
                )
        with self._read() as conn:
            return cases.summary(conn, real, now)

    # -- campaigns ------------------------------------------------------------------------------

    def list_campaigns(
        self,
        who: Principal,
        order: str = "size",
        min_size: int = 2,
        page_size: int = 50,
        page_token: str = "",
    ) -> Page[CampaignSummary]:
        """Campaigns with cases, by size or by risk."""
        require(who, Role.REVIEWER)
        if order not in ("size", "risk"):
            raise InvalidRequest("order_by", "must be size or risk")
        with self._read() as conn:
            return campaign_views.list_campaigns(conn, order, min_size, page_size, page_token)

    def get_campaign(
        self, who: Principal, campaign_id: str, sample_size: int = 20
    ) -> CampaignDetail:
        """One campaign: span, members by action and verdict, shared identifiers, timeline."""
        require(who, Role.REVIEWER)
        _need("campaign_id", campaign_id)
        with self._read() as conn:
            return campaign_views.detail(conn, campaign_id, sample_size)

    def campaign_members(
        self, who: Principal, campaign_id: str, page_size: int = 50, page_token: str = ""
    ) -> Page[Member]:
        """One page of a campaign's members with score, action, verdict and case."""
        require(who, Role.REVIEWER)
        _need("campaign_id", campaign_id)
        with self._read() as conn:
            return campaign_views.members(conn, campaign_id, page_size, page_token)

    def preview_campaign_verdict(
        self, who: Principal, campaign_id: str, verdict: Verdict
    ) -> VerdictPreview:
        """What :meth:`resolve_campaign` would do, without doing it."""
        require(who, Role.REVIEWER)
        _need("campaign_id", campaign_id)
        with self._read() as conn:
            return campaign_views.preview(conn, campaign_id, verdict)

    def resolve_campaign(
        self, who: Principal, campaign_id: str, verdict: Verdict, note: str
    ) -> CampaignVerdictResult:
        """One verdict for every account of a campaign: one transaction, one audit row each.

        A retry finds nothing left to change: it writes nothing and returns ``changed == 0``
        with the id of the action that did the work.
        """
        require(who, Role.LEAD)
        _need("campaign_id", campaign_id)
        note = _note(note, required=True)
        now = self._now()
        action_id = str(uuid.uuid4())
        with self._write() as conn:
            conn.execute(
                insert(campaign_actions).values(
                    action_id=action_id,
                    campaign_id=campaign_id,
                    verdict=int(verdict),
                    note=note,
                    reviewer=who.name,
                    at=now,
                    accounts=0,
                    changed=0,
                )
            )
            row = conn.execute(
                _locked(
                    conn, select(campaigns.c.size).where(campaigns.c.campaign_id == campaign_id)
                )
            ).first()
            if row is None:
                raise NotFound(f"campaign {campaign_id!r} not found")
            members = select(campaign_members.c.account_id).where(
                campaign_members.c.campaign_id == campaign_id
            )
            changed, resolved = verdicts.apply(
                conn,
                accounts=members,
                verdict=verdict,
                note=note,
                reviewer=who.name,
                now=now,
                change="campaign_verdict",
                action_id=action_id,
                config=self._config,
                campaign_id=campaign_id,
            )
            if changed == 0:
                conn.execute(
                    delete(campaign_actions).where(campaign_actions.c.action_id == action_id)
                )
                earlier = conn.execute(
                    select(campaign_actions.c.action_id)
                    .where(
                        campaign_actions.c.campaign_id == campaign_id,
                        campaign_actions.c.verdict == int(verdict),
                        campaign_actions.c.undone_at.is_(None),
                    )
                    .order_by(campaign_actions.c.at.desc())
                    .limit(1)
                ).scalar()
                return CampaignVerdictResult(earlier or "", campaign_id, row.size, 0, 0)
            conn.execute(
                update(campaign_actions)
                .where(campaign_actions.c.action_id == action_id)
                .values(accounts=row.size, changed=changed)
            )
        logger.info(
            "campaign %s resolved %s by %s: %d accounts changed, %d cases",
            campaign_id,
            verdict.name,
            who.name,
            changed,
            resolved,
        )
        return CampaignVerdictResult(action_id, campaign_id, row.size, changed, resolved)

    def undo_campaign_verdict(self, who: Principal, action_id: str, note: str = "") -> UndoResult:
        """Restore every account of a campaign verdict as it was; one audit row."""
        require(who, Role.LEAD)
        _need("action_id", action_id)
        note = _note(note, required=False)
        now = self._now()
        with self._write() as conn:
            done = conn.execute(
                update(campaign_actions)
                .where(
                    campaign_actions.c.action_id == action_id,
                    campaign_actions.c.undone_at.is_(None),
                )
                .values(undone_at=now, undone_by=who.name)
            ).rowcount
            action = conn.execute(
                select(campaign_actions).where(campaign_actions.c.action_id == action_id)
            ).first()
            if action is None:
                raise NotFound(f"campaign verdict {action_id!r} not found")
            if not done:
                return UndoResult(action_id, 0, already_undone=True)
            if verdicts.later_changes(conn, action_id):
                raise Conflict(
                    f"accounts of {action_id} were given verdicts since; resolve them instead"
                )
            reverted = verdicts.undo(conn, action_id, who.name, now)
            conn.execute(
                insert(review_audit).values(
                    at=now,
                    reviewer=who.name,
                    change="undo",
                    campaign_id=action.campaign_id,
                    action_id=action_id,
                    note=note or None,
                )
            )
        logger.info("campaign verdict %s undone by %s: %d accounts", action_id, who.name, reverted)
        return UndoResult(action_id, reverted, already_undone=False)


def _need(field: str, value: str) -> None:
    if not value:
        raise InvalidRequest(field, "is required")
    if len(value) > 128:
        raise InvalidRequest(field, "must be at most 128 characters")


def _locked(conn: Connection, query: Any) -> Any:
    """``FOR UPDATE`` on PostgreSQL (SQLite has one writer anyway)."""
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


__all__ = ["ReviewCore", "require"]
