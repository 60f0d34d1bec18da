"""Clients: user-agent strings, Accept-Language, device ids and form-fill times.

Browser versions follow the calendar of the simulated moment (Chrome and Firefox ship every four
weeks; Safari by its release table), and people lag behind the newest release by a few versions
at most, a few by years. Bots range from HTTP libraries and headless Chrome through stale or
spoofed browser strings to current ones, depending on sophistication.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from training.simulate.config import LegitConfig
from training.simulate.locales import Country

_DAY_MS = 86_400_000
# Anchors on the published 2026 schedules: Chrome 144 and Firefox 147 both shipped 2026-01-13.
_CHROME_144_MS = int(datetime(2026, 1, 13, tzinfo=UTC).timestamp() * 1000)
_FIREFOX_147_MS = int(datetime(2026, 1, 13, tzinfo=UTC).timestamp() * 1000)
_SAFARI = (
    ("2024-09-16", 18, 0), ("2024-10-28", 18, 1), ("2024-12-11", 18, 2), ("2025-01-27", 18, 3),
    ("2025-03-31", 18, 4), ("2025-05-12", 18, 5), ("2025-07-29", 18, 6), ("2025-09-15", 26, 0),
    ("2025-11-03", 26, 1), ("2025-12-12", 26, 2), ("2026-02-11", 26, 3), ("2026-03-24", 26, 4),
    ("2026-05-18", 26, 5), ("2026-07-20", 26, 6), ("2026-09-14", 27, 0), ("2026-11-02", 27, 1),
    ("2026-12-14", 27, 2), ("2027-02-08", 27, 3), ("2027-03-29", 27, 4),
)  # fmt: skip
_SAFARI_MS = [
    int(datetime.fromisoformat(d).replace(tzinfo=UTC).timestamp() * 1000) for d, _, _ in _SAFARI
]
_WIN = "Windows NT 10.0; Win64; x64"
_MAC = "Macintosh; Intel Mac OS X 10_15_7"
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"


@dataclass(frozen=True, slots=True)
class Agent:
    """A client as the request shows it."""

    user_agent: str | None
    platform: str  # windows, macos, linux, chromeos, android, ios, or "script"
    browser: str  # chrome, edge, firefox, safari, samsung, opera, inapp, headless, library

    @property
    def mobile(self) -> bool:
        """Whether the client is a phone or tablet."""
        return self.platform in ("android", "ios")


def chrome_major(ms: int) -> int:
    """Newest stable Chrome major at a moment (four-week cadence around Chrome 144)."""
    return 144 + (ms - _CHROME_144_MS) // (28 * _DAY_MS)


def firefox_major(ms: int) -> int:
    """Newest Firefox release major at a moment."""
    return 147 + (ms - _FIREFOX_147_MS) // (28 * _DAY_MS)


def _safari(ms: int, lag: int) -> tuple[int, int]:
    index = max(0, sum(1 for t in _SAFARI_MS if t <= ms) - 1 - lag)
    _, major, minor = _SAFARI[index]
    return major, minor


def browser_ua(platform: str, browser: str, ms: int, lag: int = 0) -> str:
    """A real-format user agent for one browser on one platform, ``lag`` releases behind."""
    chrome = chrome_major(ms) - lag
    firefox = firefox_major(ms) - lag
    if browser == "safari" or (platform == "ios" and browser not in ("chrome", "firefox")):
        major, minor = _safari(ms, lag)
        if platform == "macos":
            return (
                f"Mozilla/5.0 ({_MAC}) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                f"Version/{major}.{minor} Safari/605.1.15"
            )
        os_token = f"{major}_{minor}" if major < 26 else ("18_6" if minor < 2 else "18_7")
        return (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {os_token} like Mac OS X) "
            f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{major}.{minor} "
            "Mobile/15E148 Safari/604.1"
        )
    if platform == "ios":
        os_token = "18_7" if ms > _SAFARI_MS[9] else "18_6"
        prefix = (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {os_token} like Mac OS X) AppleWebKit/605.1.15"
        )
        if browser == "firefox":
            return f"{prefix} (KHTML, like Gecko) FxiOS/{firefox}.0 Mobile/15E148 Safari/605.1.15"
        build = 7559 + (chrome - 144) * 61
        return (
            f"{prefix} (KHTML, like Gecko) CriOS/{chrome}.0.{build}.{100 + lag * 7} "
            "Mobile/15E148 Safari/604.1"
        )
    if platform == "android":
        if browser == "firefox":
            gecko = f"rv:{firefox}.0) Gecko/{firefox}.0 Firefox/{firefox}.0"
            return f"Mozilla/5.0 (Android 14; Mobile; {gecko}"
        tail = f"Chrome/{chrome}.0.0.0 Mobile Safari/537.36"
        if browser == "samsung":
            samsung = 29 + (ms - _CHROME_144_MS) // (91 * _DAY_MS) - lag // 3
            tail = f"SamsungBrowser/{samsung}.0 Chrome/{chrome - 6}.0.0.0 Mobile Safari/537.36"
        return f"Mozilla/5.0 (Linux; Android 10; K) {_WEBKIT} {tail}"
    system = {
        "windows": _WIN,
        "macos": _MAC,
        "linux": "X11; Linux x86_64",
        "chromeos": "X11; CrOS x86_64 14541.0.0",
    }[platform]
    if browser == "firefox":
        fx_system = {"windows": _WIN, "macos": "Macintosh; Intel Mac OS X 10.15"}.get(
            platform, "X11; Ubuntu; Linux x86_64" if chrome % 2 else "X11; Linux x86_64"
        )
        return f"Mozilla/5.0 ({fx_system}; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"
    base = f"Mozilla/5.0 ({system}) {_WEBKIT} Chrome/{chrome}.0.0.0 Safari/537.36"
    if browser == "edge":
        return f"{base} Edg/{chrome}.0.0.0"
    if browser == "opera":
        return f"{base} OPR/{chrome - 16}.0.0.0"
    return base


def _lag(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.58:
        return 0
    if roll < 0.82:
        return 1
    if roll < 0.9:
        return 2
    if roll < 0.97:
        return rng.randint(3, 6)
    return rng.randint(7, 30)


_BROWSERS = {
    "windows": (("chrome", 64), ("edge", 22), ("firefox", 10), ("opera", 4)),
    "macos": (("chrome", 50), ("safari", 41), ("firefox", 7), ("edge", 2)),
    "linux": (("chrome", 55), ("firefox", 45)),
    "chromeos": (("chrome", 1),),
    "android": (("chrome", 80), ("samsung", 16), ("firefox", 4)),
    "ios": (("safari", 80), ("chrome", 17), ("firefox", 3)),
}


def _pick(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in pairs], weights=[w for _, w in pairs])[0]


def _odd_agent(rng: random.Random, ms: int) -> Agent:
    """In-app browsers, Android WebViews and the last Chrome for Windows 7: real but unusual."""
    roll = rng.random()
    if roll < 0.4:
        ua = browser_ua("ios", "safari", ms).replace(" Safari/604.1", "")
        app = rng.choice(
            (
                "Instagram 352.0.0.34.91 (iPhone14,5; iOS 18_6; en_US)",
                "[LinkedInApp]/9.31.1422",
                "[FBAN/FBIOS;FBAV/489.0.0.45.106]",
            )
        )
        return Agent(f"{ua} {app}", "ios", "inapp")
    if roll < 0.7:
        chrome = chrome_major(ms) - rng.randint(0, 3)
        ua = (
            f"Mozilla/5.0 (Linux; Android 14; SM-A546B Build/UP1A.231005.007; wv) {_WEBKIT} "
            f"Version/4.0 Chrome/{chrome}.0.0.0 Mobile Safari/537.36"
        )
        return Agent(ua, "android", "inapp")
    ua = f"Mozilla/5.0 (Windows NT 6.1; Win64; x64) {_WEBKIT} Chrome/109.0.0.0 Safari/537.36"
    return Agent(ua, "windows", "chrome")


def person_agent(
    rng: random.Random, country: Country, ms: int, mobile: bool | None = None
) -> Agent:
    """A real person's browser, with the platform mix of their country."""
    if rng.random() < 0.006:
        return _odd_agent(rng, ms)
    if mobile is None:
        mobile = rng.random() < country.mobile_share
    if mobile:
        platform = "ios" if rng.random() < country.ios_share else "android"
    else:
        mac = 8 + 30 * country.ios_share
        platform = _pick(
            rng, (("windows", 92 - mac), ("macos", mac), ("linux", 4), ("chromeos", 2))
        )
    browser = _pick(rng, _BROWSERS[platform])
    return Agent(browser_ua(platform, browser, ms, _lag(rng)), platform, browser)


def safari_agent(rng: random.Random, ms: int, mobile: bool) -> Agent:
    """Safari on an iPhone or a Mac (the only browser iCloud Private Relay covers)."""
    platform = "ios" if mobile else "macos"
    return Agent(browser_ua(platform, "safari", ms, _lag(rng)), platform, "safari")


def library_agent(rng: random.Random) -> Agent:
    """An HTTP library or command-line client."""
    ua = rng.choice(
        (
            f"python-requests/2.{rng.randint(25, 32)}.{rng.randint(0, 3)}",
            f"curl/{rng.choice(('7.68.0', '7.81.0', '8.5.0', '8.7.1', '8.11.1', '8.14.1'))}",
            rng.choice(("Go-http-client/1.1", "Go-http-client/2.0")),
            f"axios/1.{rng.randint(4, 11)}.{rng.randint(0, 7)}",
            "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
            f"okhttp/4.{rng.randint(9, 12)}.0",
            f"python-httpx/0.2{rng.randint(4, 8)}.0",
            f"Python/3.{rng.randint(9, 13)} aiohttp/3.{rng.randint(8, 11)}.{rng.randint(0, 9)}",
            f"Java/{rng.choice(('11.0.21', '17.0.9', '21.0.4'))}",
            f"PostmanRuntime/7.{rng.randint(36, 44)}.0",
            "node",
        )
    )
    return Agent(ua, "script", "library")


def headless_agent(rng: random.Random, ms: int) -> Agent:
    """Headless Chrome as Puppeteer/Playwright send it by default (or old PhantomJS)."""
    if rng.random() < 0.05:
        ua = (
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
            "PhantomJS/2.1.1 Safari/538.1"
        )
        return Agent(ua, "linux", "headless")
    chrome = chrome_major(ms) - rng.randint(0, 8)
    system = "X11; Linux x86_64" if rng.random() < 0.75 else _WIN
    ua = f"Mozilla/5.0 ({system}) {_WEBKIT} HeadlessChrome/{chrome}.0.0.0 Safari/537.36"
    return Agent(ua, "linux" if "Linux" in system else "windows", "headless")


def stale_agent(rng: random.Random, ms: int, min_lag: int = 8, max_lag: int = 70) -> Agent:
    """A real-format browser string many releases old (bundled UA lists go stale)."""
    platform = _pick(rng, (("windows", 70), ("macos", 15), ("android", 10), ("linux", 5)))
    browser = _pick(rng, _BROWSERS[platform][:2])
    ua = browser_ua(platform, browser, ms, rng.randint(min_lag, max_lag))
    if platform == "windows" and rng.random() < 0.25:
        ua = ua.replace(_WIN, rng.choice(("Windows NT 6.1; Win64; x64", "Windows NT 6.1; WOW64")))
    return Agent(ua, platform, browser)


def spoof_pool(rng: random.Random, ms: int, size: int, quality: float) -> list[Agent]:
    """A small, fixed list of plausible browser strings, as a spoofing tool ships them.

    ``quality`` (0..1) controls how current and how varied the list is.
    """
    max_lag = int(2 + 20 * (1 - quality))
    pool = []
    for _ in range(max(1, size)):
        platform = _pick(rng, (("windows", 60), ("macos", 20), ("android", 12), ("ios", 8)))
        browser = _pick(rng, _BROWSERS[platform])
        pool.append(
            Agent(browser_ua(platform, browser, ms, rng.randint(0, max_lag)), platform, browser)
        )
    return pool


def bot_agent(rng: random.Random, sophistication: float, ms: int, country: Country) -> Agent:
    """A bot's client: libraries and headless at low sophistication, people-like at high."""
    s = sophistication
    kind = _pick(
        rng,
        (
            ("library", 0.45 * (1 - s) ** 3),
            ("headless", 0.35 * (1 - s) ** 2),
            ("stale", 0.25 * (1 - s)),
            ("spoofed", 1.6 * s * (1 - s)),
            ("person", s * s),
        ),
    )
    if kind == "library":
        return library_agent(rng)
    if kind == "headless":
        return headless_agent(rng, ms)
    if kind == "stale":
        return stale_agent(rng, ms)
    if kind == "spoofed":
        return spoof_pool(rng, ms, 1, s)[0]
    return person_agent(rng, country, ms)


def accept_language(rng: random.Random, agent: Agent, tags: Sequence[str]) -> str | None:
    """The Accept-Language header each browser family would send for a list of locales."""
    if agent.browser == "library":
        return None if rng.random() < 0.8 else "en-US,en;q=0.9"
    expanded: list[str] = []
    for tag in tags:
        for item in (tag, tag.split("-")[0]):
            if item not in expanded:
                expanded.append(item)
    if agent.browser == "safari" or (agent.platform == "ios" and agent.browser != "firefox"):
        expanded = expanded[:2]
    if agent.browser == "firefox":
        if expanded[:2] == ["en-US", "en"]:
            return "en-US,en;q=0.5"
        step = 0.7 / max(1, len(expanded) - 1)
        return ",".join(
            [expanded[0]]
            + [f"{t};q={max(0.1, 0.8 - step * i):.1f}" for i, t in enumerate(expanded[1:])]
        )
    return ",".join(
        [expanded[0]] + [f"{t};q={max(0.1, 0.9 - 0.1 * i):.1f}" for i, t in enumerate(expanded[1:])]
    )


def device_id(rng: random.Random) -> str:
    """A client-generated device identifier (UUID v4 form)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def person_form_fill(rng: random.Random, mobile: bool, cfg: LegitConfig) -> int | None:
    """How long a person takes to fill the signup form, in ms.

    Password managers and browser autofill fill it in 1-4 s (``autofill_share``); some people
    leave the tab open for minutes (``form_fill_slow_share``); the rest type, around
    ``form_fill_median_s`` (a fifth slower on a phone).
    """
    roll = rng.random()
    if roll < cfg.form_fill_missing_share:
        return None
    roll -= cfg.form_fill_missing_share
    if roll < cfg.autofill_share:
        return rng.randint(1_000, 4_000)
    roll -= cfg.autofill_share
    if roll < cfg.form_fill_slow_share:
        return rng.randint(120_000, 900_000)
    median = cfg.form_fill_median_s * 1000 * (1.2 if mobile else 1.0)
    return max(800, int(rng.lognormvariate(math.log(median), cfg.form_fill_sigma)))


def bot_form_fill(rng: random.Random, sophistication: float, agent: Agent) -> int | None:
    """A script's form time: absent or instant for libraries, human-like but tight at best."""
    if agent.browser == "library":
        return None if rng.random() < 0.7 else rng.randint(40, 900)
    median = 900 + 30_000 * sophistication**1.5
    return max(80, int(rng.lognormvariate(math.log(median), 0.2 + 0.3 * sophistication)))
