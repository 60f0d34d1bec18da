"""A rule: who wrote which condition, what it does when it matches, and in which state."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from service.domain import Action, EventType
from service.errors import InvalidRequest

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
MAX_TEXT = 2048


class RuleState(enum.StrEnum):
    """Where a rule is in its life."""

    DRAFT = "draft"  # stored, never evaluated
    SHADOW = "shadow"  # evaluated on live traffic, its would-be action logged, never acted on
    LIVE = "live"  # evaluated and acted on
    DISABLED = "disabled"  # kept for history, never evaluated


class RuleAction(enum.StrEnum):
    """What a live rule does when it matches."""

    ALLOW = "allow"  # an explicit allow: wins over every stricter rule and the model
    CHALLENGE = "challenge"
    REVIEW = "review"
    BLOCK = "block"
    TAG = "tag"  # only adds its reason

    def to_action(self) -> Action | None:
        """The decision action, None for a tag."""
        return None if self is RuleAction.TAG else Action[self.name]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What an author writes: everything but the version, author and time."""

    rule_id: str
    event_type: EventType
    condition: str
    action: RuleAction
    reason_code: str
    description: str = ""
    message: str = ""  # ${rule_id}, ${version} and ${score} are filled in
    state: RuleState = RuleState.DRAFT
    expires_at: float | None = None

    def check_fields(self) -> None:
        """Refuse malformed ids, codes and texts (the condition is checked by lang.check)."""
        if not _ID.match(self.rule_id):
            raise InvalidRequest("rule_id", "lower-case letters, digits, '_', '.', '-'; ≤ 64")
        if not _CODE.match(self.reason_code):
            raise InvalidRequest("reason_code", "upper-case letters, digits and '_'; ≤ 64")
        for name in ("description", "message"):
            if len(getattr(self, name)) > MAX_TEXT:
                raise InvalidRequest(name, f"at most {MAX_TEXT} characters")


@dataclass(frozen=True, slots=True)
class Rule:
    """One stored version of a rule."""

    spec: RuleSpec
    version: int
    author: str
    created_at: float

    @property
    def rule_id(self) -> str:
        """The rule's id (shared by its versions)."""
        return self.spec.rule_id

    @property
    def state(self) -> RuleState:
        """The state of this version."""
        return self.spec.state
