"""Replace one reference list with a newer copy: download or read, validate, swap atomically.

A new copy must parse completely with the same parser the service loads it with (see
``lists``); an empty, truncated or error-page download is refused with ``RefDataError`` and the
old file stays. The swap is a temporary file in the same directory plus ``os.replace``, so a
reader sees either the old list or the new one, never half of one. A running service keeps
the lists it loaded; it reads refreshed ones at its next start.
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.request
from pathlib import Path

from service.signals.crawlers import CrawlerMatcher, parse_crawler_json
from service.signals.lists import (
    LISTS,
    ListFormat,
    RefDataError,
    parse_cidr_list,
    parse_domain_list,
    parse_tor_csv,
)

logger = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # the largest list is about 1 MB
DOWNLOAD_TIMEOUT_S = 60.0


def count_entries(fmt: ListFormat, text: str) -> int:
    """Parse ``text`` as a list of ``fmt`` and count it: domains, merged ranges or patterns.

    Raises ``RefDataError`` when the text is not a valid, non-empty list of that format.
    """
    if fmt is ListFormat.DOMAINS:
        return len(parse_domain_list(text))
    if fmt is ListFormat.CIDR_V4:
        return len(parse_cidr_list(text, 4))
    if fmt is ListFormat.CIDR_V6:
        return len(parse_cidr_list(text, 6))
    if fmt is ListFormat.TOR_CSV:
        return len(parse_tor_csv(text))
    return len(CrawlerMatcher(parse_crawler_json(text)))  # compiles every pattern


def fetch(source: str) -> bytes:
    """The bytes at an ``https://`` URL or a local file path; ``RefDataError`` if unreadable."""
    if source.startswith("https://"):
        # S310 (both lines): the scheme is checked just above; only https is ever opened.
        headers = {"User-Agent": "signupguard-refresh"}
        request = urllib.request.Request(source, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310
                data: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
        except OSError as exc:  # URLError and HTTPError are OSErrors
            raise RefDataError(f"cannot download {source}: {exc}") from exc
    elif "://" in source:
        raise RefDataError(f"only https:// URLs or local paths are accepted, not {source!r}")
    else:
        try:
            with Path(source).open("rb") as file:
                data = file.read(MAX_DOWNLOAD_BYTES + 1)
        except OSError as exc:
            raise RefDataError(f"cannot read {source}: {exc}") from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise RefDataError(f"{source} is larger than {MAX_DOWNLOAD_BYTES} bytes")
    return data


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, 0o644)  # mkstemp creates 0600; lists are world-readable data
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def refresh(name: str, source: str, data_dir: Path) -> int:
    """Replace list ``name`` under ``data_dir`` with the copy at ``source`` (URL or path).

    Returns the new list's entry count. Raises ``RefDataError``, leaving the old file in place,
    when the name is unknown or the copy cannot be fetched, decoded or parsed.
    """
    spec = LISTS.get(name)
    if spec is None:
        raise RefDataError(f"unknown list {name!r}; known lists: {', '.join(sorted(LISTS))}")
    data = fetch(source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RefDataError(f"{name}: {source} is not UTF-8 text: {exc}") from exc
    try:
        count = count_entries(spec.format, text)
    except RefDataError as exc:
        raise RefDataError(f"{name}: refused {source}: {exc}") from exc
    _write_atomically(data_dir / spec.path, data)
    logger.info("refreshed list %s from %s: %d entries", name, source, count)
    return count


def refresh_command(names: list[str], source: str | None, data_dir: Path) -> dict[str, int]:
    """The ``refresh-data`` command: refresh each named list (``all`` for every one).

    ``source`` overrides the default upstream URL and needs exactly one name. Lists are
    refreshed in order and the first failure raises ``RefDataError``; lists refreshed before
    it keep their new copies (each swap is atomic on its own). Returns name → entry count.
    """
    chosen = list(LISTS) if names == ["all"] else names
    if not chosen:
        raise RefDataError("name at least one list, or 'all'")
    unknown = [n for n in chosen if n not in LISTS]
    if unknown:
        raise RefDataError(f"unknown lists {unknown}; known lists: {', '.join(sorted(LISTS))}")
    if source is not None and len(chosen) != 1:
        raise RefDataError("--source replaces one list: name exactly one")
    return {name: refresh(name, source or LISTS[name].url, data_dir) for name in chosen}
