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


@given(
    st.sampled_from(["user_agent", "email_domain"]),
    st.lists(st.none() | st.sampled_from(["a", "b", "é", "\ud800"]) | st.text(), max_size=40),
    st.integers(1, 4),
)
def test_memo_gives_the_same_hashes_and_stays_bounded(
    kind: str, values: list[str | None], size: int
) -> None:
    """A memo answers what the hasher does, repeats included, holding at most ``size`` values."""
    hasher = Hasher(_SECRET)
    memo = hasher.memo(kind, size=size)
    for value in values:
        assert memo(value) == (None if value is None else _reference(_SECRET, kind, value))
    held = [c.cell_contents for c in memo.__closure__ or () if isinstance(c.cell_contents, dict)]
    assert held
    assert all(len(d) <= size for d in held)
