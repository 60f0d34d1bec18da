"""Schema migrations from code: ``signupguard db upgrade`` and the store's start-up check.

Alembic is configured here, not from an ini file, so the installed package is all it needs
(``migrations/alembic.ini`` is only for developers running the ``alembic`` command).
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from service.errors import StoreUnavailable
from service.store.engine import make_engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema create_all made before migrations existed
_BASELINE_TABLES = {"decisions", "outcomes"}
_PG_LOCK_KEY = 0x5347_0001  # pg_advisory_xact_lock key: one migrator at a time per database


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    if revision is None:  # pragma: no cover - the package always ships 0001
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return revision


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at, None when it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def current(url: str) -> str | None:
    """The revision of the database at ``url``; None when it has never been migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot read the schema revision: {exc}") from exc
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest) in one transaction."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            upgrade_connection(connection, revision)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot migrate the decision store: {exc}") from exc
    finally:
        engine.dispose()


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Migrate within the caller's transaction; PostgreSQL migrators queue on an advisory lock.

    A database whose tables predate migrations (made by ``create_all``) is stamped at the
    baseline first instead of failing on "table already exists".
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    config = _config(connection)
    found = current_revision(connection)
    if found is not None and found not in _known():
        raise _newer(found)
    if found is None:
        existing = set(inspect(connection).get_table_names())
        if existing >= _BASELINE_TABLES:
            logger.warning("decision store predates migrations: adopting it at %s", BASELINE)
            command.stamp(config, BASELINE)
    command.upgrade(config, revision)


def check_current(connection: Connection) -> None:
    """Raise :class:`StoreUnavailable`, naming the fix, unless the database is at head.

    (Not a subclass of its own: the domain error tree in ``service.errors`` is the one list of
    errors, each mapped to a status; to the caller this is "the store cannot be used".)
    """
    found, wanted = current_revision(connection), head()
    if found == wanted:
        return
    if found is not None and found not in _known():
        raise _newer(found)
    problem = (
        "has no decision-store schema"
        if found is None
        else f"is at schema revision {found}, this version needs {wanted}"
    )
    raise StoreUnavailable(f"the database {problem}: run `signupguard db upgrade`")


def _known() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def _newer(found: str) -> StoreUnavailable:
    return StoreUnavailable(
        f"the database is at schema revision {found}, unknown to this version (which expects "
        f"{head()}): a newer SignupGuard migrated it"
    )
