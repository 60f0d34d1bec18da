import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_FRAUD: _ClassVar[Verdict]
    VERDICT_LEGITIMATE: _ClassVar[Verdict]

class CaseState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATE_UNSPECIFIED: _ClassVar[CaseState]
    CASE_STATE_OPEN: _ClassVar[CaseState]
    CASE_STATE_CLAIMED: _ClassVar[CaseState]
    CASE_STATE_RESOLVED: _ClassVar[CaseState]

class DecisionAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_ACTION_UNSPECIFIED: _ClassVar[DecisionAction]
    DECISION_ACTION_ALLOW: _ClassVar[DecisionAction]
    DECISION_ACTION_CHALLENGE: _ClassVar[DecisionAction]
    DECISION_ACTION_REVIEW: _ClassVar[DecisionAction]
    DECISION_ACTION_BLOCK: _ClassVar[DecisionAction]

class CampaignOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_ORDER_UNSPECIFIED: _ClassVar[CampaignOrder]
    CAMPAIGN_ORDER_SIZE: _ClassVar[CampaignOrder]
    CAMPAIGN_ORDER_RISK: _ClassVar[CampaignOrder]
VERDICT_UNSPECIFIED: Verdict
VERDICT_FRAUD: Verdict
VERDICT_LEGITIMATE: Verdict
CASE_STATE_UNSPECIFIED: CaseState
CASE_STATE_OPEN: CaseState
CASE_STATE_CLAIMED: CaseState
CASE_STATE_RESOLVED: CaseState
DECISION_ACTION_UNSPECIFIED: DecisionAction
DECISION_ACTION_ALLOW: DecisionAction
DECISION_ACTION_CHALLENGE: DecisionAction
DECISION_ACTION_REVIEW: DecisionAction
DECISION_ACTION_BLOCK: DecisionAction
CAMPAIGN_ORDER_UNSPECIFIED: CampaignOrder
CAMPAIGN_ORDER_SIZE: CampaignOrder
CAMPAIGN_ORDER_RISK: CampaignOrder

class Case(_message.Message):
    __slots__ = ("case_id", "account_id", "state", "verdict", "max_score", "max_action", "events", "opened_at", "last_event_at", "claimed_by", "claim_expires_at", "resolved_by", "resolved_at", "note", "campaign_id", "campaign_size", "priority")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_ACTION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_AT_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_BY_FIELD_NUMBER: _ClassVar[int]
    CLAIM_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_SIZE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    account_id: str
    state: CaseState
    verdict: Verdict
    max_score: float
    max_action: DecisionAction
    events: int
    opened_at: _timestamp_pb2.Timestamp
    last_event_at: _timestamp_pb2.Timestamp
    claimed_by: str
    claim_expires_at: _timestamp_pb2.Timestamp
    resolved_by: str
    resolved_at: _timestamp_pb2.Timestamp
    note: str
    campaign_id: str
    campaign_size: int
    priority: float
    def __init__(self, case_id: _Optional[str] = ..., account_id: _Optional[str] = ..., state: _Optional[_Union[CaseState, str]] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., max_score: _Optional[float] = ..., max_action: _Optional[_Union[DecisionAction, str]] = ..., events: _Optional[int] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_event_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., claimed_by: _Optional[str] = ..., claim_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., campaign_id: _Optional[str] = ..., campaign_size: _Optional[int] = ..., priority: _Optional[float] = ...) -> None: ...

class CaseReason(_message.Message):
    __slots__ = ("code", "message", "weight")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    weight: float
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class MaskedSignals(_message.Message):
    __slots__ = ("email", "phone", "ip", "card")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone: str
    ip: str
    card: str
    def __init__(self, email: _Optional[str] = ..., phone: _Optional[str] = ..., ip: _Optional[str] = ..., card: _Optional[str] = ...) -> None: ...

class CaseEvent(_message.Message):
    __slots__ = ("decision_id", "event_id", "event_type", "occurred_at", "score", "action", "reasons", "model_version", "signals")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    event_id: str
    event_type: str
    occurred_at: _timestamp_pb2.Timestamp
    score: float
    action: DecisionAction
    reasons: _containers.RepeatedCompositeFieldContainer[CaseReason]
    model_version: str
    signals: MaskedSignals
    def __init__(self, decision_id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ..., action: _Optional[_Union[DecisionAction, str]] = ..., reasons: _Optional[_Iterable[_Union[CaseReason, _Mapping]]] = ..., model_version: _Optional[str] = ..., signals: _Optional[_Union[MaskedSignals, _Mapping]] = ...) -> None: ...

class LinkedAccount(_message.Message):
    __slots__ = ("account_id", "shared", "score", "action", "verdict")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    shared: _containers.RepeatedScalarFieldContainer[str]
    score: float
    action: DecisionAction
    verdict: Verdict
    def __init__(self, account_id: _Optional[str] = ..., shared: _Optional[_Iterable[str]] = ..., score: _Optional[float] = ..., action: _Optional[_Union[DecisionAction, str]] = ..., verdict: _Optional[_Union[Verdict, str]] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("audit_id", "at", "reviewer", "change", "case_id", "account_id", "campaign_id", "action_id", "verdict", "previous_verdict", "note")
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERDICT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    audit_id: int
    at: _timestamp_pb2.Timestamp
    reviewer: str
    change: str
    case_id: str
    account_id: str
    campaign_id: str
    action_id: str
    verdict: Verdict
    previous_verdict: Verdict
    note: str
    def __init__(self, audit_id: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewer: _Optional[str] = ..., change: _Optional[str] = ..., case_id: _Optional[str] = ..., account_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., action_id: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., previous_verdict: _Optional[_Union[Verdict, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("state", "action", "event_type", "min_score", "max_score", "campaign_id", "opened_after", "opened_before", "page_size", "page_token")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    OPENED_AFTER_FIELD_NUMBER: _ClassVar[int]
    OPENED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    state: CaseState
    action: DecisionAction
    event_type: str
    min_score: float
    max_score: float
    campaign_id: str
    opened_after: _timestamp_pb2.Timestamp
    opened_before: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, state: _Optional[_Union[CaseState, str]] = ..., action: _Optional[_Union[DecisionAction, str]] = ..., event_type: _Optional[str] = ..., min_score: _Optional[float] = ..., max_score: _Optional[float] = ..., campaign_id: _Optional[str] = ..., opened_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opened_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case", "events", "linked_accounts", "audit")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LINKED_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_FIELD_NUMBER: _ClassVar[int]
    case: Case
    events: _containers.RepeatedCompositeFieldContainer[CaseEvent]
    linked_accounts: _containers.RepeatedCompositeFieldContainer[LinkedAccount]
    audit: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., events: _Optional[_Iterable[_Union[CaseEvent, _Mapping]]] = ..., linked_accounts: _Optional[_Iterable[_Union[LinkedAccount, _Mapping]]] = ..., audit: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class ClaimCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class ClaimCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ResolveCaseRequest(_message.Message):
    __slots__ = ("case_id", "verdict", "note")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    verdict: Verdict
    note: str
    def __init__(self, case_id: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("campaign_id", "size", "cases", "open_cases", "max_score", "first_seen_at", "last_seen_at")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    size: int
    cases: int
    open_cases: int
    max_score: float
    first_seen_at: _timestamp_pb2.Timestamp
    last_seen_at: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., size: _Optional[int] = ..., cases: _Optional[int] = ..., open_cases: _Optional[int] = ..., max_score: _Optional[float] = ..., first_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("order_by", "min_size", "page_size", "page_token")
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    MIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    order_by: CampaignOrder
    min_size: int
    page_size: int
    page_token: str
    def __init__(self, order_by: _Optional[_Union[CampaignOrder, str]] = ..., min_size: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[Campaign]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[Campaign, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "sample_size")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    sample_size: int
    def __init__(self, campaign_id: _Optional[str] = ..., sample_size: _Optional[int] = ...) -> None: ...

class Count(_message.Message):
    __slots__ = ("name", "count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    count: int
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class TimelineBucket(_message.Message):
    __slots__ = ("hour", "signups", "api_keys")
    HOUR_FIELD_NUMBER: _ClassVar[int]
    SIGNUPS_FIELD_NUMBER: _ClassVar[int]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    hour: _timestamp_pb2.Timestamp
    signups: int
    api_keys: int
    def __init__(self, hour: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signups: _Optional[int] = ..., api_keys: _Optional[int] = ...) -> None: ...

class CampaignMember(_message.Message):
    __slots__ = ("account_id", "score", "action", "verdict", "case_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    score: float
    action: DecisionAction
    verdict: Verdict
    case_id: str
    def __init__(self, account_id: _Optional[str] = ..., score: _Optional[float] = ..., action: _Optional[_Union[DecisionAction, str]] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., case_id: _Optional[str] = ...) -> None: ...

class GetCampaignResponse(_message.Message):
    __slots__ = ("campaign", "members_by_action", "members_by_verdict", "shared_identifiers", "timeline", "sample")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_BY_ACTION_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_BY_VERDICT_FIELD_NUMBER: _ClassVar[int]
    SHARED_IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    members_by_action: _containers.RepeatedCompositeFieldContainer[Count]
    members_by_verdict: _containers.RepeatedCompositeFieldContainer[Count]
    shared_identifiers: _containers.RepeatedCompositeFieldContainer[Count]
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineBucket]
    sample: _containers.RepeatedCompositeFieldContainer[CampaignMember]
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ..., members_by_action: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., members_by_verdict: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., shared_identifiers: _Optional[_Iterable[_Union[Count, _Mapping]]] = ..., timeline: _Optional[_Iterable[_Union[TimelineBucket, _Mapping]]] = ..., sample: _Optional[_Iterable[_Union[CampaignMember, _Mapping]]] = ...) -> None: ...

class PreviewCampaignVerdictRequest(_message.Message):
    __slots__ = ("campaign_id", "verdict")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    verdict: Verdict
    def __init__(self, campaign_id: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ...) -> None: ...

class PreviewCampaignVerdictResponse(_message.Message):
    __slots__ = ("accounts", "already_resolved", "would_change", "open_cases")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    ALREADY_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    WOULD_CHANGE_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    accounts: int
    already_resolved: int
    would_change: int
    open_cases: int
    def __init__(self, accounts: _Optional[int] = ..., already_resolved: _Optional[int] = ..., would_change: _Optional[int] = ..., open_cases: _Optional[int] = ...) -> None: ...

class ResolveCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "verdict", "note")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    verdict: Verdict
    note: str
    def __init__(self, campaign_id: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveCampaignResponse(_message.Message):
    __slots__ = ("action_id", "accounts", "changed", "cases_resolved")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    CASES_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    accounts: int
    changed: int
    cases_resolved: int
    def __init__(self, action_id: _Optional[str] = ..., accounts: _Optional[int] = ..., changed: _Optional[int] = ..., cases_resolved: _Optional[int] = ...) -> None: ...

class UndoCampaignVerdictRequest(_message.Message):
    __slots__ = ("action_id", "note")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    note: str
    def __init__(self, action_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class UndoCampaignVerdictResponse(_message.Message):
    __slots__ = ("action_id", "reverted", "already_undone")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REVERTED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_UNDONE_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    reverted: int
    already_undone: bool
    def __init__(self, action_id: _Optional[str] = ..., reverted: _Optional[int] = ..., already_undone: _Optional[bool] = ...) -> None: ...
