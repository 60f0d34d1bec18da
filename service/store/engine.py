"""SQLAlchemy engines for the decision store: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# PostgreSQL: how long a connection attempt may take before it fails (unless the URL says).
# Keeps lookups and outcome writes from hanging on a black-holed database.
CONNECT_TIMEOUT_S = 5
SUPPORTED = ("sqlite", "postgresql")


def backend(url: str) -> str:
    """The backend name of a database URL (``sqlite`` or ``postgresql``); others are refused."""
    name = make_url(url).get_backend_name()
    if name not in SUPPORTED:
        raise ValueError(f"unsupported decision-store database {name!r} (sqlite or postgresql)")
    return name


def default_spool_dir(url: str) -> Path:
    """Where a store on ``url`` spools decisions unless told: next to a SQLite file, else var/."""
    parsed = make_url(url)
    db = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and db
        and db != ":memory:"
        and "mode=memory" not in db
    ):
        path = Path(db)
        return path.with_name(f"{path.name}.spool")
    return Path("var/spool")


def make_engine(url: str, *, durable: bool = False) -> Engine:
    """Engine for a database URL.

    SQLite gets WAL, a busy timeout, a created parent directory and real transactions (``BEGIN``
    is issued by SQLAlchemy, so DDL in a migration is atomic too); ``durable`` raises its
    ``synchronous`` from NORMAL (survives a process kill) to FULL (survives a machine crash).
    PostgreSQL gets pre-ping and a connect timeout.
    """
    parsed = make_url(url)
    if backend(url) == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        synchronous = "FULL" if durable else "NORMAL"

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # the driver stops managing transactions ...
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")  # ... and SQLAlchemy starts them itself

        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
