"""The scoring core: request -> signals -> state -> features -> model -> policy -> log -> decision.

Transport-agnostic: the gRPC servicer converts protobuf to domain events and calls this; so does
any other front end. Failures of dependencies become fallbacks decided by the policy (a degraded
answer beats an error); only unusable requests raise (:class:`service.errors.InvalidRequest`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from service.config import ClockMode
from service.domain import (
    Action,
    ApiKeyEvent,
    Decision,
    Event,
    EventType,
    Label,
    Outcome,
    Reason,
    SignupEvent,
)
from service.errors import InvalidRequest, ModelError, StoreUnavailable
from service.features import spec_hash
from service.features.spec import FEATURES
from service.featurize import Featurized, Featurizer
from service.model import Prediction
from service.observability import Metrics, log_decision
from service.policy import Verdict, model_reasons
from service.profiling import NO_CLOCK, Clock, StageTimer
from service.rules import NO_RESULT, RuleEngine
from service.serving import Serving
from service.store import DecisionRecord, ShadowVerdict, SqlDecisionStore

logger = logging.getLogger(__name__)

MAX_ID_BYTES = 128
# Namespace of outcome ids derived from (account_id, idempotency_key); never change it.
_OUTCOME_KEYS = uuid.UUID("5c1b6f0e-14a1-4f3e-9a51-0d7c2b1e8f14")
_STRIPES = 64


@dataclass(frozen=True, slots=True)
class HookResult:
    """A decision hook's answer: final action and reasons, case id, extra for the journal."""

    action: Action
    reasons: tuple[Reason, ...]
    case_id: str
    extra: dict[str, Any] | None


class DecisionHook(Protocol):
    """Runs after the policy, on the request path, without I/O (the review intake is one)."""

    def __call__(self, event: Event, feats: Featurized, verdict: Verdict) -> HookResult:
        """Final action, reasons and case id of one decision."""
        ...


class Scorer:
    """Scores events end to end; safe to call from many threads."""

    def __init__(
        self,
        *,
        featurizer: Featurizer,
        serving: Serving,
        store: SqlDecisionStore,
        clock: ClockMode = ClockMode.WALL,
        max_clock_skew_s: float = 86400.0,
        metrics: Metrics | None = None,
        stages: StageTimer | None = None,
        idempotency_cache_size: int = 100_000,
        now: Callable[[], float] = time.time,
        rules: RuleEngine | None = None,
        hook: DecisionHook | None = None,
    ) -> None:
        self._featurizer = featurizer
        self._rules = rules
        self._hook = hook
        self._serving = serving
        self._store = store
        self._clock = clock
        self._skew = max_clock_skew_s
        self._metrics = metrics
        # Label lookups take a lock and a dict walk; resolve every child once.
        self._action_counters = (
            {(t, a): metrics.actions.labels(t.value, a.name) for t in EventType for a in Action}
            if metrics is not None
            else {}
        )
        self._stages = stages
        self._now = now
        self._cache: OrderedDict[str, Decision] = OrderedDict()
        self._cache_size = idempotency_cache_size
        self._cache_lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(_STRIPES)]

    @property
    def model_version(self) -> str:
        """Version of the live model."""
        return self._serving.live.version

    def swap(self, serving: Serving) -> None:
        """Serve with another bundle from the next request on (one reference: atomic)."""
        self._serving = serving

    # -- public API -----------------------------------------------------------------------------

    def score_signup(self, event: SignupEvent, received_at: float | None = None) -> Decision:
        """Decide on one signup (``received_at``: perf_counter when the request arrived)."""
        return self._score(event, received_at)

    def score_api_key(self, event: ApiKeyEvent, received_at: float | None = None) -> Decision:
        """Decide on one API-key creation."""
        return self._score(event, received_at)

    def report_outcome(
        self,
        account_id: str,
        label: Label,
        source: str,
        occurred_at: float | None,
        idempotency_key: str = "",
    ) -> Outcome:
        """Spool ground truth for an account; StoreUnavailable if it cannot be kept.

        With an ``idempotency_key`` the outcome id is derived from (account, key), so a retry
        is the same outcome and the store keeps only the first.
        """
        _check_id("account_id", account_id)
        if len(source.encode()) > 64:
            raise InvalidRequest("source", "must be at most 64 bytes")
        if len(idempotency_key.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
            raise InvalidRequest("idempotency_key", f"must be at most {MAX_ID_BYTES} bytes")
        now = self._now()
        outcome = Outcome(
            outcome_id=str(
                uuid.uuid5(_OUTCOME_KEYS, f"{account_id}\n{idempotency_key}")
                if idempotency_key
                else uuid.uuid4()
            ),
            account_id=account_id,
            label=label,
            source=source or "unspecified",
            occurred_at=now if occurred_at is None else occurred_at,
            received_at=now,
        )
        self._store.save_outcome(outcome)
        return outcome

    # -- pipeline -------------------------------------------------------------------------------

    def _score(self, event: Event, received_at: float | None) -> Decision:
        started = time.perf_counter() if received_at is None else received_at
        clock: Clock = NO_CLOCK if self._stages is None else self._stages.clock(started)
        clock.mark("parse")
        at, clock_fallback = self._validate(event)
        cached = self._cached(event.event_id)
        if cached is not None:
            return cached
        with self._stripes[hash(event.event_id) % _STRIPES]:
            # The store also knows decisions still only in its spool (an earlier run's too).
            cached = self._cached(event.event_id) or self._store.recent_decision(event.event_id)
            if cached is not None:
                return cached
            decision = self._decide(event, at, clock_fallback, started, clock)
        clock.finish()
        self._remember(decision)
        return decision

    def _validate(self, event: Event) -> tuple[float, bool]:
        _check_id("event_id", event.event_id)
        _check_id("account_id", event.account_id)
        now = self._now()
        occurred = event.occurred_at
        if self._clock is ClockMode.WALL:
            if occurred is not None and abs(occurred - now) > self._skew:
                raise InvalidRequest(
                    "occurred_at", f"more than {self._skew:.0f} s from the server's clock"
                )
            return now, False
        if occurred is None:
            return now, True
        return occurred, False

    def _decide(
        self, event: Event, at: float, clock_fallback: bool, started: float, clock: Clock
    ) -> Decision:
        event_type = event.event_type
        serving = self._serving  # one read: this request sees one bundle throughout
        if isinstance(event, SignupEvent):
            feats = self._featurizer.signup(event, at, clock)
        else:
            feats = self._featurizer.api_key(event, at, clock)
        if feats.duplicate and (stored := self._stored(event.event_id)) is not None:
            return stored
        vector, state_ok = feats.vector, feats.state_ok
        score: float | None
        prediction: Prediction | None = None
        try:
            prediction = serving.live.predictors[event_type].predict(vector)
            score = prediction.score
        except ModelError as exc:
            logger.error("model failed, using the fallback: %s", exc)
            score = None
        clock.mark("predict")
        ruled = (
            NO_RESULT
            if self._rules is None
            else self._rules.evaluate(event_type, vector, score, feats.signals)
        )
        clock.mark("rules")

        def explain() -> list[Reason]:
            if prediction is None:
                return []
            clock.mark("policy")
            reasons = model_reasons(FEATURES[event_type], vector, prediction.contributions)
            clock.mark("reasons")
            return reasons

        verdict = serving.policy.decide(
            event_type,
            score,
            explain,
            feats.rules,
            state_ok=state_ok,
            vector=vector,
            rule_hits=ruled.hits,
        )
        clock.mark("policy")
        action, reasons, case_id, extra = verdict.action, verdict.reasons, "", None
        if self._hook is not None:
            hooked = self._hook(event, feats, verdict)
            action, reasons, case_id, extra = (
                hooked.action,
                hooked.reasons,
                hooked.case_id,
                hooked.extra,
            )
        degraded = not state_ok or score is None or clock_fallback
        decision = Decision(
            decision_id=_uuid4(),
            event_id=event.event_id,
            event_type=event_type,
            account_id=event.account_id,
            action=action,
            score=0.0 if score is None else score,
            reasons=reasons,
            model_version=serving.live.version,
            degraded=degraded,
            occurred_at=event.occurred_at if event.occurred_at is not None else at,
            decided_at=self._now(),
            case_id=case_id,
        )
        shadow = self._shadow(serving, event_type, feats) if serving.shadow else None
        self._store.save_decision(
            DecisionRecord(
                decision,
                vector,
                spec_hash(event_type),
                shadow,
                signals=feats.signals,
                rule_hits=ruled.logged,
                review=extra,
            )
        )
        if event_type is EventType.SIGNUP and state_ok and not feats.duplicate:
            self._featurizer.remember_signup(event.account_id, decision.score, int(decision.action))
        self._observe(
            decision, started, feats.ip_hash, feats.email_hash, state_ok, score is not None
        )
        clock.mark("log")
        return decision

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _shadow(serving: Serving, event_type: EventType, feats: Featurized) -> ShadowVerdict | None:
        """The shadow model's verdict on the same features: logged, never acted on."""
        if serving.shadow is None or serving.shadow_policy is None:
            return None
        try:
            score = serving.shadow.predictors[event_type].predict(feats.vector).score
        except ModelError as exc:
            logger.warning("shadow model failed: %s", exc)
            return None
        verdict = serving.shadow_policy.decide(
            event_type, score, list, feats.rules, state_ok=feats.state_ok
        )
        return ShadowVerdict(serving.shadow.version, score, verdict.action)

    def _stored(self, event_id: str) -> Decision | None:
        try:
            return self._store.get_decision(event_id)
        except StoreUnavailable as exc:
            logger.warning("cannot look up the stored decision of a repeated event: %s", exc)
            return None

    def _cached(self, event_id: str) -> Decision | None:
        with self._cache_lock:
            return self._cache.get(event_id)

    def _remember(self, decision: Decision) -> None:
        if self._cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[decision.event_id] = decision
            self._cache.move_to_end(decision.event_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _observe(
        self,
        decision: Decision,
        started: float,
        ip_hash: str | None,
        email_hash: str | None,
        state_ok: bool,
        model_ok: bool,
    ) -> None:
        elapsed = time.perf_counter() - started
        if self._metrics is not None:
            kind = decision.event_type.value
            self._action_counters[decision.event_type, decision.action].inc()
            if not state_ok:
                self._metrics.degraded.labels(kind, "state").inc()
            if not model_ok:
                self._metrics.degraded.labels(kind, "model").inc()
        log_decision(decision, elapsed, ip_hash, email_hash)


def _uuid4() -> str:
    """``str(uuid.uuid4())`` for half its cost (no UUID object): 16 random bytes, version 4."""
    b = bytearray(os.urandom(16))
    b[6] = b[6] & 0x0F | 0x40
    b[8] = b[8] & 0x3F | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _check_id(field: str, value: str) -> None:
    if not value:
        raise InvalidRequest(field, "is required")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        raise InvalidRequest(field, f"must be at most {MAX_ID_BYTES} bytes")
