"""Keyed hashes of identifiers: what state keys, logs and metrics hold instead of raw PII.

BLAKE2b in keyed mode is a MAC (RFC 7693): without the secret, a hash cannot be reversed by
enumerating phone numbers or IPv4 addresses, which a plain SHA-256 can be.
"""

from __future__ import annotations

import hashlib
from typing import Any


class Hasher:
    """Keyed BLAKE2b-128 of ``kind:value``, as 32 hex characters."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the hash secret must not be empty")
        self._key = hashlib.blake2b(secret, digest_size=64).digest()
        # Per kind, a keyed state that has already absorbed ``kind:``; copying it is a third
        # of the cost of keying a new one (the key is a whole compressed block).
        self._prefixed: dict[str, Any] = {}

    def __call__(self, kind: str, value: str | None) -> str | None:
        """Hash of one identifier, or ``None`` when it is absent."""
        if value is None:
            return None
        base = self._prefixed.get(kind)
        if base is None:
            base = hashlib.blake2b(digest_size=16, key=self._key)
            base.update(kind.encode())
            base.update(b":")
            self._prefixed[kind] = base
        h = base.copy()
        h.update(value.encode("utf-8", "surrogatepass"))
        return h.hexdigest()
