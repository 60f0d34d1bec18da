"""Velocity and linkage state at the event's time."""

from service.state.base import (
    ApiKeyKeys,
    ApiKeyState,
    SignupKeys,
    SignupState,
    StateStore,
)
from service.state.memory import MemoryStateStore
from service.state.redis_store import RedisStateStore

__all__ = [
    "ApiKeyKeys",
    "ApiKeyState",
    "MemoryStateStore",
    "RedisStateStore",
    "SignupKeys",
    "SignupState",
    "StateStore",
]
