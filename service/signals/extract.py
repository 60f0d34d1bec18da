"""``SignalExtractor``: one event in, every signal out. Pure apart from bounded caches (user
agents, locales, client IPs, and the domain and country caches of ``email`` and ``countries``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from service.domain import ApiKeyEvent, Device, SignupEvent
from service.signals.countries import country_agreement
from service.signals.email import email_signals
from service.signals.ip import ip_signals
from service.signals.locale import locale_signals
from service.signals.name import name_signals
from service.signals.payment import payment_signals
from service.signals.phone import phone_signals, prepare_phonenumbers
from service.signals.refdata import RefData
from service.signals.types import (
    ApiKeySignals,
    DeviceSignals,
    IpSignals,
    LocaleSignals,
    SignupSignals,
)
from service.signals.useragent import UserAgentAnalyzer

MAX_DEVICE_ID_CHARS = 256
_MAX_CACHED_LOCALE_CHARS = 512  # longer timezone + Accept-Language pairs are not cached
_MAX_CACHED_IP_CHARS = 64  # an IPv6 address with a zone fits; longer input is not cached
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def cached_locale_signals(
    refdata: RefData, cache_size: int
) -> Callable[[str | None, str | None], LocaleSignals]:
    """``locale_signals`` over ``refdata``'s tables, for ``(timezone, accept_language)``, with
    the last ``cache_size`` distinct pairs cached: browsers send a few thousand between them.
    Absurdly long pairs are computed but not cached, so the cache stays small."""
    zones, iso_countries = refdata.zones, refdata.iso_countries

    def uncached(timezone: str | None, accept_language: str | None) -> LocaleSignals:
        return locale_signals(timezone, accept_language, zones, iso_countries)

    cached = functools.lru_cache(maxsize=cache_size)(uncached)

    def signals(timezone: str | None, accept_language: str | None) -> LocaleSignals:
        if len(timezone or "") + len(accept_language or "") > _MAX_CACHED_LOCALE_CHARS:
            return uncached(timezone, accept_language)
        return cached(timezone, accept_language)

    return signals


def cached_ip_signals(refdata: RefData, cache_size: int) -> Callable[[str | None], IpSignals]:
    """``ip_signals`` over ``refdata``, with the last ``cache_size`` distinct inputs cached.

    A key creation usually comes from the IP its account signed up from, minutes earlier, and
    offices, campuses and carrier NAT share addresses: in the simulated pool two thirds of key
    creations and a sixth of signups repeat a recent IP, and a hit costs a fraction of a
    microsecond against ~7 for the parse, index and GeoIP lookups. Inputs longer than any
    address are computed but not cached, so the cache stays small.
    """

    def uncached(raw: str | None) -> IpSignals:
        return ip_signals(raw, refdata)

    cached = functools.lru_cache(maxsize=cache_size)(uncached)

    def signals(raw: str | None) -> IpSignals:
        if raw is not None and len(raw) > _MAX_CACHED_IP_CHARS:
            return uncached(raw)
        return cached(raw)

    return signals


def device_id_signals(raw: str | None) -> tuple[str | None, bool | None]:
    """``(id, valid)``: the stripped id and True; ``(None, False)`` when it is longer than 256
    characters or holds control characters; ``(None, None)`` when absent or blank."""
    if raw is None or not raw.strip():
        return None, None
    device_id = raw.strip()
    if len(device_id) > MAX_DEVICE_ID_CHARS or _CONTROL.search(device_id):
        return None, False
    return device_id, True


class SignalExtractor:
    """Turns events into signals using one ``RefData``; safe to share between threads."""

    __slots__ = ("_ips", "_locales", "_user_agents", "refdata")

    def __init__(
        self,
        refdata: RefData,
        ua_cache_size: int = 8192,
        locale_cache_size: int = 4096,
        ip_cache_size: int = 8192,
    ) -> None:
        """Wrap loaded reference data; ``ua_cache_size`` user-agent results,
        ``locale_cache_size`` locale results and ``ip_cache_size`` IP results are cached.

        Also prepares phonenumbers (process-wide, see ``phone.prepare_phonenumbers``).
        """
        prepare_phonenumbers()
        self.refdata = refdata
        self._user_agents = UserAgentAnalyzer(
            refdata.ua_resolver, refdata.crawlers, cache_size=ua_cache_size
        )
        self._locales = cached_locale_signals(refdata, locale_cache_size)
        self._ips = cached_ip_signals(refdata, ip_cache_size)

    @classmethod
    def from_directory(cls, path: Path | None = None) -> SignalExtractor:
        """Load reference data from ``path`` (default: the bundled ``service/data/``)."""
        return cls(RefData.load(path))

    def device(self, device: Device) -> DeviceSignals:
        """Signals of the client: device id, IP, user agent and locale."""
        device_id, device_id_valid = device_id_signals(device.device_id)
        return DeviceSignals(
            device_id=device_id,
            device_id_valid=device_id_valid,
            ip=self._ips(device.ip),
            user_agent=self._user_agents.signals(device.user_agent),
            locale=self._locales(device.timezone, device.accept_language),
        )

    def signup(self, event: SignupEvent) -> SignupSignals:
        """Every signal of one signup; never raises on any field value."""
        refdata = self.refdata
        device = self.device(event.device)
        payment = payment_signals(event.payment, refdata.iso_countries)
        hints = [c for c in (payment.card_country, payment.billing_country, device.ip.country) if c]
        phone = phone_signals(event.identity.phone, hints)
        return SignupSignals(
            email=email_signals(event.identity.email, event.identity.full_name, refdata),
            phone=phone,
            name=name_signals(event.identity.full_name),
            device=device,
            payment=payment,
            countries=country_agreement(
                phone=phone.region,
                ip=device.ip.country,
                card=payment.card_country,
                billing=payment.billing_country,
                timezone=device.locale.timezone_countries,
                language=device.locale.language_countries,
            ),
            form_fill_ms=event.behavior.form_fill_ms,
        )

    def api_key(self, event: ApiKeyEvent) -> ApiKeySignals:
        """Every signal of one API-key creation; never raises on any field value."""
        return ApiKeySignals(
            device=self.device(event.device),
            key_name_length=len(event.key_name) if event.key_name is not None else None,
        )
