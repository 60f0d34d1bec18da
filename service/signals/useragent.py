"""User agent: browser and OS family, and markers of bots, automation and emulators.

Browser and OS come from ua-parser's regexes run by its Rust engine (about 8 µs); bots, HTTP
libraries and automation tools from the crawler list (``crawlers``, about 3 µs) plus the short
lists below for what that list lacks. Whole results are cached per analyzer in a bounded LRU:
real traffic repeats a few thousand user agents over and over.

Precedence of ``browser_family``: an HTTP library (LIBRARY) over a headless or automation marker
(HEADLESS) over any other crawler pattern (BOT) over the parsed browser. ``is_bot`` is True for
any crawler-list match or library. Electron alone is *not* a headless marker: Slack, VS Code
and other desktop apps are Electron.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ua_parser import load_lazy_builtins
from ua_parser.core import Domain
from ua_parser.core import Resolver as UaResolver
from ua_parser.regex import Resolver as RegexResolver

from service.signals.codes import BrowserFamily, OsFamily
from service.signals.crawlers import CrawlerKind, CrawlerMatcher
from service.signals.types import UserAgentSignals

MAX_PARSED_CHARS = 1024  # real user agents are under 512; the rest of a longer one is ignored
_MAX_CACHED_CHARS = 512  # longer strings are analysed but not cached

# HTTP clients the crawler list lacks; they name themselves at the start of the string.
_LIBRARY = re.compile(
    r"(?:Java/|Java-http-client|Dart/|PostmanRuntime/|insomnia/|GuzzleHttp|Faraday |RestSharp"
    r"|undici|node$|Ruby$|PycURL|libcurl|Deno/|Bun/|reqwest|Ktor|aws-sdk-|Boto3/|Botocore/"
    r"|Apache-HttpAsyncClient|WinHttp|HTTPie|superagent|unirest|lua-resty-http)",
    re.IGNORECASE,
)
_HEADLESS = re.compile(
    r"Headless|PhantomJS|SlimerJS|Puppeteer|Playwright|Selenium|WebDriver|Nightmare|Cypress/"
    r"|HtmlUnit|jsdom/"
)
_EMULATOR = re.compile(
    r"Android SDK built for|sdk_gphone|google_sdk|\bEmulator\b|Genymotion|vbox86p|generic_x86",
    re.IGNORECASE,
)

_BROWSERS: Mapping[str, BrowserFamily] = MappingProxyType(
    {
        "Chrome": BrowserFamily.CHROME,
        "Chromium": BrowserFamily.CHROME,
        "Chrome Mobile": BrowserFamily.CHROME_MOBILE,
        "Chrome Mobile iOS": BrowserFamily.CHROME_MOBILE,
        "Chrome Mobile WebView": BrowserFamily.CHROME_MOBILE,
        "Firefox": BrowserFamily.FIREFOX,
        "Firefox Mobile": BrowserFamily.FIREFOX_MOBILE,
        "Firefox iOS": BrowserFamily.FIREFOX_MOBILE,
        "Safari": BrowserFamily.SAFARI,
        "Mobile Safari": BrowserFamily.SAFARI_MOBILE,
        "Mobile Safari UI/WKWebView": BrowserFamily.SAFARI_MOBILE,
        "Edge": BrowserFamily.EDGE,
        "Edge Mobile": BrowserFamily.EDGE,
        "Opera": BrowserFamily.OPERA,
        "Opera Mobile": BrowserFamily.OPERA,
        "Opera Mini": BrowserFamily.OPERA,
        "Samsung Internet": BrowserFamily.SAMSUNG,
        "HeadlessChrome": BrowserFamily.HEADLESS,
        "Other": BrowserFamily.UNKNOWN,
    }
)
_LINUX = frozenset(
    {"Linux", "Ubuntu", "Debian", "Fedora", "Red Hat", "CentOS", "SUSE", "openSUSE", "Gentoo"}
    | {"Mint", "Linux Mint", "Arch Linux", "Kubuntu", "Xubuntu", "Slackware", "Mandriva"}
)
_OSES: Mapping[str, OsFamily] = MappingProxyType(
    {
        "Windows": OsFamily.WINDOWS,
        "Mac OS X": OsFamily.MACOS,
        "macOS": OsFamily.MACOS,
        "iOS": OsFamily.IOS,
        "iPadOS": OsFamily.IOS,
        "Android": OsFamily.ANDROID,
        "Chrome OS": OsFamily.CHROME_OS,
        "ChromeOS": OsFamily.CHROME_OS,
        "Other": OsFamily.UNKNOWN,
        **dict.fromkeys(_LINUX, OsFamily.LINUX),
    }
)

_ABSENT = UserAgentSignals(
    present=False,
    browser_family=BrowserFamily.UNKNOWN,
    os_family=OsFamily.UNKNOWN,
    browser_major=None,
    is_bot=False,
    is_headless=False,
    is_emulator=False,
    length=0,
)


def build_ua_resolver() -> UaResolver:
    """ua-parser's bundled regexes compiled for the Rust engine (about 0.1 s, done once)."""
    resolver: UaResolver = RegexResolver(load_lazy_builtins())
    return resolver


def _os_family(family: str | None) -> OsFamily:
    if family is None:
        return OsFamily.UNKNOWN
    if family.startswith("Windows"):
        return OsFamily.OTHER if "Phone" in family or "Mobile" in family else OsFamily.WINDOWS
    return _OSES.get(family, OsFamily.OTHER)


def _major(major: str | None) -> int | None:
    if major is None or not major.isascii() or not major.isdigit() or len(major) > 6:
        return None
    return int(major)


def _utf8_safe(text: str) -> str:
    """The text with lone surrogates replaced: the Rust regex engine takes only valid UTF-8."""
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


class UserAgentAnalyzer:
    """Classifies user agents against fixed regex sets, with a bounded LRU of results."""

    __slots__ = ("_cached", "_crawlers", "_resolver")

    def __init__(
        self, resolver: UaResolver, crawlers: CrawlerMatcher, cache_size: int = 8192
    ) -> None:
        """``resolver`` from ``build_ua_resolver``; ``cache_size`` results are kept."""
        self._resolver = resolver
        self._crawlers = crawlers
        self._cached: Callable[[str], UserAgentSignals] = functools.lru_cache(maxsize=cache_size)(
            self._analyze
        )

    def signals(self, raw: str | None) -> UserAgentSignals:
        """Everything the signal layer derives from a user agent; never raises."""
        if raw is None or not raw.strip():
            return _ABSENT
        if len(raw) <= _MAX_CACHED_CHARS:
            return self._cached(raw)
        return self._analyze(raw)

    def _analyze(self, raw: str) -> UserAgentSignals:
        text = _utf8_safe(raw.strip()[:MAX_PARSED_CHARS])
        kind = self._crawlers.match(text)
        parsed = self._resolver(text, Domain.USER_AGENT | Domain.OS)
        library = kind is CrawlerKind.LIBRARY or _LIBRARY.match(text) is not None
        headless = kind is CrawlerKind.AUTOMATION or _HEADLESS.search(text) is not None
        agent = parsed.user_agent
        if library:
            browser = BrowserFamily.LIBRARY
        elif headless:
            browser = BrowserFamily.HEADLESS
        elif kind is CrawlerKind.BOT:
            browser = BrowserFamily.BOT
        elif agent is None:
            browser = BrowserFamily.UNKNOWN
        else:
            browser = _BROWSERS.get(agent.family, BrowserFamily.OTHER)
        return UserAgentSignals(
            present=True,
            browser_family=browser,
            os_family=_os_family(parsed.os.family if parsed.os else None),
            browser_major=_major(agent.major) if agent else None,
            is_bot=kind is not None or library,
            is_headless=headless,
            is_emulator=_EMULATOR.search(text) is not None,
            length=len(raw),
        )
