"""Domain errors. Transport codes live in ``api/status.py``, which maps every class below.

::

    SignupGuardError
    ├── InvalidRequest            a field of the request is unusable (names the field)
    │   └── InvalidCondition      a rule condition does not parse or type-check (line, column)
    ├── NotFound                  a named rule, case, campaign or action does not exist
    ├── NotReady                  no usable model is loaded yet
    ├── ModelError                an artifact cannot be loaded
    │   └── SpecMismatch          the artifact was trained on another feature spec
    ├── StateUnavailable          the velocity/linkage store cannot be reached in time
    ├── StoreUnavailable          the decision store cannot be reached
    ├── Unauthenticated           an operator call without a valid token
    │   └── InsecureTransport     a bearer token sent over a reachable plaintext port
    ├── AdminDisabled             admin calls are off (no token configured)
    ├── PermissionDenied          a known caller whose role does not allow the call
    └── Conflict                  the object is not in a state that allows the change
"""

from __future__ import annotations


class SignupGuardError(Exception):
    """Base of every error the service raises on purpose."""


class InvalidRequest(SignupGuardError):
    """A request field is missing or unusable; ``field`` names it as in the proto."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


class InvalidCondition(InvalidRequest):
    """A rule condition is refused: ``line`` and ``column`` (1-based) point at the error."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__("condition", f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message


class NotFound(SignupGuardError):
    """A named rule, case, campaign or verdict action does not exist."""


class NotReady(SignupGuardError):
    """The service has no usable model loaded."""


class ModelError(SignupGuardError):
    """A model artifact cannot be loaded or used."""


class SpecMismatch(ModelError):
    """The artifact's feature spec differs from the code's."""


class StateUnavailable(SignupGuardError):
    """The velocity/linkage state store did not answer in time."""


class StoreUnavailable(SignupGuardError):
    """The decision store cannot be reached."""


class Unauthenticated(SignupGuardError):
    """An admin call without the configured bearer token."""


class InsecureTransport(Unauthenticated):
    """A bearer token arrived over plaintext on a non-loopback port (use TLS)."""


class AdminDisabled(SignupGuardError):
    """Admin calls are disabled because no admin token is configured."""


class PermissionDenied(SignupGuardError):
    """The caller is known but their role does not allow this call."""


class Conflict(SignupGuardError):
    """The change does not fit the object's state (claimed by someone else, already resolved)."""
