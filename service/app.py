"""Wiring: Settings -> stores, model, policy, scorer, server. The one place that builds things."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import start_http_server

from service.api.server import start_server
from service.api.tls import ServerTls, Transport, tokens_need_guard
from service.config import Settings
from service.domain import EventType
from service.errors import ModelError, StoreUnavailable
from service.featurize import Featurizer
from service.hashing import Hasher
from service.model import LoadedModel, load_model
from service.observability import Metrics
from service.policy import PolicyConfig
from service.profiling import StageTimer
from service.review import ReviewConfig, ReviewParts
from service.rules import RuleEngine, RuleStore
from service.rules.core import RulesCore
from service.scoring import Scorer
from service.serving import ModelManager, Serving
from service.signals import SignalExtractor
from service.state import MemoryStateStore, RedisStateStore, StateStore
from service.store import SqlDecisionStore

logger = logging.getLogger(__name__)


_REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+cluster://", "rediss+cluster://")


def build_state(settings: Settings) -> StateStore:
    """The state store named by ``settings.state_url``."""
    url = settings.state_url
    if url in ("memory://", "memory", ""):
        return MemoryStateStore(retention_s=settings.state_retention_s)
    if url.startswith(_REDIS_SCHEMES):
        return RedisStateStore(
            url,
            timeout_s=settings.state_timeout_s,
            connect_timeout_s=settings.state_connect_timeout_s,
            retries=settings.state_retries,
            pool_size=settings.state_pool_size,
            key_prefix=settings.state_key_prefix,
            retention_s=settings.state_retention_s,
            ttl_slack_s=settings.state_ttl_slack_s,
        )
    raise ValueError(f"unsupported state URL {url!r}: use memory:// or a redis URL")


@dataclass
class Components:
    """Everything a scorer is built from, owned for closing."""

    scorer: Scorer
    models: ModelManager
    state: StateStore
    store: SqlDecisionStore
    rules: RuleEngine
    review: ReviewParts | None = None

    @property
    def model(self) -> LoadedModel:
        """The live model."""
        return self.models.serving.live

    def close(self) -> None:
        """Flush decisions and release resources."""
        self.rules.close()
        if self.review is not None:
            self.review.close()
        self.store.close()
        self.state.close()
        self.models.close()


def _model_metrics(metrics: Metrics) -> Callable[[Serving, Serving | None], None]:
    def update(new: Serving, old: Serving | None) -> None:
        if old is not None:
            for role, model in (("live", old.live), ("shadow", old.shadow)):
                if model is not None:
                    metrics.model_info.remove(model.version, role)
        for role, model in (("live", new.live), ("shadow", new.shadow)):
            if model is not None:
                metrics.model_info.labels(model.version, role).set(1)

    return update


def build_components(
    settings: Settings,
    metrics: Metrics | None = None,
    extractor: SignalExtractor | None = None,
) -> Components:
    """Load the model (refusing a spec mismatch), open the stores and build the scorer."""
    live = load_model(settings.model)
    shadow = load_model(settings.shadow_model) if settings.shadow_model else None
    extractor = extractor or SignalExtractor.from_directory(settings.data_dir)
    state = build_state(settings)
    review = ReviewParts.before_store(review_config(settings)) if settings.review_cases else None
    store = SqlDecisionStore(
        settings.database_url,
        batch_size=settings.write_batch_size,
        linger_s=settings.write_linger_s,
        queue_size=settings.write_queue_size,
        spool_dir=settings.spool_dir,
        spool_max_bytes=settings.spool_max_bytes,
        fsync=settings.spool_fsync,
        auto_migrate=settings.db_auto_migrate,
        retry_max_s=settings.write_retry_max_s,
        hooks=[review.writer] if review is not None else (),
    )
    if review is not None:
        review.attach(store.engine)
    if metrics is not None:  # read at scrape time, nothing per request
        metrics.pending_writes.set_function(store.pending)
        metrics.spool_bytes.set_function(store.spool_bytes)
        metrics.rejected_writes.set_function(store.rejected)
        metrics.database_up.set_function(lambda: float(store.database_ok()))
    models = ModelManager(
        live,
        PolicyConfig.from_file(settings.policy_file),
        {
            EventType.SIGNUP: settings.fail_mode_signup,
            EventType.API_KEY: settings.fail_mode_api_key,
        },
        shadow,
    )
    featurizer = Featurizer(
        extractor,
        state,
        Hasher(settings.hash_key.get_secret_value().encode()),
        allow=review.effects
        if review is not None and review.config.allow_legitimate_identifiers
        else None,
    )
    rules = RuleEngine(RuleStore(store.engine), metrics.registry if metrics else None)
    rules.start(settings.rules_poll_interval_s)
    scorer = Scorer(
        featurizer=featurizer,
        serving=models.serving,
        store=store,
        clock=settings.clock,
        max_clock_skew_s=settings.max_clock_skew_s,
        metrics=metrics,
        stages=StageTimer(metrics.registry) if metrics and settings.profile_stages else None,
        idempotency_cache_size=settings.idempotency_cache_size,
        rules=rules,
        hook=review.intake if review is not None else None,
    )
    models.subscribe(lambda new, _old: scorer.swap(new))
    if metrics is not None:
        models.subscribe(_model_metrics(metrics))
    if settings.model_watch_interval_s > 0:
        models.watch(settings.model, settings.model_watch_interval_s)
    return Components(
        scorer=scorer, models=models, state=state, store=store, rules=rules, review=review
    )


def transport(settings: Settings) -> Transport:
    """TLS (mTLS with a client CA) and the bearer-token rule of the gRPC port."""
    tls = None
    if settings.tls_cert is not None and settings.tls_key is not None:
        tls = ServerTls(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
    names = frozenset(n.strip() for n in settings.tls_admin_identities.split(",") if n.strip())
    return Transport(tls, settings.allow_insecure_tokens, names)


def hash_key_problem(settings: Settings) -> str | None:
    """Why the server must not start with this hash key (None: it may, perhaps with a warning).

    The development key is published: with it every keyed hash of an email, phone or IP is
    guessable. Acceptable on a laptop (in-memory state, SQLite); refused once state or decisions
    are shared (Redis, PostgreSQL).
    """
    if not settings.uses_development_hash_key():
        return None
    shared = [
        name
        for name, used in (
            ("Redis state", settings.state_url.startswith(_REDIS_SCHEMES)),
            ("a PostgreSQL decision store", settings.database_url.startswith("postgres")),
        )
        if used
    ]
    if shared:
        return (
            "SIGNUPGUARD_HASH_KEY is unset (the public development key) with "
            f"{' and '.join(shared)}: set a secret key of your own"
        )
    logger.warning(
        "SIGNUPGUARD_HASH_KEY is unset: using the public development key, fine only on one "
        "machine; the server refuses to start with it against Redis or PostgreSQL"
    )
    return None


def review_config(settings: Settings) -> ReviewConfig:
    """The review settings."""
    return ReviewConfig(
        claim_ttl_s=settings.review_claim_ttl_s,
        block_opens_case=settings.review_block_opens_case,
        deny_ttl_s=settings.review_deny_ttl_s,
        allow_legitimate_identifiers=settings.review_allow_legitimate,
        allow_ttl_s=settings.review_allow_ttl_s,
        allow_max=settings.review_allow_max,
        link_cap=settings.review_link_cap,
        ip_link_cap=settings.review_ip_link_cap,
        ip_window_s=settings.review_ip_window_s,
        cell_link_cap=settings.review_cell_link_cap,
        cell_window_s=settings.review_cell_window_s,
        recompute_interval_s=settings.review_recompute_interval_s,
    )


def tune_gc(gen0_threshold: int) -> None:
    """Freeze what start-up built and make the cyclic GC run less often.

    Each signup leaves a few dozen tracked objects behind (its state), so with Python's default
    thresholds (700, 10, 10) the collector ran a young pass every ~28 signups and a full pass,
    over the whole in-memory state, every ~5,000: ~60 µs a signup on average, 15-20 % of its
    CPU, measured in process. Now: ~1.4 young passes per 1,000 signups. The model, reference
    data and imports move to the permanent generation (``gc.freeze``), which passes skip.
    """
    gc.collect()
    gc.freeze()
    if gen0_threshold > 0:
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(gen0_threshold, max(gen1, 20), max(gen2, 100))


def serve(settings: Settings, stop: threading.Event | None = None) -> int:
    """Run the server until SIGTERM/SIGINT (or ``stop``); returns the process exit code."""
    done = stop or threading.Event()
    # Handlers first: a SIGTERM during start-up (a rolling deploy) still shuts down cleanly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    problem = hash_key_problem(settings)
    if problem is not None:
        logger.error("refusing to serve: %s", problem)
        return 2
    exposed = transport(settings)
    metrics = Metrics.create()
    try:
        running = start_server(
            settings.host,
            settings.port,
            settings.workers,
            settings.max_request_bytes,
            metrics,
            reuse_port=settings.reuse_port,
            admin_token=settings.admin_token.get_secret_value() if settings.admin_token else None,
            transport=exposed,
        )
    except ValueError as exc:  # unreadable or mismatched TLS files
        logger.error("refusing to serve: %s", exc)
        return 2
    if tokens_need_guard(settings.host, exposed):
        logger.warning(
            "plaintext on %s: calls carrying a bearer token are refused (use --tls-cert/--tls-key)",
            settings.host,
        )
    logger.info(
        "listening on %s:%d with %s (NOT_SERVING until the model loads)",
        settings.host,
        running.port,
        "plaintext" if exposed.tls is None else "mTLS" if exposed.tls.client_ca else "TLS",
    )
    try:
        components = build_components(settings, metrics)
    except (ModelError, StoreUnavailable) as exc:
        logger.error("refusing to serve: %s", exc)
        running.stop(0)
        return 2
    tune_gc(settings.gc_gen0_threshold)
    running.serve_with(
        components.scorer,
        components.models,
        RulesCore(components.store.engine),
        components.review,
    )
    if settings.metrics_port:
        tls = exposed.tls
        start_http_server(
            settings.metrics_port,
            registry=metrics.registry,
            certfile=str(tls.cert) if tls else None,
            keyfile=str(tls.key) if tls else None,
            client_cafile=str(tls.client_ca) if tls and tls.client_ca else None,
            client_auth_required=bool(tls and tls.client_ca),
        )
    logger.info(
        "serving model %s with %s clock, state %s, database %s",
        components.model.version,
        settings.clock.value,
        settings.state_url,
        settings.database_url.split("@")[-1],
    )
    done.wait()
    logger.info("shutting down")
    running.stop(5.0)
    components.close()
    return 0
