"""Crawler, HTTP-library and browser-automation user-agent patterns, matched all at once.

The list (monperrus/crawler-user-agents, ~1500 regexes) is compiled into one Rust regex set
through ua-parser's ``regex`` resolver, the same engine that parses browsers: one pass over the
string tests every pattern (about 3 µs per user agent), where a Python alternation of 1500
branches costs a few hundred. Each pattern keeps its upstream tags, which decide its kind.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from ua_parser.core import Domain, Matcher, UserAgent
from ua_parser.lazy import UserAgentMatcher
from ua_parser.regex import Resolver

from service.signals.lists import RefDataError


class CrawlerKind(enum.IntEnum):
    """What a matching pattern says about the client, most specific kind first."""

    LIBRARY = 1  # curl, python-requests, okhttp ...: tagged "http-library"
    AUTOMATION = 2  # HeadlessChrome, Puppeteer, Playwright ...: tagged "browser-automation"
    BOT = 3  # crawlers, monitors, previews and every other tag


_TAG_KINDS = {"http-library": CrawlerKind.LIBRARY, "browser-automation": CrawlerKind.AUTOMATION}


@dataclass(frozen=True, slots=True)
class CrawlerPattern:
    """One upstream entry: its regex and what it matches."""

    pattern: str
    kind: CrawlerKind


def parse_crawler_json(text: str) -> tuple[CrawlerPattern, ...]:
    """Parse crawler-user-agents.json; ``RefDataError`` if any entry is malformed."""
    try:
        entries = json.loads(text)
    except ValueError as exc:
        raise RefDataError(f"crawler list is not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise RefDataError("crawler list is not a JSON array")
    patterns = []
    for i, entry in enumerate(entries):
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        tags = entry.get("tags", []) if isinstance(entry, dict) else None
        if not isinstance(pattern, str) or not pattern or not isinstance(tags, list):
            raise RefDataError(f"crawler entry {i} has no pattern string or a bad tags field")
        kinds = [_TAG_KINDS.get(tag, CrawlerKind.BOT) for tag in tags if isinstance(tag, str)]
        patterns.append(CrawlerPattern(pattern, min(kinds, default=CrawlerKind.BOT)))
    if not patterns:
        raise RefDataError("crawler list is empty")
    return tuple(patterns)


class CrawlerMatcher:
    """Every crawler pattern compiled into one matcher; immutable after construction."""

    __slots__ = ("_kinds", "_resolver", "patterns")

    def __init__(self, patterns: tuple[CrawlerPattern, ...]) -> None:
        """Compile the patterns; ``RefDataError`` if the regex engine refuses one of them."""
        self.patterns = patterns
        self._kinds = tuple(p.kind for p in patterns)
        # The matched entry's index travels back as the "family" string.
        matchers: list[Matcher[UserAgent]] = [
            UserAgentMatcher(p.pattern, str(i)) for i, p in enumerate(patterns)
        ]
        try:
            self._resolver = Resolver((matchers, [], []))
        except ValueError as exc:
            raise RefDataError(f"a crawler pattern does not compile: {exc}") from exc

    def match(self, user_agent: str) -> CrawlerKind | None:
        """The kind of the first pattern (in list order) that matches, or ``None``.

        The string must be valid UTF-8 (no lone surrogates): the Rust engine refuses others.
        """
        found = self._resolver(user_agent, Domain.USER_AGENT).user_agent
        if found is None:
            return None
        return self._kinds[int(found.family)]

    def __len__(self) -> int:
        """Number of patterns."""
        return len(self.patterns)
