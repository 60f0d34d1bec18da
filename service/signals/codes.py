"""Explicit category codes used as categorical model features.

The numbers are part of the feature spec: a model trained on them depends on them, so a code is
never renumbered or reused; new members get new numbers and the spec version goes up.
0 always means "absent or unknown".
"""

from __future__ import annotations

import enum


class PhoneLineType(enum.IntEnum):
    """Line type of a phone number, as libphonenumber classifies it."""

    UNKNOWN = 0
    MOBILE = 1
    FIXED_LINE = 2
    FIXED_LINE_OR_MOBILE = 3
    VOIP = 4
    TOLL_FREE = 5
    PREMIUM_RATE = 6
    SHARED_COST = 7
    PERSONAL_NUMBER = 8
    PAGER = 9
    UAN = 10
    VOICEMAIL = 11


class BrowserFamily(enum.IntEnum):
    """Browser family from the user agent."""

    UNKNOWN = 0
    CHROME = 1
    FIREFOX = 2
    SAFARI = 3
    EDGE = 4
    OPERA = 5
    SAMSUNG = 6
    CHROME_MOBILE = 7
    SAFARI_MOBILE = 8
    FIREFOX_MOBILE = 9
    HEADLESS = 10
    LIBRARY = 11  # curl, python-requests, Go-http-client, okhttp ...
    BOT = 12  # crawlers and spiders
    OTHER = 13


class OsFamily(enum.IntEnum):
    """Operating system family from the user agent."""

    UNKNOWN = 0
    WINDOWS = 1
    MACOS = 2
    LINUX = 3
    ANDROID = 4
    IOS = 5
    CHROME_OS = 6
    OTHER = 7


class CloudProvider(enum.IntEnum):
    """Cloud or privacy-relay network an IP belongs to (from the bundled range lists)."""

    NONE = 0
    AMAZON = 1
    GOOGLE = 2
    MICROSOFT = 3
    ORACLE = 4
    DIGITALOCEAN = 5
    LINODE = 6
    VULTR = 7
    CLOUDFLARE = 8
    APPLE_RELAY = 9
    PROTONVPN = 10
