"""Verdicts on a set of accounts, set-based: one case or a 25,000-account campaign alike.

:func:`apply` runs a fixed handful of ``INSERT ... SELECT`` / ``UPDATE ... WHERE IN (SELECT)``
statements whatever the number of accounts, inside the caller's transaction:

1. one audit row per account that changes (verdict differs, or an open case gets resolved),
   with the previous verdict, all under one ``action_id``;
2. an outcome row (source ``review``, the ``ReportOutcome`` shape) per account whose label
   changes, so ``export-training-data`` picks it up point in time; its id is derived from the
   audit row's (:func:`outcome_id`), so undo finds it without storing it twice;
3. the account's current verdict (LEGITIMATE: with its release for the next key creation);
4. its open cases resolved;
5. FRAUD: its device, card and phone keys on the expiring deny list (one row per key);
   LEGITIMATE: its device, card, phone and mailbox keys on the expiring allow list for
   velocity (one row per key and account; expired rows are pruned on the way).

A retried call finds nothing to change and writes nothing. :func:`undo` reverses an action from
its audit rows, again set-based, and is itself one audit row.
"""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    String,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.sql import ColumnElement, Select

from service.review.config import ALLOW_KINDS, DENY_KINDS, ReviewConfig
from service.review.model import CaseState, Verdict
from service.store.schema import (
    account_verdicts,
    cases,
    identifier_links,
    outcomes,
    review_allowlist,
    review_audit,
    review_denylist,
)

OUTCOME_SOURCE = "review"


def outcome_id() -> ColumnElement[str]:
    """The id of the outcome an audit row wrote: derived from the row, so undo finds it."""
    return literal("review-") + cast(review_audit.c.audit_id, String)


_ACTIVE = (CaseState.OPEN.value, CaseState.CLAIMED.value)


def _of_action(action_id: str) -> Select[tuple[str]]:
    return select(review_audit.c.account_id).where(
        review_audit.c.action_id == action_id, review_audit.c.account_id.is_not(None)
    )


def apply(
    conn: Connection,
    *,
    accounts: Select[tuple[str]],
    verdict: Verdict,
    note: str,
    reviewer: str,
    now: float,
    change: str,
    action_id: str,
    config: ReviewConfig,
    campaign_id: str | None = None,
    case_id: str | None = None,
) -> tuple[int, int]:
    """Give ``verdict`` to the accounts ``accounts`` selects; (accounts changed, cases resolved)."""
    target = accounts.subquery("target")
    current = account_verdicts.alias("current")
    has_open_case = exists().where(
        cases.c.account_id == target.c.account_id, cases.c.state.in_(_ACTIVE)
    )
    conn.execute(
        insert(review_audit).from_select(
            [
                "at",
                "reviewer",
                "change",
                "case_id",
                "account_id",
                "campaign_id",
                "action_id",
                "verdict",
                "prev_verdict",
                "note",
            ],
            select(
                literal(now),
                literal(reviewer),
                literal(change),
                literal(case_id, String),
                target.c.account_id,
                literal(campaign_id, String),
                literal(action_id),
                literal(int(verdict)),
                current.c.verdict,
                literal(note),
            )
            .select_from(target.outerjoin(current, current.c.account_id == target.c.account_id))
            .where(
                or_(current.c.verdict.is_(None), current.c.verdict != int(verdict), has_open_case)
            ),
        )
    )
    mine = review_audit.c.action_id == action_id
    # Counted, not rowcount: with implicit RETURNING of the key, drivers report -1 for it.
    changed = conn.execute(select(func.count()).where(mine)).scalar_one()
    if not changed:
        return 0, 0
    relabelled = or_(
        review_audit.c.prev_verdict.is_(None), review_audit.c.prev_verdict != int(verdict)
    )
    conn.execute(
        insert(outcomes).from_select(
            ["outcome_id", "account_id", "label", "source", "occurred_at", "received_at"],
            select(
                outcome_id(),
                review_audit.c.account_id,
                literal(int(verdict)),
                literal(OUTCOME_SOURCE),
                literal(now),
                literal(now),
            ).where(mine, relabelled),
        )
    )
    touched = _of_action(action_id)
    conn.execute(delete(account_verdicts).where(account_verdicts.c.account_id.in_(touched)))
    released = verdict is Verdict.LEGITIMATE and config.release_legitimate
    conn.execute(
        insert(account_verdicts).from_select(
            ["account_id", "verdict", "at", "reviewer", "released"],
            select(
                review_audit.c.account_id,
                literal(int(verdict)),
                literal(now),
                literal(reviewer),
                literal(released),
            ).where(mine),
        )
    )
    resolved = conn.execute(
        update(cases)
        .where(cases.c.state.in_(_ACTIVE), cases.c.account_id.in_(touched))
        .values(
            state=CaseState.RESOLVED.value,
            verdict=int(verdict),
            resolved_by=reviewer,
            resolved_at=now,
            note=note,
            action_id=action_id,
            claimed_by=null(),
            claim_expires_at=null(),
            updated_at=now,
        )
    ).rowcount
    if verdict is Verdict.FRAUD and config.deny_fraud_identifiers:
        conn.execute(
            insert(review_denylist).from_select(
                ["key", "kind", "account_id", "source", "added_at", "expires_at"],
                select(
                    identifier_links.c.key,
                    identifier_links.c.kind,
                    func.min(identifier_links.c.account_id),
                    literal(action_id),
                    literal(now),
                    literal(now + config.deny_ttl_s),
                )
                .where(
                    identifier_links.c.kind.in_(DENY_KINDS),
                    identifier_links.c.account_id.in_(touched),
                )
                .group_by(identifier_links.c.key, identifier_links.c.kind),
            )
        )
    if verdict is Verdict.LEGITIMATE and config.allow_legitimate_identifiers:
        conn.execute(delete(review_allowlist).where(review_allowlist.c.expires_at <= now))
        conn.execute(
            insert(review_allowlist).from_select(
                ["key", "kind", "account_id", "source", "added_at", "expires_at"],
                select(
                    identifier_links.c.key,
                    identifier_links.c.kind,
                    identifier_links.c.account_id,
                    literal(action_id),
                    literal(now),
                    literal(now + config.allow_ttl_s),
                ).where(
                    identifier_links.c.kind.in_(ALLOW_KINDS),
                    identifier_links.c.account_id.in_(touched),
                ),
            )
        )
    return changed, resolved


def later_changes(conn: Connection, action_id: str) -> bool:
    """Has any account of this action been given a verdict since?

    Only rows after the action's last one are looked at (a primary-key range, usually short),
    each checked against the action's accounts.
    """
    last = conn.execute(
        select(func.max(review_audit.c.audit_id)).where(review_audit.c.action_id == action_id)
    ).scalar()
    if last is None:
        return False
    query = (
        select(review_audit.c.audit_id)
        .where(
            review_audit.c.audit_id > last,
            review_audit.c.verdict.is_not(None),
            review_audit.c.account_id.in_(_of_action(action_id).scalar_subquery()),
        )
        .limit(1)
    )
    return conn.execute(query).first() is not None


def undo(conn: Connection, action_id: str, reviewer: str, now: float) -> int:
    """Restore every account of ``action_id`` as it was; the number of accounts restored."""
    mine = review_audit.c.action_id == action_id
    touched = _of_action(action_id)
    conn.execute(
        delete(outcomes).where(
            outcomes.c.outcome_id.in_(
                select(outcome_id()).where(mine, review_audit.c.account_id.is_not(None))
            )
        )
    )
    conn.execute(delete(account_verdicts).where(account_verdicts.c.account_id.in_(touched)))
    conn.execute(
        insert(account_verdicts).from_select(
            ["account_id", "verdict", "at", "reviewer", "released"],
            select(
                review_audit.c.account_id,
                review_audit.c.prev_verdict,
                literal(now),
                literal(reviewer),
                false(),
            ).where(
                mine,
                review_audit.c.account_id.is_not(None),
                review_audit.c.prev_verdict.is_not(None),
            ),
        )
    )
    conn.execute(
        update(cases)
        .where(cases.c.action_id == action_id)
        .values(
            state=CaseState.OPEN.value,
            verdict=null(),
            resolved_by=null(),
            resolved_at=null(),
            note=null(),
            action_id=null(),
            updated_at=now,
        )
    )
    conn.execute(delete(review_denylist).where(review_denylist.c.source == action_id))
    conn.execute(delete(review_allowlist).where(review_allowlist.c.source == action_id))
    restored = conn.execute(
        select(review_audit.c.audit_id).where(mine, review_audit.c.account_id.is_not(None))
    ).all()
    return len(restored)
