"""JSON form of events: the simulator's stream, the ``score`` command's input, the dataset builder.

The JSON shape is the protobuf JSON mapping of the request messages with the proto field names
(snake_case), so one file works both here and with ``google.protobuf.json_format``::

    {"type": "signup",
     "event": {"event_id": "e1", "account_id": "a1", "occurred_at": "2026-03-01T12:00:00Z",
               "identity": {"email": "...", "phone": "...", "full_name": "..."},
               "device": {"ip": "...", "user_agent": "...", "device_id": "...",
                          "accept_language": "...", "timezone": "..."},
               "payment": {"card_bin": "...", "card_funding": "CARD_FUNDING_PREPAID", ...},
               "behavior": {"form_fill_ms": 5300}},
     "truth": {"label": "fraud", "cohort": "dc_burst", "campaign_id": "c1"}}

``truth`` is only present in simulated streams; the service never reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from service.domain import (
    ApiKeyEvent,
    Behavior,
    CardFunding,
    Device,
    Event,
    EventType,
    Identity,
    Payment,
    SignupEvent,
)

_FUNDING_NAMES = {f"CARD_FUNDING_{f.name}": f for f in CardFunding}


@dataclass(frozen=True, slots=True)
class Truth:
    """Ground truth attached to a simulated event."""

    label: str  # "fraud" or "legitimate"
    cohort: str
    campaign_id: str | None = None


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """One line of an event stream."""

    event: Event
    truth: Truth | None = None


def parse_timestamp(value: str | float | int | None) -> float | None:
    """RFC 3339 string (or epoch seconds) to epoch seconds; ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_timestamp(epoch: float) -> str:
    """Epoch seconds to an RFC 3339 UTC string with microseconds when needed."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _s(section: Mapping[str, Any], name: str) -> str | None:
    value = section.get(name)
    if value is None or value == "":
        return None
    return str(value)


def _device(data: Mapping[str, Any] | None) -> Device:
    d = data or {}
    return Device(
        ip=_s(d, "ip"),
        user_agent=_s(d, "user_agent"),
        device_id=_s(d, "device_id"),
        accept_language=_s(d, "accept_language"),
        timezone=_s(d, "timezone"),
    )


def _payment(data: Mapping[str, Any] | None) -> Payment | None:
    if not data:
        return None
    funding_raw = data.get("card_funding")
    funding: CardFunding | None
    if funding_raw in (None, "", "CARD_FUNDING_UNSPECIFIED", 0):
        funding = None
    elif isinstance(funding_raw, int):
        funding = CardFunding(funding_raw)
    else:
        funding = _FUNDING_NAMES[str(funding_raw)]
    return Payment(
        card_bin=_s(data, "card_bin"),
        card_last4=_s(data, "card_last4"),
        card_fingerprint=_s(data, "card_fingerprint"),
        card_country=_s(data, "card_country"),
        card_funding=funding,
        billing_country=_s(data, "billing_country"),
        billing_postal_code=_s(data, "billing_postal_code"),
    )


def event_from_dict(kind: str, data: Mapping[str, Any]) -> Event:
    """Build a domain event from its JSON form (``kind`` is "signup" or "api_key")."""
    occurred = parse_timestamp(data.get("occurred_at"))
    if kind == EventType.SIGNUP:
        ident = data.get("identity") or {}
        behavior = data.get("behavior") or {}
        fill = behavior.get("form_fill_ms")
        return SignupEvent(
            event_id=str(data["event_id"]),
            account_id=str(data["account_id"]),
            occurred_at=occurred,
            identity=Identity(
                email=_s(ident, "email"),
                phone=_s(ident, "phone"),
                full_name=_s(ident, "full_name"),
            ),
            device=_device(data.get("device")),
            payment=_payment(data.get("payment")),
            behavior=Behavior(form_fill_ms=None if fill in (None, "") else int(fill)),
        )
    if kind == EventType.API_KEY:
        return ApiKeyEvent(
            event_id=str(data["event_id"]),
            account_id=str(data["account_id"]),
            occurred_at=occurred,
            device=_device(data.get("device")),
            key_name=_s(data, "key_name"),
        )
    raise ValueError(f"unknown event type {kind!r}")


def _drop_empty(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != {}}


def _device_dict(device: Device) -> dict[str, Any]:
    return _drop_empty(
        {
            "ip": device.ip,
            "user_agent": device.user_agent,
            "device_id": device.device_id,
            "accept_language": device.accept_language,
            "timezone": device.timezone,
        }
    )


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON form of a domain event (inverse of :func:`event_from_dict`)."""
    out: dict[str, Any] = {"event_id": event.event_id, "account_id": event.account_id}
    if event.occurred_at is not None:
        out["occurred_at"] = format_timestamp(event.occurred_at)
    out["device"] = _device_dict(event.device)
    if isinstance(event, SignupEvent):
        ident = event.identity
        out["identity"] = _drop_empty(
            {"email": ident.email, "phone": ident.phone, "full_name": ident.full_name}
        )
        if event.payment is not None:
            p = event.payment
            out["payment"] = _drop_empty(
                {
                    "card_bin": p.card_bin,
                    "card_last4": p.card_last4,
                    "card_fingerprint": p.card_fingerprint,
                    "card_country": p.card_country,
                    "card_funding": None
                    if p.card_funding is None
                    else f"CARD_FUNDING_{p.card_funding.name}",
                    "billing_country": p.billing_country,
                    "billing_postal_code": p.billing_postal_code,
                }
            )
        if event.behavior.form_fill_ms is not None:
            out["behavior"] = {"form_fill_ms": event.behavior.form_fill_ms}
    elif event.key_name is not None:
        out["key_name"] = event.key_name
    return _drop_empty(out)


def record_from_dict(line: Mapping[str, Any]) -> StreamRecord:
    """Parse one stream line (already JSON-decoded)."""
    truth_raw = line.get("truth")
    truth = None
    if truth_raw:
        truth = Truth(
            label=str(truth_raw["label"]),
            cohort=str(truth_raw["cohort"]),
            campaign_id=truth_raw.get("campaign_id"),
        )
    return StreamRecord(event=event_from_dict(str(line["type"]), line["event"]), truth=truth)


def record_to_dict(record: StreamRecord) -> dict[str, Any]:
    """The JSON form of one stream line."""
    out: dict[str, Any] = {
        "type": str(record.event.event_type),
        "event": event_to_dict(record.event),
    }
    if record.truth is not None:
        out["truth"] = _drop_empty(
            {
                "label": record.truth.label,
                "cohort": record.truth.cohort,
                "campaign_id": record.truth.campaign_id,
            }
        )
    return out


def read_stream(path: Path) -> Iterator[StreamRecord]:
    """Yield the records of a JSON-lines stream file, in file order."""
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            if raw.strip():
                yield record_from_dict(json.loads(raw))


def write_stream(records: Iterable[StreamRecord], out: TextIO) -> int:
    """Write records as JSON lines; returns how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(record_to_dict(record), separators=(",", ":")))
        out.write("\n")
        count += 1
    return count
