"""Properties: no input string makes any extractor raise; the fast IP index equals the lists."""

from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain import ApiKeyEvent, SignupEvent
from service.signals import RefData, SignalExtractor
from service.signals.codes import BrowserFamily, CloudProvider, OsFamily, PhoneLineType
from service.signals.email import email_signals
from service.signals.ip import ip_signals, parse_ip
from service.signals.ipindex import DATACENTER, TOR, VPN, cloud_from_mask
from service.signals.locale import locale_signals, parse_accept_language
from service.signals.name import name_signals, name_similarity
from service.signals.phone import phone_signals
from service.signals.useragent import UserAgentAnalyzer

from .strategies import api_key_events, hostile_text, maybe_text, plausible_ip, signup_events

# The session fixtures are read-only, so sharing them between examples is safe; long strings
# make some examples slow to generate.
_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(raw=maybe_text, name=maybe_text)
def test_email_never_raises(refdata: RefData, raw: str | None, name: str | None) -> None:
    """Any email and name text gives EmailSignals with scores in range, never an exception."""
    signals = email_signals(raw, name, refdata)
    assert 0.0 <= signals.local_name_likeness <= 1.0
    assert signals.name_similarity is None or 0.0 <= signals.name_similarity <= 1.0
    assert signals.local_entropy >= 0.0
    assert signals.valid == (signals.normalized is not None)


@_SETTINGS
@given(raw=maybe_text, hints=st.lists(hostile_text, max_size=3))
def test_phone_never_raises(raw: str | None, hints: list[str]) -> None:
    """Any phone text and any region hints give PhoneSignals, never an exception."""
    signals = phone_signals(raw, hints)
    assert signals.line_type in set(PhoneLineType)
    assert signals.valid == (signals.e164 is not None)


@_SETTINGS
@given(raw=maybe_text | plausible_ip)
def test_ip_never_raises(refdata: RefData, raw: str | None) -> None:
    """Any IP text gives IpSignals with a version of 0, 4 or 6, never an exception."""
    signals = ip_signals(raw, refdata)
    assert signals.version in {0, 4, 6}
    assert signals.valid == (signals.version != 0)


@_SETTINGS
@given(raw=maybe_text)
def test_user_agent_never_raises(refdata: RefData, raw: str | None) -> None:
    """Any user-agent text (surrogates, NUL, 5 KB) gives UserAgentSignals with known codes."""
    analyzer = UserAgentAnalyzer(refdata.ua_resolver, refdata.crawlers, cache_size=16)
    signals = analyzer.signals(raw)
    assert signals.browser_family in set(BrowserFamily)
    assert signals.os_family in set(OsFamily)
    assert signals.length == (len(raw) if signals.present and raw else 0)


@_SETTINGS
@given(timezone=maybe_text, accept_language=maybe_text)
def test_locale_never_raises(
    refdata: RefData, timezone: str | None, accept_language: str | None
) -> None:
    """Any timezone and Accept-Language text give LocaleSignals of valid country codes."""
    signals = locale_signals(timezone, accept_language, refdata.zones, refdata.iso_countries)
    assert signals.language_countries <= refdata.iso_countries
    assert signals.language_count >= (1 if signals.primary_language else 0)


@_SETTINGS
@given(header=hostile_text)
def test_accept_language_languages_are_distinct(refdata: RefData, header: str) -> None:
    """The parsed languages never repeat and the primary one is the first of them."""
    prefs = parse_accept_language(header, refdata.iso_countries)
    assert len(set(prefs.languages)) == len(prefs.languages)
    assert prefs.primary_language == (prefs.languages[0] if prefs.languages else None)


@_SETTINGS
@given(name=maybe_text, local=maybe_text)
def test_name_functions_never_raise(name: str | None, local: str | None) -> None:
    """Name signals and name/local-part similarity accept any text."""
    name_signals(name)
    similarity = name_similarity(name, local)
    assert similarity is None or 0.0 <= similarity <= 1.0


@_SETTINGS
@given(event=signup_events)
def test_signup_never_raises(extractor: SignalExtractor, event: SignupEvent) -> None:
    """A signup with hostile values in every field still yields SignupSignals."""
    signals = extractor.signup(event)
    assert signals.countries.distinct_countries <= 5


@_SETTINGS
@given(event=api_key_events)
def test_api_key_never_raises(extractor: SignalExtractor, event: ApiKeyEvent) -> None:
    """An API-key event with hostile values in every field still yields ApiKeySignals."""
    signals = extractor.api_key(event)
    assert signals.key_name_length == (None if event.key_name is None else len(event.key_name))


_addresses = st.one_of(
    st.ip_addresses(v=4),
    st.ip_addresses(v=6),
    # Addresses drawn from inside the listed ranges, where a disagreement would show.
    st.sampled_from(["3.5.140.1", "104.28.28.1", "2.58.241.66", "204.8.96.141"]).map(
        ipaddress.ip_address
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=_SETTINGS.suppress_health_check)
@given(address=_addresses)
def test_ip_index_equals_the_lists(
    refdata: RefData, address: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> None:
    """The folded index answers exactly what a bisection of each separate list answers."""
    value, version = int(address), address.version
    mask = refdata.ip_index.lookup(value, version)
    assert bool(mask & DATACENTER) == refdata.datacenter.contains(value, version)
    assert bool(mask & VPN) == refdata.vpn.contains(value, version)
    assert bool(mask & TOR) == refdata.tor_exits.contains(value, version)
    first_cloud = next(
        (code for code, ranges in refdata.clouds if ranges.contains(value, version)),
        CloudProvider.NONE,
    )
    assert cloud_from_mask(mask) is first_cloud


@settings(max_examples=300, deadline=None)
@given(address=st.ip_addresses())
def test_parse_ip_agrees_with_ipaddress(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    """The inet_pton parser reads every address ipaddress prints, to the same integer."""
    parsed = parse_ip(str(address))
    assert parsed is not None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        assert parsed == (4, int(address.ipv4_mapped))
    else:
        assert parsed == (address.version, int(address))
