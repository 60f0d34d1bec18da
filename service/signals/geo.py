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


class GeoCountry:
    """Country lookups against one loaded table."""

    __slots__ = ("_geoip", "path")

    def __init__(self, path: Path | None = None) -> None:
        """Load the table (an absolute path, so the current directory is never searched)."""
        self.path = (path or default_table_path()).resolve()
        self._geoip: Any = GeoIP2Fast(verbose=False, geoip2fast_data_file=str(self.path))

    def country(self, address: str) -> str | None:
        """ISO alpha-2 country of a *public* address in canonical text form, else ``None``.

        geoip2fast answers "--" for private or unknown networks and "" for invalid input.
        """
        code = self._geoip.lookup(address).country_code
        if isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha():
            return code.upper()
        return None
