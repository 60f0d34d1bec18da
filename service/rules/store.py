"""Rules in the decision store: every version kept, a revision counter for hot reload."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from sqlalchemy import Engine, Insert, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from service.domain import EventType
from service.errors import NotFound, StoreUnavailable
from service.rules.model import Rule, RuleAction, RuleSpec, RuleState
from service.store.schema import rules, rules_revision


class RuleStore:
    """Reads and writes rules through a SQLAlchemy engine (schema at 0003 or later)."""

    def __init__(self, engine: Engine, now: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._now = now

    def revision(self) -> int:
        """The counter every rule change bumps (one indexed row: cheap to poll)."""
        try:
            with self._engine.connect() as conn:
                value = conn.execute(select(rules_revision.c.revision)).scalar()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot read the rules revision: {exc}") from exc
        return int(value or 0)

    def current(self) -> list[Rule]:
        """The newest version of every rule, by id."""
        newest = (
            select(rules.c.rule_id, func.max(rules.c.version).label("version"))
            .group_by(rules.c.rule_id)
            .subquery()
        )
        query = (
            select(rules)
            .join(
                newest,
                (rules.c.rule_id == newest.c.rule_id) & (rules.c.version == newest.c.version),
            )
            .order_by(rules.c.rule_id)
        )
        return self._read(query)

    def history(self, rule_id: str) -> list[Rule]:
        """Every version of one rule, oldest first; NotFound when there is none."""
        found = self._read(
            select(rules).where(rules.c.rule_id == rule_id).order_by(rules.c.version)
        )
        if not found:
            raise NotFound(f"no rule {rule_id!r}")
        return found

    def get(self, rule_id: str, version: int = 0) -> Rule:
        """One version of a rule (0: the newest)."""
        versions = self.history(rule_id)
        if version == 0:
            return versions[-1]
        for rule in versions:
            if rule.version == version:
                return rule
        raise NotFound(f"rule {rule_id!r} has no version {version}")

    def save(self, spec: RuleSpec, author: str) -> Rule:
        """Store ``spec`` as the rule's next version (the caller has checked it).

        The version is computed inside the INSERT (``max + 1``), so the transaction starts by
        writing: on SQLite it waits for the decision writer's lock instead of failing to
        upgrade a read (SQLITE_BUSY_SNAPSHOT); two savers racing on PostgreSQL collide on the
        primary key and the loser tries once more.
        """
        now = self._now()
        author = author or "unknown"
        for attempt in (1, 2):
            try:
                with self._engine.begin() as conn:
                    version = conn.execute(
                        _insert_next(spec, author, now).returning(rules.c.version)
                    ).scalar_one()
                    conn.execute(
                        update(rules_revision)
                        .where(rules_revision.c.id == 1)
                        .values(revision=rules_revision.c.revision + 1)
                    )
                return Rule(spec, int(version), author, now)
            except IntegrityError as exc:
                if attempt == 2:
                    raise StoreUnavailable(f"cannot store the rule: {exc}") from exc
            except SQLAlchemyError as exc:
                raise StoreUnavailable(f"cannot store the rule: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def set_state(self, rule_id: str, state: RuleState, author: str) -> Rule:
        """A new version of the rule in another state."""
        current = self.get(rule_id)
        return self.save(dataclasses.replace(current.spec, state=state), author)

    def _read(self, query: object) -> list[Rule]:
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()  # type: ignore[call-overload]
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot read rules: {exc}") from exc
        return [_rule(r) for r in rows]


def _insert_next(spec: RuleSpec, author: str, now: float) -> Insert:
    """INSERT ... SELECT of the rule's next version (1 when it has none)."""
    values = {
        "rule_id": spec.rule_id,
        "event_type": spec.event_type.value,
        "description": spec.description,
        "condition": spec.condition,
        "action": spec.action.value,
        "reason_code": spec.reason_code,
        "message": spec.message,
        "state": spec.state.value,
        "expires_at": spec.expires_at,
        "author": author,
        "created_at": now,
    }
    names = ["version", *values]
    columns = [
        (func.coalesce(func.max(rules.c.version), 0) + 1).label("version"),
        *(literal(v, rules.c[k].type).label(k) for k, v in values.items()),
    ]
    chosen = select(*columns).where(rules.c.rule_id == spec.rule_id)
    return insert(rules).from_select(names, chosen)


def _rule(r: object) -> Rule:
    row = r._mapping  # type: ignore[attr-defined]
    spec = RuleSpec(
        rule_id=row["rule_id"],
        event_type=EventType(row["event_type"]),
        condition=row["condition"],
        action=RuleAction(row["action"]),
        reason_code=row["reason_code"],
        description=row["description"],
        message=row["message"],
        state=RuleState(row["state"]),
        expires_at=row["expires_at"],
    )
    return Rule(spec, int(row["version"]), row["author"], float(row["created_at"]))
