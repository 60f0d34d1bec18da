from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_STATE_UNSPECIFIED: _ClassVar[RuleState]
    RULE_STATE_DRAFT: _ClassVar[RuleState]
    RULE_STATE_SHADOW: _ClassVar[RuleState]
    RULE_STATE_LIVE: _ClassVar[RuleState]
    RULE_STATE_DISABLED: _ClassVar[RuleState]

class RuleAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_ACTION_UNSPECIFIED: _ClassVar[RuleAction]
    RULE_ACTION_ALLOW: _ClassVar[RuleAction]
    RULE_ACTION_CHALLENGE: _ClassVar[RuleAction]
    RULE_ACTION_REVIEW: _ClassVar[RuleAction]
    RULE_ACTION_BLOCK: _ClassVar[RuleAction]
    RULE_ACTION_TAG: _ClassVar[RuleAction]
RULE_STATE_UNSPECIFIED: RuleState
RULE_STATE_DRAFT: RuleState
RULE_STATE_SHADOW: RuleState
RULE_STATE_LIVE: RuleState
RULE_STATE_DISABLED: RuleState
RULE_ACTION_UNSPECIFIED: RuleAction
RULE_ACTION_ALLOW: RuleAction
RULE_ACTION_CHALLENGE: RuleAction
RULE_ACTION_REVIEW: RuleAction
RULE_ACTION_BLOCK: RuleAction
RULE_ACTION_TAG: RuleAction

class Rule(_message.Message):
    __slots__ = ("rule_id", "version", "event_type", "description", "condition", "action", "reason_code", "message", "state", "expires_at", "author", "created_at")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    version: int
    event_type: str
    description: str
    condition: str
    action: RuleAction
    reason_code: str
    message: str
    state: RuleState
    expires_at: float
    author: str
    created_at: float
    def __init__(self, rule_id: _Optional[str] = ..., version: _Optional[int] = ..., event_type: _Optional[str] = ..., description: _Optional[str] = ..., condition: _Optional[str] = ..., action: _Optional[_Union[RuleAction, str]] = ..., reason_code: _Optional[str] = ..., message: _Optional[str] = ..., state: _Optional[_Union[RuleState, str]] = ..., expires_at: _Optional[float] = ..., author: _Optional[str] = ..., created_at: _Optional[float] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("event_type",)
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    event_type: str
    def __init__(self, event_type: _Optional[str] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    def __init__(self, rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ...) -> None: ...

class GetRuleRequest(_message.Message):
    __slots__ = ("rule_id", "version")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    version: int
    def __init__(self, rule_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class ValidateRuleRequest(_message.Message):
    __slots__ = ("condition", "event_type")
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    condition: str
    event_type: str
    def __init__(self, condition: _Optional[str] = ..., event_type: _Optional[str] = ...) -> None: ...

class ConditionError(_message.Message):
    __slots__ = ("line", "column", "message")
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    line: int
    column: int
    message: str
    def __init__(self, line: _Optional[int] = ..., column: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ValidateRuleResponse(_message.Message):
    __slots__ = ("valid", "error", "names")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    error: ConditionError
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, valid: _Optional[bool] = ..., error: _Optional[_Union[ConditionError, _Mapping]] = ..., names: _Optional[_Iterable[str]] = ...) -> None: ...

class SaveRuleRequest(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class SaveRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class SetRuleStateRequest(_message.Message):
    __slots__ = ("rule_id", "state")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    state: RuleState
    def __init__(self, rule_id: _Optional[str] = ..., state: _Optional[_Union[RuleState, str]] = ...) -> None: ...

class SetRuleStateResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class BacktestRuleRequest(_message.Message):
    __slots__ = ("rule_id", "condition", "event_type", "since", "until")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    condition: str
    event_type: str
    since: float
    until: float
    def __init__(self, rule_id: _Optional[str] = ..., condition: _Optional[str] = ..., event_type: _Optional[str] = ..., since: _Optional[float] = ..., until: _Optional[float] = ...) -> None: ...

class BacktestRuleResponse(_message.Message):
    __slots__ = ("decisions_scanned", "matched_events", "matched_accounts", "fraud", "legitimate", "unknown", "precision", "allowed_legitimate_accounts_stopped", "allowed_fraud_accounts_stopped", "report_json")
    DECISIONS_SCANNED_FIELD_NUMBER: _ClassVar[int]
    MATCHED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    FRAUD_FIELD_NUMBER: _ClassVar[int]
    LEGITIMATE_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_LEGITIMATE_ACCOUNTS_STOPPED_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FRAUD_ACCOUNTS_STOPPED_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    decisions_scanned: int
    matched_events: int
    matched_accounts: int
    fraud: int
    legitimate: int
    unknown: int
    precision: float
    allowed_legitimate_accounts_stopped: int
    allowed_fraud_accounts_stopped: int
    report_json: str
    def __init__(self, decisions_scanned: _Optional[int] = ..., matched_events: _Optional[int] = ..., matched_accounts: _Optional[int] = ..., fraud: _Optional[int] = ..., legitimate: _Optional[int] = ..., unknown: _Optional[int] = ..., precision: _Optional[float] = ..., allowed_legitimate_accounts_stopped: _Optional[int] = ..., allowed_fraud_accounts_stopped: _Optional[int] = ..., report_json: _Optional[str] = ...) -> None: ...
