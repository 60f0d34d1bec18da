"""RulesService servicer: converts, calls :class:`service.rules.core.RulesCore`, converts back.

Authentication happens before (``service.api.auth``); the caller's identity is the author of
what it saves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import grpc

from service.api.auth import current_principal
from service.api.gen.signupguard.v1 import rules_pb2 as pb
from service.api.gen.signupguard.v1 import rules_pb2_grpc as pb_grpc
from service.api.status import to_status
from service.domain import EventType
from service.errors import InvalidCondition, InvalidRequest, NotReady, SignupGuardError
from service.rules.core import RulesCore
from service.rules.model import Rule, RuleAction, RuleSpec, RuleState

T = TypeVar("T")

_STATES = {
    RuleState.DRAFT: pb.RULE_STATE_DRAFT,
    RuleState.SHADOW: pb.RULE_STATE_SHADOW,
    RuleState.LIVE: pb.RULE_STATE_LIVE,
    RuleState.DISABLED: pb.RULE_STATE_DISABLED,
}
_ACTIONS = {
    RuleAction.ALLOW: pb.RULE_ACTION_ALLOW,
    RuleAction.CHALLENGE: pb.RULE_ACTION_CHALLENGE,
    RuleAction.REVIEW: pb.RULE_ACTION_REVIEW,
    RuleAction.BLOCK: pb.RULE_ACTION_BLOCK,
    RuleAction.TAG: pb.RULE_ACTION_TAG,
}
_STATE_OF = {v: k for k, v in _STATES.items()}
_ACTION_OF = {v: k for k, v in _ACTIONS.items()}


def _event_type(value: str, field: str) -> EventType:
    try:
        return EventType(value)
    except ValueError:
        raise InvalidRequest(field, "must be signup or api_key") from None


def _required(field: str, value: str) -> None:
    if not value:
        raise InvalidRequest(field, "is required")


def rule_to_pb(rule: Rule) -> pb.Rule:
    """The protobuf form of a stored rule."""
    s = rule.spec
    return pb.Rule(
        rule_id=s.rule_id,
        version=rule.version,
        event_type=s.event_type.value,
        description=s.description,
        condition=s.condition,
        action=_ACTIONS[s.action],
        reason_code=s.reason_code,
        message=s.message,
        state=_STATES[s.state],
        expires_at=s.expires_at or 0.0,
        author=rule.author,
        created_at=rule.created_at,
    )


def spec_from_pb(msg: pb.Rule) -> RuleSpec:
    """The domain spec of a rule message (version, author and time are the store's)."""
    if msg.action not in _ACTION_OF:
        raise InvalidRequest("rule.action", "is required")
    return RuleSpec(
        rule_id=msg.rule_id,
        event_type=_event_type(msg.event_type, "rule.event_type"),
        condition=msg.condition,
        action=_ACTION_OF[msg.action],
        reason_code=msg.reason_code,
        description=msg.description,
        message=msg.message,
        state=_STATE_OF.get(msg.state, RuleState.DRAFT),
        expires_at=msg.expires_at or None,
    )


class RulesServicer(pb_grpc.RulesServiceServicer):  # type: ignore[misc]  # generated base is untyped
    """Thin gRPC front of :class:`RulesCore`."""

    def __init__(self) -> None:
        self._core: RulesCore | None = None

    def attach(self, core: RulesCore) -> None:
        """Answer with this core."""
        self._core = core

    def _call(self, context: grpc.ServicerContext, work: Callable[[RulesCore], T]) -> T:
        try:
            if self._core is None:
                raise NotReady("the rules store is not open yet")
            return work(self._core)
        except SignupGuardError as exc:
            context.abort_with_status(to_status(exc))
        raise AssertionError("unreachable: abort_with_status raises")  # pragma: no cover

    @staticmethod
    def _author() -> str:
        return current_principal().name

    def ListRules(
        self, request: pb.ListRulesRequest, context: grpc.ServicerContext
    ) -> pb.ListRulesResponse:
        """The newest version of every rule."""

        def work(core: RulesCore) -> pb.ListRulesResponse:
            kind = _event_type(request.event_type, "event_type") if request.event_type else None
            return pb.ListRulesResponse(rules=[rule_to_pb(r) for r in core.rules(kind)])

        return self._call(context, work)

    def GetRule(
        self, request: pb.GetRuleRequest, context: grpc.ServicerContext
    ) -> pb.GetRuleResponse:
        """One version of a rule."""

        def work(core: RulesCore) -> pb.GetRuleResponse:
            _required("rule_id", request.rule_id)
            return pb.GetRuleResponse(rule=rule_to_pb(core.get(request.rule_id, request.version)))

        return self._call(context, work)

    def ValidateRule(
        self, request: pb.ValidateRuleRequest, context: grpc.ServicerContext
    ) -> pb.ValidateRuleResponse:
        """Valid, or where and why not."""

        def work(core: RulesCore) -> pb.ValidateRuleResponse:
            kind = _event_type(request.event_type, "event_type")
            try:
                checked = core.validate(request.condition, kind)
            except InvalidCondition as exc:
                return pb.ValidateRuleResponse(
                    valid=False,
                    error=pb.ConditionError(line=exc.line, column=exc.column, message=exc.message),
                )
            return pb.ValidateRuleResponse(valid=True, names=list(checked.names))

        return self._call(context, work)

    def SaveRule(
        self, request: pb.SaveRuleRequest, context: grpc.ServicerContext
    ) -> pb.SaveRuleResponse:
        """Store the next version."""
        return self._call(
            context,
            lambda core: pb.SaveRuleResponse(
                rule=rule_to_pb(core.save(spec_from_pb(request.rule), self._author()))
            ),
        )

    def SetRuleState(
        self, request: pb.SetRuleStateRequest, context: grpc.ServicerContext
    ) -> pb.SetRuleStateResponse:
        """Move a rule to another state."""

        def work(core: RulesCore) -> pb.SetRuleStateResponse:
            _required("rule_id", request.rule_id)
            state = _STATE_OF.get(request.state)
            if state is None:
                raise InvalidRequest("state", "is required")
            return pb.SetRuleStateResponse(
                rule=rule_to_pb(core.set_state(request.rule_id, state, self._author()))
            )

        return self._call(context, work)

    def BacktestRule(
        self, request: pb.BacktestRuleRequest, context: grpc.ServicerContext
    ) -> pb.BacktestRuleResponse:
        """Replay over the decision log."""

        def work(core: RulesCore) -> pb.BacktestRuleResponse:
            kind = _event_type(request.event_type, "event_type") if request.event_type else None
            result = core.backtest(
                rule_id=request.rule_id,
                condition=request.condition,
                event_type=kind,
                since=request.since or None,
                until=request.until or None,
            )
            out = result.to_dict()
            reply = pb.BacktestRuleResponse(
                decisions_scanned=result.decisions_scanned,
                matched_events=result.matched_events,
                matched_accounts=result.matched_accounts,
                fraud=result.by_outcome["fraud"],
                legitimate=result.by_outcome["legitimate"],
                unknown=result.by_outcome["unknown"],
                allowed_legitimate_accounts_stopped=result.allowed_legitimate_accounts_stopped,
                allowed_fraud_accounts_stopped=result.allowed_fraud_accounts_stopped,
                report_json=json.dumps(out),
            )
            if result.precision is not None:
                reply.precision = result.precision
            return reply

        return self._call(context, work)
