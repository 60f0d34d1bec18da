"""IP → country from the table bundled with the ``geoip2fast`` package (GeoLite2-derived).

The package ships an IPv4-only table and a larger one holding IPv4 *and* IPv6; the latter loads
in about 0.08 s, so it is the default and both versions get a country.

Caveat: geoip2fast keeps its loaded table in module globals, not in the instance. Two
``GeoCountry`` objects built from different files in one process would share the last one
loaded. Everything here loads the same file, so this is harmless; do not mix files.
"""

from __future__ import annotations

import importlib.resources
import logging
from pathlib import Path
from typing import Any

from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]  # the package ships no types

logger = logging.getLogger(__name__)

DEFAULT_TABLE = "geoip2fast-ipv6.dat.gz"


def default_table_path() -> Path:
    """The bundled IPv4+IPv6 country table inside the installed geoip2fast package."""
    return Path(str(importlib.resources.files("geoip2fast").joinpath(DEFAULT_TABLE)))


def _as_country(code: object) -> str | None:
    """An ISO alpha-2 code from geoip2fast's answer; its "--" and "" codes are ``None``."""
    if isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha():
        return code.upper()
    return None


class GeoCountry:
    """Country lookups against one loaded table."""

    __slots__ = ("_direct", "_geoip", "path")

    def __init__(self, path: Path | None = None) -> None:
        """Load the table (an absolute path, so the current directory is never searched)."""
        self.path = (path or default_table_path()).resolve()
        self._geoip: Any = GeoIP2Fast(verbose=False, geoip2fast_data_file=str(self.path))
        # A country table and the two internal steps of ``lookup`` ``country_of`` takes.
        self._direct = bool(
            getattr(self._geoip, "country", False)
            and hasattr(self._geoip, "_main_index_lookup")
            and hasattr(self._geoip, "_country_lookup")
        )

    def country(self, address: str) -> str | None:
        """ISO alpha-2 country of a *public* address in canonical text form, else ``None``.

        geoip2fast answers "--" for private or unknown networks and "" for invalid input.
        """
        return _as_country(self._geoip.lookup(address).country_code)

    def country_of(self, value: int, address: str) -> str | None:
        """``country(address)`` for the canonical text ``address`` of the integer ``value``.

        Takes only the steps of geoip2fast's ``lookup`` its country code depends on: the
        bisection of ``value`` (what ``lookup`` parses ``address`` to), the "not found" test
        and the country of the network found. It skips parsing the text, formatting the
        network, the ASN lookup and the timing and result objects (about 2 µs of 2.5).
        ``lookup`` answers "" when a step fails; so does this, as ``None``.
        """
        if not self._direct:
            return self.country(address)
        geoip = self._geoip
        try:
            root, chunk, _first, last, _netlen = geoip._main_index_lookup(value)
            if value > last:
                return None
            code = geoip._country_lookup(root, chunk)[0]
        except Exception:  # lookup turns every failure into ""
            return None
        return _as_country(code)
