"""Signal layer: parse, normalise and enrich the raw fields of an event.

Build one ``RefData`` at start-up (``RefData.load()``), wrap it in a ``SignalExtractor`` and
call ``signup(event)`` / ``api_key(event)``. Reference lists are refreshed with
``service.signals.refresh.refresh_command``.
"""

from service.signals.extract import SignalExtractor
from service.signals.lists import RefDataError
from service.signals.refdata import RefData
from service.signals.types import (
    ApiKeySignals,
    CountryAgreement,
    DeviceSignals,
    EmailSignals,
    IpSignals,
    LocaleSignals,
    NameSignals,
    PaymentSignals,
    PhoneSignals,
    SignupSignals,
    UserAgentSignals,
)

__all__ = [
    "ApiKeySignals",
    "CountryAgreement",
    "DeviceSignals",
    "EmailSignals",
    "IpSignals",
    "LocaleSignals",
    "NameSignals",
    "PaymentSignals",
    "PhoneSignals",
    "RefData",
    "RefDataError",
    "SignalExtractor",
    "SignupSignals",
    "UserAgentSignals",
]
