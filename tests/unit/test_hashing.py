"""Keyed hashes of identifiers."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.hashing import Hasher

_SECRET = b"test-secret"


def _reference(secret: bytes, kind: str, value: str) -> str:
    """Keyed BLAKE2b-128 of ``kind:value`` computed from scratch."""
    key = hashlib.blake2b(secret, digest_size=64).digest()
    h = hashlib.blake2b(digest_size=16, key=key)
    h.update(f"{kind}:".encode())
    h.update(value.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@given(st.sampled_from(["ip", "device", "email", "card"]), st.text())
def test_hash_is_keyed_blake2b_of_kind_and_value(kind: str, value: str) -> None:
    """Reusing the per-kind prefix state gives exactly the from-scratch keyed hash."""
    hasher = Hasher(_SECRET)
    assert hasher(kind, value) == _reference(_SECRET, kind, value)
    assert hasher(kind, value) == _reference(_SECRET, kind, value)  # the cached prefix again


def test_kind_secret_and_absence_matter() -> None:
    """Kinds and secrets separate hashes; an absent value has no hash."""
    hasher = Hasher(_SECRET)
    assert hasher("ip", "10.0.0.1") != hasher("device", "10.0.0.1")
    assert hasher("ip", "10.0.0.1") != Hasher(b"other")("ip", "10.0.0.1")
    assert hasher("ip", None) is None
    with pytest.raises(ValueError, match="empty"):
        Hasher(b"")
