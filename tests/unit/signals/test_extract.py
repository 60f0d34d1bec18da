"""SignalExtractor: whole events in, every signal out, fields wired to the right extractors."""

from __future__ import annotations

import pytest

from service.domain import (
    ApiKeyEvent,
    Behavior,
    CardFunding,
    Device,
    Identity,
    Payment,
    SignupEvent,
)
from service.signals import SignalExtractor
from service.signals.codes import BrowserFamily, CloudProvider, PhoneLineType
from service.signals.extract import device_id_signals

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


def _signup(**device: str | None) -> SignupEvent:
    return SignupEvent(
        event_id="e1",
        account_id="a1",
        occurred_at=1_700_000_000.0,
        identity=Identity(
            email="J.Smith+promo@googlemail.com", phone="020 7946 0958", full_name="John Smith"
        ),
        device=Device(
            **{
                "ip": "81.2.69.142",
                "user_agent": CHROME,
                "device_id": " dev-1 ",
                "accept_language": "en-GB,en;q=0.9",
                "timezone": "Europe/London",
                **device,
            }
        ),
        payment=Payment(
            card_bin="424242",
            card_country="GB",
            billing_country="GB",
            card_funding=CardFunding.DEBIT,
            card_fingerprint="fp1",
        ),
        behavior=Behavior(form_fill_ms=5400),
    )


def test_consistent_uk_signup(extractor: SignalExtractor) -> None:
    """A coherent UK signup: national phone read via the card country, every country agrees."""
    signals = extractor.signup(_signup())
    assert signals.email.normalized == "jsmith@gmail.com"
    assert signals.email.name_similarity == 0.9
    assert signals.phone.e164 == "+442079460958"
    assert signals.phone.line_type is PhoneLineType.FIXED_LINE
    assert signals.name.token_count == 2
    assert signals.device.device_id == "dev-1"
    assert signals.device.ip.country == "GB"
    assert signals.device.user_agent.browser_family is BrowserFamily.CHROME
    assert signals.device.locale.timezone_countries == {"GB", "GG", "IM", "JE"}
    assert signals.payment.funding == CardFunding.DEBIT
    countries = signals.countries
    assert (countries.phone_ip, countries.card_ip, countries.timezone_ip) == (True, True, True)
    assert countries.language_ip is True
    assert countries.distinct_countries == 1
    assert signals.form_fill_ms == 5400


def test_ip_country_is_a_phone_hint(extractor: SignalExtractor) -> None:
    """Without a card, the IP's country is the region a national phone number is read in."""
    event = _signup()
    event = SignupEvent(
        event_id=event.event_id,
        account_id=event.account_id,
        identity=event.identity,
        device=event.device,
    )
    signals = extractor.signup(event)
    assert not signals.payment.present
    assert signals.phone.region == "GB"


def test_mismatched_signup(extractor: SignalExtractor) -> None:
    """A Tor exit with a foreign timezone and headless browser shows in every signal."""
    signals = extractor.signup(
        _signup(
            ip="204.8.96.141",
            timezone="Asia/Seoul",
            user_agent=CHROME.replace("Chrome/", "HeadlessChrome/"),
        )
    )
    assert signals.device.ip.is_tor
    assert signals.device.ip.cloud_provider is CloudProvider.NONE
    assert signals.device.user_agent.is_headless
    assert signals.countries.timezone_ip is False
    assert signals.countries.card_ip is False
    assert signals.countries.distinct_countries == 3


def test_api_key_event(extractor: SignalExtractor) -> None:
    """An API-key event yields device signals and the key name's length."""
    signals = extractor.api_key(
        ApiKeyEvent(
            event_id="k1",
            account_id="a1",
            device=Device(ip="3.5.140.1", user_agent="python-requests/2.31.0"),
            key_name="ci-deploy",
        )
    )
    assert signals.key_name_length == 9
    assert signals.device.ip.is_datacenter
    assert signals.device.user_agent.browser_family is BrowserFamily.LIBRARY
    assert signals.device.device_id is None
    assert signals.device.locale.timezone_valid is None


def test_empty_event_is_all_absent(extractor: SignalExtractor) -> None:
    """An event with no fields has every signal absent and no country named."""
    signals = extractor.signup(SignupEvent(event_id="e", account_id="a"))
    assert not signals.email.present
    assert not signals.phone.present
    assert not signals.name.present
    assert not signals.device.ip.present
    assert not signals.device.user_agent.present
    assert not signals.payment.present
    assert signals.device.device_id_valid is None
    assert signals.countries.distinct_countries == 0
    assert signals.form_fill_ms is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" abc-123 ", ("abc-123", True)),
        ("x" * 256, ("x" * 256, True)),
        ("x" * 257, (None, False)),
        ("abc\x00def", (None, False)),
        ("abc\ndef", (None, False)),
        ("abc\x85def", (None, False)),
        ("ünïcödé-ïd", ("ünïcödé-ïd", True)),
        ("  ", (None, None)),
        (None, (None, None)),
    ],
)
def test_device_id(raw: str | None, expected: tuple[str | None, bool | None]) -> None:
    """Ids are trimmed; over 256 characters or with control characters they are invalid."""
    assert device_id_signals(raw) == expected
