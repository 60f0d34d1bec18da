import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CardFunding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_FUNDING_UNSPECIFIED: _ClassVar[CardFunding]
    CARD_FUNDING_CREDIT: _ClassVar[CardFunding]
    CARD_FUNDING_DEBIT: _ClassVar[CardFunding]
    CARD_FUNDING_PREPAID: _ClassVar[CardFunding]
    CARD_FUNDING_UNKNOWN: _ClassVar[CardFunding]

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_ALLOW: _ClassVar[Action]
    ACTION_CHALLENGE: _ClassVar[Action]
    ACTION_REVIEW: _ClassVar[Action]
    ACTION_BLOCK: _ClassVar[Action]

class Label(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_UNSPECIFIED: _ClassVar[Label]
    LABEL_FRAUD: _ClassVar[Label]
    LABEL_LEGITIMATE: _ClassVar[Label]
CARD_FUNDING_UNSPECIFIED: CardFunding
CARD_FUNDING_CREDIT: CardFunding
CARD_FUNDING_DEBIT: CardFunding
CARD_FUNDING_PREPAID: CardFunding
CARD_FUNDING_UNKNOWN: CardFunding
ACTION_UNSPECIFIED: Action
ACTION_ALLOW: Action
ACTION_CHALLENGE: Action
ACTION_REVIEW: Action
ACTION_BLOCK: Action
LABEL_UNSPECIFIED: Label
LABEL_FRAUD: Label
LABEL_LEGITIMATE: Label

class Identity(_message.Message):
    __slots__ = ("email", "phone", "full_name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone: str
    full_name: str
    def __init__(self, email: _Optional[str] = ..., phone: _Optional[str] = ..., full_name: _Optional[str] = ...) -> None: ...

class Device(_message.Message):
    __slots__ = ("ip", "user_agent", "device_id", "accept_language", "timezone")
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    ip: str
    user_agent: str
    device_id: str
    accept_language: str
    timezone: str
    def __init__(self, ip: _Optional[str] = ..., user_agent: _Optional[str] = ..., device_id: _Optional[str] = ..., accept_language: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("card_bin", "card_last4", "card_fingerprint", "card_country", "card_funding", "billing_country", "billing_postal_code")
    CARD_BIN_FIELD_NUMBER: _ClassVar[int]
    CARD_LAST4_FIELD_NUMBER: _ClassVar[int]
    CARD_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    CARD_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CARD_FUNDING_FIELD_NUMBER: _ClassVar[int]
    BILLING_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    BILLING_POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    card_bin: str
    card_last4: str
    card_fingerprint: str
    card_country: str
    card_funding: CardFunding
    billing_country: str
    billing_postal_code: str
    def __init__(self, card_bin: _Optional[str] = ..., card_last4: _Optional[str] = ..., card_fingerprint: _Optional[str] = ..., card_country: _Optional[str] = ..., card_funding: _Optional[_Union[CardFunding, str]] = ..., billing_country: _Optional[str] = ..., billing_postal_code: _Optional[str] = ...) -> None: ...

class Behavior(_message.Message):
    __slots__ = ("form_fill_ms",)
    FORM_FILL_MS_FIELD_NUMBER: _ClassVar[int]
    form_fill_ms: int
    def __init__(self, form_fill_ms: _Optional[int] = ...) -> None: ...

class ScoreSignupRequest(_message.Message):
    __slots__ = ("event_id", "account_id", "occurred_at", "identity", "device", "payment", "behavior")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    account_id: str
    occurred_at: _timestamp_pb2.Timestamp
    identity: Identity
    device: Device
    payment: Payment
    behavior: Behavior
    def __init__(self, event_id: _Optional[str] = ..., account_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., identity: _Optional[_Union[Identity, _Mapping]] = ..., device: _Optional[_Union[Device, _Mapping]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ..., behavior: _Optional[_Union[Behavior, _Mapping]] = ...) -> None: ...

class ScoreSignupResponse(_message.Message):
    __slots__ = ("decision",)
    DECISION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ...) -> None: ...

class ScoreApiKeyCreationRequest(_message.Message):
    __slots__ = ("event_id", "account_id", "occurred_at", "device", "key_name")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    account_id: str
    occurred_at: _timestamp_pb2.Timestamp
    device: Device
    key_name: str
    def __init__(self, event_id: _Optional[str] = ..., account_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., device: _Optional[_Union[Device, _Mapping]] = ..., key_name: _Optional[str] = ...) -> None: ...

class ScoreApiKeyCreationResponse(_message.Message):
    __slots__ = ("decision",)
    DECISION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ...) -> None: ...

class Reason(_message.Message):
    __slots__ = ("code", "message", "weight")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    weight: float
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("decision_id", "action", "score", "reasons", "model_version", "degraded", "case_id", "event_id")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    action: Action
    score: float
    reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    model_version: str
    degraded: bool
    case_id: str
    event_id: str
    def __init__(self, decision_id: _Optional[str] = ..., action: _Optional[_Union[Action, str]] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., model_version: _Optional[str] = ..., degraded: _Optional[bool] = ..., case_id: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class ReportOutcomeRequest(_message.Message):
    __slots__ = ("account_id", "label", "source", "occurred_at", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    label: Label
    source: str
    occurred_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., label: _Optional[_Union[Label, str]] = ..., source: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReportOutcomeResponse(_message.Message):
    __slots__ = ("outcome_id",)
    OUTCOME_ID_FIELD_NUMBER: _ClassVar[int]
    outcome_id: str
    def __init__(self, outcome_id: _Optional[str] = ...) -> None: ...
