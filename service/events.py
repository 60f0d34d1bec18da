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

Bad input is reported, never a traceback: a field that cannot be used raises
:class:`FieldError` naming it (``event.payment.card_funding``), and :func:`read_stream` turns
that, and undecodable JSON, into :class:`InputError` with the file and line. Obvious
spellings are accepted: enum values in any case, with or without their prefix (``credit``,
``CREDIT``, ``CARD_FUNDING_CREDIT``), and the event type and truth label in any case.
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

_FUNDING_NAMES = {
    **{f"CARD_FUNDING_{f.name}": f for f in CardFunding},
    **{f.name: f for f in CardFunding},
}


class FieldError(ValueError):
    """A field of one record cannot be used; ``field`` is its dotted path in the JSON line."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[FieldError], tuple[str, str]]:
        return FieldError, (self.field, self.message)  # picklable: crosses process pools


class InputError(Exception):
    """Bad input in a file: where (file, line, field) and what; the CLI exits 2 with it."""

    def __init__(self, path: Path | str, line: int | None, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = str(path), line, field, message
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, int | None, str, str]]:
        return InputError, (self.path, self.line, self.field, self.message)  # process pools


def _object(data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FieldError(f"{where}{name}", f"must be an object, got {value!r}")
    return value


def _required(data: Mapping[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if value is None or value == "":
        raise FieldError(f"{where}{name}", "is required")
    return str(value)


def _funding(raw: object) -> CardFunding | None:
    if raw in (None, "", "CARD_FUNDING_UNSPECIFIED", 0):
        return None
    found: CardFunding | None
    if isinstance(raw, int) and not isinstance(raw, bool):
        found = next((f for f in CardFunding if f.value == raw), None)
    else:
        found = _FUNDING_NAMES.get(str(raw).strip().upper())
    if found is None:
        choices = ", ".join(f.name.lower() for f in CardFunding)
        raise FieldError("event.payment.card_funding", f"unknown value {raw!r}; use {choices}")
    return found


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


def _device(data: Mapping[str, Any]) -> Device:
    d = _object(data, "device", "event.")
    return Device(
        ip=_s(d, "ip"),
        user_agent=_s(d, "user_agent"),
        device_id=_s(d, "device_id"),
        accept_language=_s(d, "accept_language"),
        timezone=_s(d, "timezone"),
    )


def _payment(event: Mapping[str, Any]) -> Payment | None:
    data = _object(event, "payment", "event.")
    if not data:
        return None
    funding = _funding(data.get("card_funding"))
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
    """Build a domain event from its JSON form (``kind`` is "signup" or "api_key").

    Raises :class:`FieldError` naming the first field it cannot use.
    """
    try:
        occurred = parse_timestamp(data.get("occurred_at"))
    except (ValueError, TypeError):
        raise FieldError(
            "event.occurred_at", f"not an RFC 3339 time: {data.get('occurred_at')!r}"
        ) from None
    kind = str(kind).strip().lower()
    if kind == EventType.SIGNUP:
        ident = _object(data, "identity", "event.")
        behavior = _object(data, "behavior", "event.")
        fill = behavior.get("form_fill_ms")
        try:
            fill_ms = None if fill in (None, "") else int(fill)
        except (ValueError, TypeError):
            raise FieldError("event.behavior.form_fill_ms", f"not an integer: {fill!r}") from None
        return SignupEvent(
            event_id=_required(data, "event_id", "event."),
            account_id=_required(data, "account_id", "event."),
            occurred_at=occurred,
            identity=Identity(
                email=_s(ident, "email"),
                phone=_s(ident, "phone"),
                full_name=_s(ident, "full_name"),
            ),
            device=_device(data),
            payment=_payment(data),
            behavior=Behavior(form_fill_ms=fill_ms),
        )
    if kind == EventType.API_KEY:
        return ApiKeyEvent(
            event_id=_required(data, "event_id", "event."),
            account_id=_required(data, "account_id", "event."),
            occurred_at=occurred,
            device=_device(data),
            key_name=_s(data, "key_name"),
        )
    raise FieldError("type", f"unknown event type {kind!r}; use signup or api_key")


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
    """Parse one stream line (already JSON-decoded); FieldError names a field it cannot use."""
    if not isinstance(line, Mapping):
        raise FieldError("line", "must be a JSON object")
    truth_raw = _object(line, "truth", "")
    truth = None
    if truth_raw:
        label = _required(truth_raw, "label", "truth.").strip().lower()
        if label not in ("fraud", "legitimate"):
            raise FieldError("truth.label", f"unknown value {label!r}; use fraud or legitimate")
        truth = Truth(
            label=label,
            cohort=_required(truth_raw, "cohort", "truth."),
            campaign_id=truth_raw.get("campaign_id"),
        )
    event = line.get("event")
    if not isinstance(event, Mapping):
        raise FieldError("event", "is required and must be an object")
    return StreamRecord(event=event_from_dict(_required(line, "type", ""), event), truth=truth)


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
    """Yield the records of a JSON-lines stream file, in file order.

    Raises :class:`InputError` (file, line, field) at the first line it cannot use.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield record_from_dict(json.loads(raw))
                except json.JSONDecodeError as exc:
                    raise InputError(path, number, "", f"not JSON: {exc.msg}") from None
                except FieldError as exc:
                    raise InputError(path, number, exc.field, exc.message) from None
    except UnicodeDecodeError as exc:
        raise InputError(path, None, "", f"not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise InputError(path, None, "", f"cannot read: {exc.strerror or exc}") from None


def write_stream(records: Iterable[StreamRecord], out: TextIO) -> int:
    """Write records as JSON lines; returns how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(record_to_dict(record), separators=(",", ":")))
        out.write("\n")
        count += 1
    return count
