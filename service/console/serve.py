"""``signupguard console``: the same Settings and decision store as ``serve``, over HTTP.

The model page reads the model directories ``model`` and ``shadow_model`` name, as ``serve``
loads them at start (an artifact loaded later through AdminService shows up in the page's list
of versions that decided, not in its manifest facts)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from service.config import Settings

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``console`` subcommand to the top-level parser."""
    p = sub.add_parser("console", help="the ops web console (HTTP; default 127.0.0.1:8080)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SIGNUPGUARD_DATABASE_URL)")
    p.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS (cookies get Secure)")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert")
    p.add_argument("--log-level")
    p.set_defaults(func=run)


def build(settings: Settings) -> Any:
    """The console app over the settings' decision store (SQLite migrates itself, as serve)."""
    from service.app import review_config
    from service.console import build_app
    from service.monitor import ModelMonitor
    from service.review.core import ReviewCore
    from service.review.reviewers import Reviewers
    from service.rules.core import RulesCore
    from service.store import make_engine, upgrade
    from service.store.engine import backend

    if backend(settings.database_url) == "sqlite" or settings.db_auto_migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    # No EffectsSync here: the scoring processes follow the audit log themselves.
    return build_app(
        ReviewCore(engine, review_config(settings)),
        Reviewers(engine),
        RulesCore(engine),
        ModelMonitor(engine, settings.model, settings.shadow_model),
    )


def run(args: argparse.Namespace) -> int:
    """Serve the console until interrupted."""
    import uvicorn

    from service import logs

    overrides: dict[str, Any] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.log_level:
        overrides["log_level"] = args.log_level
    settings = Settings(**overrides)
    logs.configure(settings.log_level, settings.log_decisions)
    if (args.tls_cert is None) != (args.tls_key is None):
        raise SystemExit("signupguard console: --tls-cert and --tls-key go together")
    app = build(settings)
    logger.info("console on http%s://%s:%d", "s" if args.tls_cert else "", args.host, args.port)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        log_config=None,
        access_log=False,
    )
    return 0
