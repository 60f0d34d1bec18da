"""Alembic migrations of the decision store on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from service.errors import StoreUnavailable
from service.store import SqlDecisionStore, current, head, make_engine, upgrade
from service.store.schema import metadata


def test_upgrade_creates_the_tables_and_reaches_head(database_url: str) -> None:
    """Upgrading an empty database creates both tables and leaves it at head; again is a no-op."""
    assert current(database_url) is None
    upgrade(database_url)
    upgrade(database_url)
    assert current(database_url) == head() == "0005"
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables == {"alembic_version", *metadata.tables}


def test_migrated_schema_matches_the_metadata(database_url: str) -> None:
    """The migrated database and schema.py's metadata have no differences at all."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diffs == []


def test_a_database_from_before_migrations_is_adopted(database_url: str) -> None:
    """Tables made by create_all (before migrations existed) are stamped, not recreated."""
    upgrade(database_url, "0001")  # the tables create_all made then, exactly
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()
    assert current(database_url) is None
    upgrade(database_url)
    assert current(database_url) == head()


def test_sqlite_store_migrates_itself(tmp_path: Path) -> None:
    """The embedded default needs no migration step: the store upgrades SQLite on start."""
    url = f"sqlite:///{tmp_path}/d.db"
    with SqlDecisionStore(url):
        assert current(url) == head()


def test_postgres_store_refuses_a_schema_behind_head(postgres_url: str, tmp_path: Path) -> None:
    """On PostgreSQL the store tells the operator to run `signupguard db upgrade`, and waits."""
    with pytest.raises(StoreUnavailable, match="run `signupguard db upgrade`"):
        SqlDecisionStore(postgres_url, spool_dir=tmp_path / "spool")
    assert current(postgres_url) is None
    with SqlDecisionStore(postgres_url, spool_dir=tmp_path / "spool", auto_migrate=True):
        assert current(postgres_url) == head()


def test_a_schema_from_a_newer_version_is_refused(database_url: str, tmp_path: Path) -> None:
    """A revision this code does not know (a newer release migrated it) is refused, not touched."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(StoreUnavailable, match="unknown to this version"):
        SqlDecisionStore(database_url, spool_dir=tmp_path / "spool")
    with pytest.raises(StoreUnavailable, match="unknown to this version"):
        upgrade(database_url)


def test_upgrade_from_0001_keeps_decisions(database_url: str) -> None:
    """A decision logged under revision 0001 survives the upgrade, with no shadow verdict."""
    upgrade(database_url, "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO decisions VALUES ('d1', 'e1', 'signup', 'a1', 1.0, 2.0, 0.5, 1,"
                    " 'v', 'h', false, '[]', '[]', '')"
                )
            )
        upgrade(database_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT event_id, shadow_score FROM decisions")).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("e1", None)
