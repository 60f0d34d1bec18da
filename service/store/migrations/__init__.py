"""Alembic migrations of the decision store (env.py, versions/); driven by service.store.migrate."""
