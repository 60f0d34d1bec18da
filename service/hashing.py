"""Keyed hashes of identifiers: what state keys, logs and metrics hold instead of raw PII.

BLAKE2b in keyed mode is a MAC (RFC 7693): without the secret, a hash cannot be reversed by
enumerating phone numbers or IPv4 addresses, which a plain SHA-256 can be.
"""

from __future__ import annotations

import hashlib


class Hasher:
    """Keyed BLAKE2b-128 of ``kind:value``, as 32 hex characters."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the hash secret must not be empty")
        self._key = hashlib.blake2b(secret, digest_size=64).digest()

    def __call__(self, kind: str, value: str | None) -> str | None:
        """Hash of one identifier, or ``None`` when it is absent."""
        if value is None:
            return None
        h = hashlib.blake2b(digest_size=16, key=self._key)
        h.update(kind.encode())
        h.update(b":")
        h.update(value.encode("utf-8", "surrogatepass"))
        return h.hexdigest()
