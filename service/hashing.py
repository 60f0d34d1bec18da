"""Keyed hashes of identifiers: what state keys, logs and metrics hold instead of raw PII.

BLAKE2b in keyed mode is a MAC (RFC 7693): without the secret, a hash cannot be reversed by
enumerating phone numbers or IPv4 addresses, which a plain SHA-256 can be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

# Entries a memo (:meth:`Hasher.memo`) holds before it starts over.
MEMO_SIZE = 8192


class Hasher:
    """Keyed BLAKE2b-128 of ``kind:value``, as 32 hex characters."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the hash secret must not be empty")
        self._key = hashlib.blake2b(secret, digest_size=64).digest()
        # Per kind, a keyed state that has already absorbed ``kind:``; copying it is a third
        # of the cost of keying a new one (the key is a whole compressed block).
        self._prefixed: dict[str, Any] = {}

    def _base(self, kind: str) -> Any:
        base = self._prefixed.get(kind)
        if base is None:
            base = hashlib.blake2b(digest_size=16, key=self._key)
            base.update(kind.encode())
            base.update(b":")
            self._prefixed[kind] = base
        return base

    def __call__(self, kind: str, value: str | None) -> str | None:
        """Hash of one identifier, or ``None`` when it is absent."""
        if value is None:
            return None
        base = self._prefixed.get(kind)
        if base is None:
            base = self._base(kind)
        h = base.copy()
        h.update(value.encode("utf-8", "surrogatepass"))
        digest: str = h.hexdigest()
        return digest

    def memo(self, kind: str, size: int = MEMO_SIZE) -> Callable[[str | None], str | None]:
        """``lambda value: self(kind, value)`` that remembers its last results.

        For kinds whose values repeat across requests (user-agent strings, email domains,
        networks, templates): a hit costs a dict lookup instead of a BLAKE2b pass (~0.1 µs
        against ~0.8). At most ``size`` values are held; past that the memo starts over, so
        it stays bounded whatever the traffic. Safe to call from many threads (dict get and set
        are atomic; a race only hashes a value twice). Not for values that rarely repeat
        (mailboxes, phone numbers, devices): their raw values would sit in memory for nothing.
        """
        base = self._base(kind)
        cache: dict[str, str] = {}

        def digest(value: str | None) -> str | None:
            if value is None:
                return None
            found = cache.get(value)
            if found is None:
                h = base.copy()
                h.update(value.encode("utf-8", "surrogatepass"))
                found = h.hexdigest()
                if len(cache) >= size:
                    cache.clear()
                cache[value] = found
            return found

        return digest
