"""User agent: browser and OS families, bots, libraries, headless browsers and emulators."""

from __future__ import annotations

import json

import pytest

from service.signals import RefData
from service.signals.codes import BrowserFamily, OsFamily
from service.signals.crawlers import CrawlerKind, CrawlerMatcher, parse_crawler_json
from service.signals.lists import LISTS, RefDataError
from service.signals.refdata import DEFAULT_DATA_DIR
from service.signals.useragent import UserAgentAnalyzer

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
EMULATOR = (
    "Mozilla/5.0 (Linux; Android 9; Android SDK built for x86 Build/PSR1.180720.075) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/69.0.3497.100 Mobile Safari/537.36"
)
GPHONE_EMULATOR = (
    "Mozilla/5.0 (Linux; Android 11; sdk_gphone_x86 Build/RSR1.201013.001; wv) AppleWebKit/537.36"
    " (KHTML, like Gecko) Version/4.0 Chrome/83.0.4103.106 Mobile Safari/537.36"
)


@pytest.fixture
def analyzer(refdata: RefData) -> UserAgentAnalyzer:
    """A fresh analyzer (empty cache) over the bundled patterns."""
    return UserAgentAnalyzer(refdata.ua_resolver, refdata.crawlers, cache_size=64)


@pytest.mark.parametrize(
    ("ua", "browser", "os", "major"),
    [
        (CHROME_WINDOWS, BrowserFamily.CHROME, OsFamily.WINDOWS, 126),
        (SAFARI_IPHONE, BrowserFamily.SAFARI_MOBILE, OsFamily.IOS, 17),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4 Safari/605.1.15",
            BrowserFamily.SAFARI,
            OsFamily.MACOS,
            17,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            BrowserFamily.CHROME_MOBILE,
            OsFamily.ANDROID,
            124,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            BrowserFamily.SAMSUNG,
            OsFamily.ANDROID,
            24,
        ),
        (
            CHROME_WINDOWS + " Edg/126.0.2592.56",
            BrowserFamily.EDGE,
            OsFamily.WINDOWS,
            126,
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            BrowserFamily.FIREFOX,
            OsFamily.LINUX,
            125,
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36",
            BrowserFamily.CHROME,
            OsFamily.CHROME_OS,
            124,
        ),
    ],
)
def test_real_browsers(
    analyzer: UserAgentAnalyzer, ua: str, browser: BrowserFamily, os: OsFamily, major: int
) -> None:
    """Common browsers map to their family, OS and major version, with no automation flags."""
    signals = analyzer.signals(ua)
    assert (signals.browser_family, signals.os_family, signals.browser_major) == (
        browser,
        os,
        major,
    )
    assert (signals.is_bot, signals.is_headless, signals.is_emulator) == (False, False, False)
    assert signals.length == len(ua)


@pytest.mark.parametrize(
    "ua",
    [
        "curl/8.4.0",
        "python-requests/2.31.0",
        "Go-http-client/2.0",
        "okhttp/4.12.0",
        "axios/1.6.0",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "Java/1.8.0_151",
        "PostmanRuntime/7.36.0",
        "Dart/3.1 (dart:io)",
    ],
)
def test_http_libraries(analyzer: UserAgentAnalyzer, ua: str) -> None:
    """HTTP client libraries are LIBRARY and count as bots."""
    signals = analyzer.signals(ua)
    assert signals.browser_family is BrowserFamily.LIBRARY
    assert signals.is_bot


def test_googlebot_is_a_bot(analyzer: UserAgentAnalyzer) -> None:
    """A search crawler is BOT, not headless."""
    signals = analyzer.signals(GOOGLEBOT)
    assert signals.browser_family is BrowserFamily.BOT
    assert signals.is_bot
    assert not signals.is_headless


@pytest.mark.parametrize(
    "ua",
    [
        HEADLESS_CHROME,
        CHROME_WINDOWS.replace("Chrome/", "PhantomJS/2.1.1 Chrome/"),
        CHROME_WINDOWS + " Puppeteer",
        "Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/20.0.3",
    ],
)
def test_headless_and_automation(analyzer: UserAgentAnalyzer, ua: str) -> None:
    """Headless browsers and automation tools are HEADLESS with is_headless set."""
    signals = analyzer.signals(ua)
    assert signals.browser_family is BrowserFamily.HEADLESS
    assert signals.is_headless


def test_electron_alone_is_not_headless(analyzer: UserAgentAnalyzer) -> None:
    """An Electron desktop app (Slack, ...) is not flagged as automation."""
    signals = analyzer.signals(CHROME_WINDOWS + " Slack/4.36.140 Electron/27.1.0")
    assert not signals.is_headless
    assert not signals.is_bot


@pytest.mark.parametrize("ua", [EMULATOR, GPHONE_EMULATOR])
def test_android_emulators(analyzer: UserAgentAnalyzer, ua: str) -> None:
    """Android SDK emulator builds are flagged is_emulator and still parse as Android."""
    signals = analyzer.signals(ua)
    assert signals.is_emulator
    assert signals.os_family is OsFamily.ANDROID


def test_unknown_and_absent(analyzer: UserAgentAnalyzer) -> None:
    """Gibberish is present but UNKNOWN; None and blank are absent."""
    signals = analyzer.signals("zzz")
    assert signals.present
    assert signals.browser_family is BrowserFamily.UNKNOWN
    assert signals.os_family is OsFamily.UNKNOWN
    assert not analyzer.signals(None).present
    assert not analyzer.signals("   ").present


def test_results_are_cached_and_equal(analyzer: UserAgentAnalyzer) -> None:
    """A repeated user agent returns the cached result object."""
    first = analyzer.signals(CHROME_WINDOWS)
    assert analyzer.signals(CHROME_WINDOWS) is first


def test_long_user_agent_keeps_its_true_length(analyzer: UserAgentAnalyzer) -> None:
    """A 5000-character user agent is analysed on its start but reports its full length."""
    ua = CHROME_WINDOWS + " x" * 2500
    signals = analyzer.signals(ua)
    assert signals.length == len(ua)
    assert signals.browser_family is BrowserFamily.CHROME


def test_every_upstream_instance_matches_its_list(refdata: RefData) -> None:
    """Every example user agent shipped in crawler-user-agents.json matches some pattern."""
    entries = json.loads(
        (DEFAULT_DATA_DIR / LISTS["crawler-user-agents"].path).read_text(encoding="utf-8")
    )
    instances = [ua for entry in entries for ua in entry.get("instances", [])]
    assert len(instances) > 1000
    assert all(refdata.crawlers.match(ua) is not None for ua in instances)


def test_crawler_kinds_come_from_tags() -> None:
    """http-library wins over browser-automation, which wins over other tags."""
    patterns = parse_crawler_json(
        '[{"pattern": "a", "tags": ["seo", "http-library"]},'
        ' {"pattern": "b", "tags": ["browser-automation", "ai-crawler"]},'
        ' {"pattern": "c"}]'
    )
    assert [p.kind for p in patterns] == [
        CrawlerKind.LIBRARY,
        CrawlerKind.AUTOMATION,
        CrawlerKind.BOT,
    ]
    matcher = CrawlerMatcher(patterns)
    assert matcher.match("xbx") is CrawlerKind.AUTOMATION
    assert matcher.match("zzz") is None


@pytest.mark.parametrize(
    "text", ["not json", "{}", '[{"tags": []}]', '[{"pattern": 3}]', "[]", '[{"pattern": "("}]']
)
def test_broken_crawler_lists_are_refused(text: str) -> None:
    """Malformed JSON, entries without a pattern, an empty list and a bad regex are refused."""
    with pytest.raises(RefDataError):
        CrawlerMatcher(parse_crawler_json(text))
