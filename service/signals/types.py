"""What the signal layer produces from one event: parsed, normalised and enriched inputs.

Every field is plain data. ``None`` means the input was absent; a ``*_valid`` flag of ``False``
means it was present but malformed (itself a signal). Strings that identify an entity (normalised
email, phone in E.164, IP, /24, device id, card fingerprint) are raw here; the scoring core turns
them into keyed hashes before anything is stored or logged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

_T = TypeVar("_T")


def _fast_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass a quicker ``__init__`` with the same signature.

    dataclass's own ``__init__`` for a frozen class sets each field with
    ``object.__setattr__(self, "name", value)``: a name lookup per field, about 75 ns each, and
    a signup builds ten of these objects (some 70 fields). Calling each slot's descriptor
    directly halves that. Equality, hashing, ``repr``, pickling, ``dataclasses.replace`` and
    the frozen ``__setattr__`` are dataclass's own and unchanged. Only fields without defaults
    are supported; anything else is refused at import.
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or not hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__}: _fast_init needs a frozen, slotted dataclass")
    if hasattr(cls, "__post_init__") or any(
        not f.init
        or f.default is not dataclasses.MISSING
        or f.default_factory is not dataclasses.MISSING
        for f in fields
    ):
        raise TypeError(f"{cls.__name__}: _fast_init supports plain fields only")
    names = [f.name for f in fields]
    namespace: dict[str, Any] = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    source = f"def __init__(self, {', '.join(names)}):\n{body}"  # built from field names only
    exec(source, namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010  (mypy refuses assigning to a method)
    return cls


@_fast_init
@dataclass(frozen=True, slots=True)
class EmailSignals:
    """Email address: syntax, provider, and the shape of its local part."""

    present: bool
    valid: bool
    normalized: (
        str | None
    )  # canonical mailbox: lowercased, provider aliases folded (gmail dots, +tags)
    domain: str | None  # ASCII (IDNA) domain, lowercased
    is_free: bool
    is_disposable: bool
    is_edu: bool  # .edu / .ac.xx / .edu.xx academic domains
    has_plus_tag: bool
    local_length: int  # length of the local part as typed (0 when absent/invalid)
    local_digits: int  # number of digits in the local part
    local_entropy: float  # Shannon entropy of the local part, bits per character
    local_name_likeness: float  # 0..1, how much the local part looks like a person's name/words
    local_shape: str | None  # e.g. "a5d4" for "jsmit1234": letter/digit/symbol runs, lengths kept
    name_similarity: float | None  # 0..1 similarity of full name to local part; None without both


@_fast_init
@dataclass(frozen=True, slots=True)
class PhoneSignals:
    """Phone number: validity, line type and region."""

    present: bool
    valid: bool
    e164: str | None
    region: str | None  # ISO alpha-2 of the number's region
    line_type: int  # PhoneLineType code
    is_voip: bool


@_fast_init
@dataclass(frozen=True, slots=True)
class NameSignals:
    """Full name: simple shape markers."""

    present: bool
    token_count: int
    has_digits: bool
    length: int


@_fast_init
@dataclass(frozen=True, slots=True)
class IpSignals:
    """Client IP: version, prefix, reputation ranges and country."""

    present: bool
    valid: bool
    normalized: str | None  # compressed textual form
    version: int  # 4, 6, or 0 when absent/invalid
    prefix: str | None  # /24 for IPv4, /48 for IPv6, as "a.b.c.0/24"
    is_private: bool  # private, loopback, link-local, reserved, multicast or unspecified
    is_datacenter: bool
    is_vpn: bool
    is_tor: bool
    is_relay: bool  # iCloud Private Relay and similar privacy relays
    cloud_provider: int  # CloudProvider code, 0 when none
    country: str | None  # ISO alpha-2 from the bundled GeoIP country table


@_fast_init
@dataclass(frozen=True, slots=True)
class UserAgentSignals:
    """User agent: browser family, OS and automation markers."""

    present: bool
    browser_family: int  # BrowserFamily code
    os_family: int  # OsFamily code
    browser_major: int | None
    is_bot: bool  # matches a crawler / HTTP-library pattern
    is_headless: bool  # HeadlessChrome, PhantomJS, Puppeteer, Playwright ...
    is_emulator: bool  # Android SDK emulator and similar device markers
    length: int


@_fast_init
@dataclass(frozen=True, slots=True)
class LocaleSignals:
    """Browser locale: timezone and Accept-Language, mapped to countries."""

    timezone_valid: bool | None  # None when absent
    timezone_countries: frozenset[str]  # countries that use the reported IANA timezone
    language_countries: frozenset[str]  # countries named or implied by Accept-Language
    primary_language: str | None  # "en", "de", ...
    language_count: int


@_fast_init
@dataclass(frozen=True, slots=True)
class PaymentSignals:
    """Card: funding type, countries and BIN."""

    present: bool
    funding: int  # CardFunding value, 0 when absent
    bin_valid: bool | None  # None when absent
    bin_prefix: int | None  # first digit of the BIN (the card network's major industry id)
    card_country: str | None  # validated ISO alpha-2, upper case
    billing_country: str | None
    card_country_valid: bool | None
    billing_country_valid: bool | None
    fingerprint: str | None


@_fast_init
@dataclass(frozen=True, slots=True)
class CountryAgreement:
    """Whether the countries implied by each signal agree (None when either side is unknown)."""

    phone_ip: bool | None
    card_ip: bool | None
    billing_ip: bool | None
    card_billing: bool | None
    timezone_ip: bool | None
    language_ip: bool | None
    timezone_phone: bool | None
    distinct_countries: int  # how many distinct countries all known signals name


@_fast_init
@dataclass(frozen=True, slots=True)
class DeviceSignals:
    """Device fingerprint and network, shared by both event types."""

    device_id: str | None
    device_id_valid: bool | None
    ip: IpSignals
    user_agent: UserAgentSignals
    locale: LocaleSignals


@_fast_init
@dataclass(frozen=True, slots=True)
class SignupSignals:
    """Everything the signal layer derived from one signup."""

    email: EmailSignals
    phone: PhoneSignals
    name: NameSignals
    device: DeviceSignals
    payment: PaymentSignals
    countries: CountryAgreement
    form_fill_ms: int | None


@_fast_init
@dataclass(frozen=True, slots=True)
class ApiKeySignals:
    """Everything the signal layer derived from one API-key creation."""

    device: DeviceSignals
    key_name_length: int | None
