"""The one place protobuf messages become domain types and back. No message travels further."""

from __future__ import annotations

from typing import cast

from google.protobuf.message import Message

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.domain import (
    ApiKeyEvent,
    Behavior,
    CardFunding,
    Decision,
    Device,
    Identity,
    Label,
    Payment,
    SignupEvent,
)
from service.errors import InvalidRequest

# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS = -62135596800
_MAX_SECONDS = 253402300799


def _opt(value: str) -> str | None:
    return value or None


def _timestamp(message: Message, field: str) -> float | None:
    if not message.HasField(field):
        return None
    ts = getattr(message, field)
    if not _MIN_SECONDS <= ts.seconds <= _MAX_SECONDS or not 0 <= ts.nanos < 1_000_000_000:
        raise InvalidRequest(field, "is not a valid timestamp")
    return float(ts.seconds) + float(ts.nanos) / 1e9


def check_size(message: Message, limit: int) -> None:
    """Reject a message over ``limit`` bytes, naming its largest field."""
    size = message.ByteSize()
    if size <= limit:
        return
    raise InvalidRequest(
        _largest_field(message, ""), f"request is {size} bytes, over the {limit}-byte limit"
    )


def _largest_field(message: Message, prefix: str) -> str:
    best_name, best_size = prefix.rstrip(".") or "request", -1
    for descriptor, value in message.ListFields():
        name = f"{prefix}{descriptor.name}"
        if isinstance(value, Message):
            size = value.ByteSize()
            if size > best_size:
                best_name, best_size = _largest_field(value, name + "."), size
        else:
            size = len(value.encode()) if isinstance(value, str) else 8
            if size > best_size:
                best_name, best_size = name, size
    return best_name


def _device(msg: pb.Device) -> Device:
    return Device(
        ip=_opt(msg.ip),
        user_agent=_opt(msg.user_agent),
        device_id=_opt(msg.device_id),
        accept_language=_opt(msg.accept_language),
        timezone=_opt(msg.timezone),
    )


def _funding(value: int) -> CardFunding | None:
    if value == pb.CARD_FUNDING_UNSPECIFIED:
        return None
    try:
        return CardFunding(value)
    except ValueError:  # a number this server's proto does not know: treat as unknown
        return CardFunding.UNKNOWN


def signup_event(request: pb.ScoreSignupRequest) -> SignupEvent:
    """Domain event of a ScoreSignup request."""
    payment = None
    if request.HasField("payment"):
        p = request.payment
        payment = Payment(
            card_bin=_opt(p.card_bin),
            card_last4=_opt(p.card_last4),
            card_fingerprint=_opt(p.card_fingerprint),
            card_country=_opt(p.card_country),
            card_funding=_funding(p.card_funding),
            billing_country=_opt(p.billing_country),
            billing_postal_code=_opt(p.billing_postal_code),
        )
    behavior = request.behavior
    return SignupEvent(
        event_id=request.event_id,
        account_id=request.account_id,
        occurred_at=_timestamp(request, "occurred_at"),
        identity=Identity(
            email=_opt(request.identity.email),
            phone=_opt(request.identity.phone),
            full_name=_opt(request.identity.full_name),
        ),
        device=_device(request.device),
        payment=payment,
        behavior=Behavior(
            form_fill_ms=behavior.form_fill_ms if behavior.HasField("form_fill_ms") else None
        ),
    )


def api_key_event(request: pb.ScoreApiKeyCreationRequest) -> ApiKeyEvent:
    """Domain event of a ScoreApiKeyCreation request."""
    return ApiKeyEvent(
        event_id=request.event_id,
        account_id=request.account_id,
        occurred_at=_timestamp(request, "occurred_at"),
        device=_device(request.device),
        key_name=_opt(request.key_name),
    )


def outcome_args(request: pb.ReportOutcomeRequest) -> tuple[str, Label, str, float | None, str]:
    """(account_id, label, source, occurred_at, idempotency_key) of a ReportOutcome request."""
    try:
        label = Label(request.label)
    except ValueError:
        raise InvalidRequest("label", "must be LABEL_FRAUD or LABEL_LEGITIMATE") from None
    return (
        request.account_id,
        label,
        request.source,
        _timestamp(request, "occurred_at"),
        request.idempotency_key,
    )


def decision_message(decision: Decision) -> pb.Decision:
    """Protobuf form of a decision."""
    return pb.Decision(
        decision_id=decision.decision_id,
        event_id=decision.event_id,
        action=cast("pb.Action", int(decision.action)),
        score=decision.score,
        reasons=[
            pb.Reason(code=r.code, message=r.message, weight=r.weight) for r in decision.reasons
        ],
        model_version=decision.model_version,
        degraded=decision.degraded,
        case_id=decision.case_id,
    )
