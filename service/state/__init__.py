"""Velocity and linkage state at the event's time."""

from service.state.base import (
    ApiKeyKeys,
    ApiKeyState,
    SignupKeys,
    SignupState,
    StateStore,
)
from service.state.memory import MemoryStateStore

__all__ = [
    "ApiKeyKeys",
    "ApiKeyState",
    "MemoryStateStore",
    "SignupKeys",
    "SignupState",
    "StateStore",
]
