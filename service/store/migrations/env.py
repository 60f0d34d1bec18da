"""Alembic environment: runs the decision-store migrations against ``schema.metadata``.

Called two ways. ``service.store.migrate`` hands over an open connection in
``config.attributes["connection"]`` (inside its transaction and, on PostgreSQL, its advisory
lock). The ``alembic`` command line passes ``-x url=...`` (see alembic.ini). Tables, and the
``alembic_version`` table, land in the connection's current schema (the first of its
``search_path`` on PostgreSQL), so a URL with ``options=-csearch_path=...`` is honoured.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from service.store.engine import make_engine
from service.store.schema import metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database as: alembic -x url=<SQLAlchemy URL> ...")
    return url


def main() -> None:
    """Run the migrations online (a connection) or offline (SQL script to stdout)."""
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    given = context.config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure(given)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as connection:
            _configure(connection)
    finally:
        engine.dispose()


main()
