"""Settings: built once at the entry point from flags and ``SIGNUPGUARD_*`` variables.

Nothing else in the service reads the environment. Tests build :class:`Settings` directly.
"""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.store.journal import FsyncPolicy

# The default model ships inside the package (package data; in a checkout, a link to
# models/default, where `make model` writes), so `signupguard serve` works from any directory.
DEFAULT_MODEL_DIR = Path(__file__).parent / "model" / "shipped"


# Public, hence guessable: fine on a laptop, refused with Redis or PostgreSQL (see app.serve).
DEVELOPMENT_HASH_KEY = "signupguard-dev-key-change-me"


class ClockMode(enum.StrEnum):
    """Which clock the velocity windows use."""

    WALL = "wall"  # the server's clock; occurred_at must be within max_clock_skew_s of it
    EVENT = "event"  # the event's occurred_at: a recorded stream replays to the same results


class FailMode(enum.StrEnum):
    """What the policy answers when the state store cannot be reached."""

    OPEN = "open"  # score without velocity features (degraded), act on that score
    REVIEW = "review"  # at least REVIEW
    CLOSED = "closed"  # BLOCK


class Settings(BaseSettings):
    """Every setting of the service; the README's configuration table documents each field."""

    model_config = SettingsConfigDict(env_prefix="SIGNUPGUARD_", frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Address the gRPC server binds to.")
    port: int = Field(50051, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    workers: int = Field(8, ge=1, le=256, description="gRPC server worker threads.")
    gc_gen0_threshold: int = Field(
        20_000,
        ge=0,
        description="Allocations between young GC passes once serving (0: Python's default, 700).",
    )
    reuse_port: bool = Field(
        False, description="Bind with SO_REUSEPORT so one process per core can share the port."
    )
    clock: ClockMode = Field(ClockMode.WALL, description="wall or event clock for windows.")
    model: Path = Field(DEFAULT_MODEL_DIR, description="Model artifact directory.")
    shadow_model: Path | None = Field(
        None, description="Candidate artifact scored beside the live one, logged, never acted on."
    )
    model_watch_interval_s: float = Field(
        5.0,
        ge=0,
        description="Poll the live artifact's manifest this often and load a new export; 0: off.",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Bearer token for the AdminService RPCs (model load/promote); unset: disabled.",
    )
    rules_poll_interval_s: float = Field(
        1.0,
        ge=0,
        description="Poll the decision store's rules revision this often and reload; 0: load once.",
    )
    tls_cert: Path | None = Field(
        None, description="PEM certificate chain of the gRPC (and metrics) port; unset: plaintext."
    )
    tls_key: Path | None = Field(None, description="PEM private key of the TLS certificate.")
    tls_client_ca: Path | None = Field(
        None, description="mTLS: PEM CA bundle; client certificates are required and verified."
    )
    tls_admin_identities: str = Field(
        "",
        description="mTLS: comma-separated client-certificate names (CN or SAN) admitted to "
        "AdminService without a token.",
    )
    allow_insecure_tokens: bool = Field(
        False,
        description="Accept bearer tokens over plaintext on a non-loopback port (not advised).",
    )
    database_url: str = Field(
        "sqlite:///var/signupguard.db", description="SQLAlchemy URL of the decision store."
    )
    state_url: str = Field(
        "memory://",
        description="Velocity/linkage state: memory://, redis://host:port/db, "
        "rediss://…, unix://…, redis+cluster://host:port (a seed node).",
    )
    state_timeout_s: float = Field(
        0.05, gt=0, description="Redis: socket timeout per call; past it the state is unavailable."
    )
    state_connect_timeout_s: float = Field(0.1, gt=0, description="Redis: connect timeout.")
    state_retries: int = Field(
        0,
        ge=0,
        le=1,
        description="Redis: retries after a timeout (a retried script is not counted twice).",
    )
    state_pool_size: int = Field(
        16, ge=1, description="Redis: connections per node; at least the worker count."
    )
    state_key_prefix: str = Field("sg:", description="Redis: prefix of every key.")
    state_ttl_slack_s: float = Field(
        900.0, ge=0, description="Redis: extra TTL beyond each window, for late events."
    )
    data_dir: Path | None = Field(
        None, description="Reference data directory; the bundled snapshot when unset."
    )
    hash_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_HASH_KEY),
        description="Secret for keyed hashes of emails, phones, IPs, devices and cards.",
    )
    max_clock_skew_s: float = Field(
        86400.0, gt=0, description="Wall clock: reject occurred_at further than this from now."
    )
    max_request_bytes: int = Field(
        16384, ge=1024, description="Largest accepted request message, in bytes."
    )
    metrics_port: int = Field(
        0, ge=0, le=65535, description="Prometheus /metrics HTTP port; 0 disables it."
    )
    log_level: str = Field("INFO", description="Root log level.")
    profile_stages: bool = Field(
        False, description="Record time per request stage in signupguard_stage_seconds."
    )
    log_decisions: bool = Field(True, description="One structured log line per decision.")
    fail_mode_signup: FailMode = Field(
        FailMode.OPEN, description="Signup answer when state is unavailable."
    )
    fail_mode_api_key: FailMode = Field(
        FailMode.REVIEW, description="API-key answer when state is unavailable."
    )
    policy_file: Path | None = Field(
        None,
        description="YAML with threshold overrides and allow/deny lists (see README).",
    )
    idempotency_cache_size: int = Field(
        100_000, ge=0, description="Recent decisions kept in memory for repeated event ids."
    )
    state_retention_s: float = Field(
        8 * 86400.0,
        gt=0,
        description="How long idle linkage, account and event-id state is kept (windows need 7 d).",
    )
    write_batch_size: int = Field(256, ge=1, description="Decisions per database transaction.")
    write_linger_s: float = Field(
        0.1,
        ge=0,
        le=10,
        description="How long the writer lets a batch fill (decisions are already spooled).",
    )
    write_queue_size: int = Field(
        100_000,
        ge=1,
        description="Uncommitted decisions kept in memory so repeated event ids find them.",
    )
    write_retry_max_s: float = Field(
        5.0, gt=0, description="Cap on the decision writer's retry backoff while the DB is down."
    )
    spool_dir: Path | None = Field(
        None,
        description="Durable decision spool; default next to the SQLite file, else var/spool.",
    )
    spool_max_bytes: int = Field(
        1 << 30,
        ge=1 << 20,
        description="Spooled, uncommitted bytes before new decisions are refused (UNAVAILABLE).",
    )
    spool_fsync: FsyncPolicy = Field(
        FsyncPolicy.NONE,
        description="none survives a process kill; batch also syncs every 50 ms; always syncs "
        "before answering.",
    )
    db_auto_migrate: bool | None = Field(
        None,
        description="Run migrations at start; unset: SQLite yes, PostgreSQL no "
        "(run `signupguard db upgrade`).",
    )

    review_cases: bool = Field(
        True, description="Open review cases for REVIEW decisions (and link identifiers)."
    )
    review_block_opens_case: bool = Field(
        False, description="BLOCK decisions open review cases too."
    )
    review_claim_ttl_s: float = Field(
        600.0, gt=0, description="How long a reviewer's claim on a case lasts."
    )
    review_deny_ttl_s: float = Field(
        30 * 86400.0, gt=0, description="How long a FRAUD verdict keeps device/card/phone denied."
    )
    review_allow_legitimate: bool = Field(
        True,
        description="A LEGITIMATE verdict puts the account's device/card/phone/mailbox on the "
        "allow list: their velocity and linkage no longer count against later events.",
    )
    review_allow_ttl_s: float = Field(
        30 * 86400.0, gt=0, description="How long a LEGITIMATE verdict's allow-list entries last."
    )
    review_allow_max: int = Field(
        100_000, ge=1, description="Allow-list keys kept (past it, the oldest are evicted)."
    )
    review_link_cap: int = Field(
        100, ge=1, description="Accounts an identifier links into a campaign (the first ones)."
    )
    review_ip_link_cap: int = Field(
        20, ge=1, description="Accounts an IP /24 links within one review_ip_window_s."
    )
    review_ip_window_s: float = Field(
        3600.0, gt=0, description="IPs link accounts only within windows this long."
    )
    review_cell_link_cap: int = Field(
        20,
        ge=0,
        description="Accounts a coordination cell (phone block; identity template with card "
        "BIN) links within one review_cell_window_s (0: cells link nothing).",
    )
    review_cell_window_s: float = Field(
        86400.0, gt=0, description="Coordination cells link accounts only within windows this long."
    )
    review_recompute_interval_s: float = Field(
        3600.0, ge=0, description="Full campaign recompute every this often (0: never)."
    )
    review_token: SecretStr | None = Field(
        None, description="Reviewer bearer token the `signupguard review` CLI sends."
    )

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("tls_client_ca needs tls_cert and tls_key")
        return self

    def uses_development_hash_key(self) -> bool:
        """Is ``hash_key`` still the published development default?"""
        return self.hash_key.get_secret_value() == DEVELOPMENT_HASH_KEY

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()
