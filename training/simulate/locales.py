"""Per-country reference tables: timezones, languages, names, mail providers, postal formats.

Small and hand-made: enough variety for the simulated population to look like many countries'
real users, not a census. Names in non-Latin scripts are stored as ``Latin/Native`` so a person
can type either form while the email is derived from the Latin one. Weighted lists are written
``key=weight`` (weight 1 when omitted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class Country:
    """What a resident of one country tends to look like in a signup form."""

    code: str
    names: str  # key into NAMES
    languages: tuple[tuple[str, float], ...]  # browser locale tags with weights
    timezones: tuple[tuple[str, float], ...]
    providers: tuple[tuple[str, float], ...]  # regional mail providers (global ones added)
    postal: str  # 9 = digit, A = letter, anything else literal
    tld: str  # for made-up company domains
    mobile_share: float  # share of signups made on a phone
    ios_share: float  # among phones
    weight: float  # default share of the legitimate population


# code, name set, company TLD, postal pattern (_ = space), phone share, iOS share, weight
_BASICS = """
US en com 99999 0.38 0.58 28
GB en co.uk AA9_9AA 0.42 0.5 6
CA en ca A9A_9A9 0.4 0.55 4
AU en com.au 9999 0.4 0.55 2
IE en ie A99_A9A9 0.4 0.45 0.6
DE de de 99999 0.33 0.35 7
AT de at 9999 0.35 0.35 0.8
CH de ch 9999 0.35 0.5 0.8
FR fr fr 99999 0.38 0.35 5
ES es es 99999 0.42 0.25 3
MX es com.mx 99999 0.5 0.2 3
AR es com.ar A9999AAA 0.5 0.2 1.2
CO es com.co 999999 0.5 0.2 1
BR pt com.br 99999-999 0.55 0.18 5
IT it it 99999 0.4 0.3 3
NL nl nl 9999_AA 0.38 0.45 2
PL pl pl 99-999 0.42 0.25 2
SE sv se 999_99 0.4 0.55 1
RU ru ru 999999 0.45 0.25 2
UA uk com.ua 99999 0.48 0.25 1
TR tr com.tr 99999 0.5 0.2 1.5
IN hi in 999999 0.6 0.08 8
JP ja co.jp 999-9999 0.45 0.68 3.5
KR ko co.kr 99999 0.5 0.3 2.5
CN zh cn 999999 0.55 0.3 2
ID id co.id 99999 0.65 0.1 2
NG ng com.ng 999999 0.7 0.12 1.2
PH ph com.ph 9999 0.65 0.2 1.5
VN vi com.vn 999999 0.6 0.25 1.2
"""

_LANGUAGES = {
    "US": "en-US=96 es-US=4",
    "GB": "en-GB=97 en-US=3",
    "CA": "en-CA=75 fr-CA=22 en-US=3",
    "AU": "en-AU=95 en-GB=5",
    "IE": "en-IE=90 en-GB=10",
    "DE": "de-DE=88 en-US=8 en-GB=4",
    "AT": "de-AT=92 en-US=8",
    "CH": "de-CH=65 fr-CH=25 it-CH=5 en-US=5",
    "FR": "fr-FR=95 en-US=5",
    "ES": "es-ES=90 ca-ES=6 en-US=4",
    "MX": "es-MX=95 en-US=5",
    "AR": "es-AR=95 en-US=5",
    "CO": "es-CO=95 en-US=5",
    "BR": "pt-BR=96 en-US=4",
    "IT": "it-IT=94 en-US=6",
    "NL": "nl-NL=88 en-US=8 en-GB=4",
    "PL": "pl-PL=94 en-US=6",
    "SE": "sv-SE=88 en-US=8 en-GB=4",
    "RU": "ru-RU=96 en-US=4",
    "UA": "uk-UA=65 ru-UA=25 en-US=10",
    "TR": "tr-TR=95 en-US=5",
    "IN": "en-IN=70 hi-IN=12 en-US=10 en-GB=4 ta-IN=2 te-IN=2",
    "JP": "ja-JP=94 ja=2 en-US=4",
    "KR": "ko-KR=94 en-US=6",
    "CN": "zh-CN=94 zh=2 en-US=4",
    "ID": "id-ID=85 en-US=15",
    "NG": "en-NG=50 en-GB=25 en-US=25",
    "PH": "en-PH=60 en-US=30 fil-PH=10",
    "VN": "vi-VN=85 en-US=15",
}

_TIMEZONES = {
    "US": "America/New_York=45 America/Chicago=28 America/Denver=6 America/Phoenix=2"
    " America/Los_Angeles=18 America/Anchorage=0.5 Pacific/Honolulu=0.5",
    "GB": "Europe/London",
    "CA": "America/Toronto=55 America/Vancouver=18 America/Edmonton=12 America/Winnipeg=5"
    " America/Halifax=5 America/Regina=3",
    "AU": "Australia/Sydney=40 Australia/Melbourne=32 Australia/Brisbane=15 Australia/Perth=9"
    " Australia/Adelaide=4",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid=95 Atlantic/Canary=5",
    "MX": "America/Mexico_City=70 America/Monterrey=15 America/Tijuana=10 America/Cancun=5",
    "AR": "America/Argentina/Buenos_Aires",
    "CO": "America/Bogota",
    "BR": "America/Sao_Paulo=80 America/Bahia=5 America/Fortaleza=5 America/Manaus=4"
    " America/Recife=4 America/Belem=2",
    "IT": "Europe/Rome",
    "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm",
    "RU": "Europe/Moscow=65 Asia/Yekaterinburg=10 Asia/Novosibirsk=8 Europe/Samara=6"
    " Asia/Krasnoyarsk=5 Asia/Vladivostok=3 Europe/Kaliningrad=3",
    "UA": "Europe/Kyiv=92 Europe/Kiev=8",
    "TR": "Europe/Istanbul",
    "IN": "Asia/Kolkata=94 Asia/Calcutta=6",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai=97 Asia/Urumqi=3",
    "ID": "Asia/Jakarta=80 Asia/Makassar=15 Asia/Jayapura=5",
    "NG": "Africa/Lagos",
    "PH": "Asia/Manila",
    "VN": "Asia/Ho_Chi_Minh=90 Asia/Saigon=10",
}

_PROVIDERS = {
    "US": "yahoo.com=9 aol.com=2 comcast.net=1.5 att.net=0.8 verizon.net=0.4 icloud.com=10",
    "GB": "btinternet.com=2 yahoo.co.uk=3 sky.com=1 icloud.com=7 hotmail.co.uk=4",
    "CA": "yahoo.ca=2 rogers.com=1 shaw.ca=1 icloud.com=6 videotron.ca=0.5",
    "AU": "bigpond.com=2 optusnet.com.au=1 icloud.com=7",
    "IE": "eircom.net=1 icloud.com=4",
    "DE": "web.de=14 gmx.de=14 gmx.net=5 t-online.de=6 freenet.de=1 posteo.de=0.5 mail.de=0.5",
    "AT": "gmx.at=6 aon.at=2",
    "CH": "bluewin.ch=6 gmx.ch=3",
    "FR": "orange.fr=8 free.fr=5 laposte.net=3 sfr.fr=3 hotmail.fr=6 yahoo.fr=3",
    "ES": "hotmail.es=8 yahoo.es=3 telefonica.net=1",
    "MX": "hotmail.com=10 yahoo.com.mx=3 prodigy.net.mx=1",
    "AR": "hotmail.com=8 yahoo.com.ar=3 fibertel.com.ar=1",
    "CO": "hotmail.com=10 yahoo.es=2",
    "BR": "hotmail.com=12 uol.com.br=4 bol.com.br=3 yahoo.com.br=3 terra.com.br=1",
    "IT": "libero.it=9 virgilio.it=3 alice.it=2 tiscali.it=1 hotmail.it=5 yahoo.it=3",
    "NL": "ziggo.nl=4 kpnmail.nl=2 hotmail.nl=4 live.nl=3 icloud.com=5",
    "PL": "wp.pl=10 o2.pl=6 interia.pl=6 onet.pl=5 op.pl=2",
    "SE": "hotmail.se=5 telia.com=2 icloud.com=6",
    "RU": "yandex.ru=22 mail.ru=22 rambler.ru=3 bk.ru=3 list.ru=2 inbox.ru=2 ya.ru=2",
    "UA": "ukr.net=12 i.ua=3 meta.ua=1 yandex.ua=1",
    "TR": "hotmail.com=12 yandex.com.tr=2 mynet.com=1",
    "IN": "rediffmail.com=3 yahoo.co.in=4 outlook.in=1",
    "JP": "yahoo.co.jp=16 docomo.ne.jp=3 ezweb.ne.jp=2 icloud.com=14 softbank.ne.jp=1",
    "KR": "naver.com=35 daum.net=8 hanmail.net=8 kakao.com=4",
    "CN": "qq.com=40 163.com=20 126.com=8 sina.com=4 foxmail.com=3 sohu.com=1",
    "ID": "yahoo.co.id=6 ymail.com=1",
    "NG": "yahoo.com=10 ymail.com=1",
    "PH": "yahoo.com=10 ymail.com=2",
    "VN": "yahoo.com.vn=4",
}


def pairs(text: str) -> tuple[tuple[str, float], ...]:
    """Parse ``"a=2 b c=0.5"`` into ``(("a", 2.0), ("b", 1.0), ("c", 0.5))``."""
    out = []
    for item in text.split():
        key, _, value = item.partition("=")
        out.append((key, float(value or 1)))
    return tuple(out)


def _countries() -> dict[str, Country]:
    out = {}
    for line in _BASICS.strip().splitlines():
        code, names, tld, postal, mobile, ios, weight = line.split()
        out[code] = Country(
            code=code,
            names=names,
            languages=pairs(_LANGUAGES[code]),
            timezones=pairs(_TIMEZONES[code]),
            providers=pairs(_PROVIDERS[code]),
            postal=postal.replace("_", " "),
            tld=tld,
            mobile_share=float(mobile),
            ios_share=float(ios),
            weight=float(weight),
        )
    return out


COUNTRIES: Final[Mapping[str, Country]] = MappingProxyType(_countries())

# Global free mail providers with rough worldwide weights; regional ones come from COUNTRIES.
GLOBAL_PROVIDERS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 55), ("outlook.com", 9), ("hotmail.com", 7), ("yahoo.com", 5),
    ("icloud.com", 4), ("live.com", 2), ("proton.me", 1.2), ("protonmail.com", 0.6),
    ("gmx.com", 0.4), ("mail.com", 0.3), ("zoho.com", 0.3), ("fastmail.com", 0.2),
    ("yandex.com", 0.3), ("tutanota.com", 0.1), ("me.com", 0.4), ("msn.com", 0.3),
    ("hey.com", 0.05), ("pm.me", 0.1),
)  # fmt: skip

# Typos real people make in the domain part; the mailbox usually does not exist.
DOMAIN_TYPOS: Final[Mapping[str, tuple[str, ...]]] = {
    "gmail.com": ("gmial.com", "gmal.com", "gmail.co", "gnail.com", "gmail.con", "gmaill.com"),
    "hotmail.com": ("hotmial.com", "hotmai.com", "hotmail.co"),
    "yahoo.com": ("yaho.com", "yahooo.com", "yahoo.co"),
    "outlook.com": ("outlok.com", "outloo.com", "outlook.co"),
    "icloud.com": ("iclod.com", "icoud.com"),
}
