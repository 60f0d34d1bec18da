"""The fast name signals equal difflib and the per-character definitions, bit for bit.

``name_similarity`` used to run difflib's ``SequenceMatcher``; the model was trained on its
floats, so ``matching_characters`` and ``_longest_match`` must reproduce it exactly, ties
included. They are compared exhaustively on small alphabets (where ties abound) and on random
text.
"""

from __future__ import annotations

import itertools
from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from service.signals import name as fast
from tests.unit.signals.strategies import maybe_text

_SETTINGS = settings(max_examples=500, deadline=None)
_PATTERN_SCORE = 0.9


def _difflib_matches(a: str, b: str) -> int:
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks)


def _reference_similarity(full_name: str | None, local_part: str | None) -> float | None:
    """name_similarity as it was, with difflib."""
    if full_name is None or local_part is None:
        return None
    tokens = fast.letter_runs(fast.fold(full_name[:256]))
    letters = "".join(fast.letter_runs(fast.fold(local_part.split("+", 1)[0])))
    if not tokens or not letters:
        return None if not tokens else 0.0
    long_tokens = [t for t in tokens if len(t) >= 2]
    name_letters = sum(len(t) for t in long_tokens)
    best = sum(len(t) for t in long_tokens if t in letters) / name_letters if name_letters else 0.0
    if len(tokens) >= 2:
        first, last = tokens[0], tokens[-1]
        if letters in {first[0] + last, first + last[0], last + first[0], last[0] + first}:
            best = max(best, _PATTERN_SCORE)
    if best < 1.0:
        matcher = SequenceMatcher(None, "".join(tokens), letters, autojunk=False)
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def _all_strings(alphabet: str, max_length: int) -> list[str]:
    return [
        "".join(chars)
        for length in range(max_length + 1)
        for chars in itertools.product(alphabet, repeat=length)
    ]


def test_matching_characters_equals_difflib_on_every_small_pair() -> None:
    """Every pair of strings over "ab" up to 6 characters and over "abc" up to 4 matches
    exactly as many characters as difflib's matching blocks."""
    pairs = 0
    for alphabet, max_length in (("ab", 6), ("abc", 4)):
        strings = _all_strings(alphabet, max_length)
        for a, b in itertools.product(strings, strings):
            assert fast.matching_characters(a, b) == _difflib_matches(a, b), (a, b)
            pairs += 1
    assert pairs == 127**2 + 121**2


@settings(max_examples=1000, deadline=None)
@given(
    a=st.text("abcde", max_size=30) | st.text(max_size=12),
    b=st.text("abcde", max_size=30) | st.text(max_size=12),
)
def test_matching_characters_equals_difflib(a: str, b: str) -> None:
    """Random text, long and short, matches exactly as many characters as with difflib."""
    assert fast.matching_characters(a, b) == _difflib_matches(a, b)


@settings(max_examples=1000, deadline=None)
@given(data=st.data(), a=st.text("abc", max_size=14), b=st.text("abc", max_size=14))
def test_longest_match_equals_find_longest_match(data: st.DataObject, a: str, b: str) -> None:
    """On any sub-box of two strings the longest block is difflib's, ties resolved the same."""
    alo = data.draw(st.integers(0, len(a)))
    ahi = data.draw(st.integers(alo, len(a)))
    blo = data.draw(st.integers(0, len(b)))
    bhi = data.draw(st.integers(blo, len(b)))
    expected = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(alo, ahi, blo, bhi)
    assert fast._longest_match(a, b, alo, ahi, blo, bhi) == tuple(expected)


def test_long_inputs_match_difflib() -> None:
    """Inputs of 200+ letters (where difflib's autojunk would matter were it on) agree."""
    cases = [
        ("ab" * 128, "ba" * 125),
        ("a" * 256, "a" * 250),
        ("abcdefghijklmnopqrstuvwxyz" * 9, "zyxwvutsrqponmlkjihgfedcba" * 9),
        ("johnsmith" * 28, "smithjohn" * 27 + "x"),
    ]
    for a, b in cases:
        assert fast.matching_characters(a, b) == _difflib_matches(a, b)


@_SETTINGS
@given(full_name=maybe_text, local_part=maybe_text)
def test_name_similarity_is_bit_identical(full_name: str | None, local_part: str | None) -> None:
    """Any name and local part score the very float the difflib version scored."""
    assert repr(fast.name_similarity(full_name, local_part)) == repr(
        _reference_similarity(full_name, local_part)
    )


def test_name_similarity_of_name_like_pairs_is_bit_identical() -> None:
    """Realistic pairs (initials, swapped order, typos, digits, accents) score as before."""
    names = ["John Smith", "Zoë Müller", "Anne-Marie O'Neil", "Li Na", "X", "Jean Luc Picard"]
    locals_ = [
        "john.smith",
        "jsmith",
        "smithj",
        "jonsmith87",
        "jo.sm",
        "zoe.muller",
        "annemarie",
        "oneil+shop",
        "lina",
        "nali",
        "x7kq9zt",
        "picardjl",
        "+tag",
        "",
    ]
    for full_name, local_part in itertools.product(names, locals_):
        assert repr(fast.name_similarity(full_name, local_part)) == repr(
            _reference_similarity(full_name, local_part)
        ), (full_name, local_part)


@_SETTINGS
@given(raw=maybe_text)
def test_has_digits_is_str_isdigit(raw: str | None) -> None:
    """has_digits is whether any character is a digit by str.isdigit, ASCII or not."""
    signals = fast.name_signals(raw)
    name = (raw or "").strip()
    assert signals.has_digits == any(ch.isdigit() for ch in name)
