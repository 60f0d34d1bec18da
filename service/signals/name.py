"""Full name: shape markers, text folding, and how well a name matches an email's local part."""

from __future__ import annotations

import re
import unicodedata

from service.signals.types import NameSignals

_LETTER_RUN = re.compile(r"[^\W\d_]+")
_ASCII_DIGIT = re.compile(r"[0-9]")  # str.isdigit of an ASCII character
_NOT_LETTER = re.compile(r"[\W\d_]+")  # the complement: removing it joins the letter runs
_MAX_NAME_CHARS = 256  # a longer "name" is compared by its first 256 characters
_PATTERN_SCORE = 0.9  # initial+surname and similar shapes: strong, short of the whole name

_ABSENT = NameSignals(present=False, token_count=0, has_digits=False, length=0)


def fold(text: str) -> str:
    """Lower-case, compatibility-decomposed text without combining marks ("Zoë" → "zoe")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def letter_runs(text: str) -> list[str]:
    """Maximal runs of letters (any script); digits, "_" and punctuation split them."""
    return _LETTER_RUN.findall(text)


def _has_digits(text: str) -> bool:
    """Whether any character is a digit (``str.isdigit``: of any script, superscripts too)."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(ch.isdigit() for ch in text)


def name_signals(raw: str | None) -> NameSignals:
    """Token count, digits and length of a full name; absent when missing or blank."""
    if raw is None or not raw.strip():
        return _ABSENT
    name = raw.strip()
    return NameSignals(
        present=True,
        token_count=len(name.split()),
        has_digits=_has_digits(name),
        length=len(name),
    )


def _longest_match(a: str, b: str, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int]:
    """What difflib's ``find_longest_match(alo, ahi, blo, bhi)`` returns without junk:
    ``(i, j, size)`` of the longest block of ``a[alo:ahi]`` equal to one of ``b[blo:bhi]``, of
    those the one starting earliest in ``a``, then earliest in ``b``; ``size`` 0 when none.

    difflib finds it by dynamic programming over character matches; this scans ``i`` upwards
    and asks ``str.find`` whether ``a[i:]`` starts a block longer than the best so far, growing
    it while it does. A block only replaces a strictly shorter one, so the earliest ``i`` of the
    longest size wins, and ``find`` gives the earliest ``j`` of that block.
    """
    find = b.find
    besti, bestj, bestsize = alo, blo, 0
    i = alo
    while i + bestsize < ahi:
        j = find(a[i : i + bestsize + 1], blo, bhi)
        if j >= 0:
            size = bestsize + 1
            while i + size < ahi:
                longer = find(a[i : i + size + 1], j, bhi)  # it cannot start before j
                if longer < 0:
                    break
                j, size = longer, size + 1
            besti, bestj, bestsize = i, j, size
        i += 1
    return besti, bestj, bestsize


def matching_characters(a: str, b: str) -> int:
    """How many characters difflib's ``SequenceMatcher(None, a, b, autojunk=False)`` matches:
    the sum of its ``get_matching_blocks`` sizes, so ``2.0 * m / (len(a) + len(b))`` is exactly
    its ``ratio()``.

    The same recursion (longest block, then the parts left and right of it) without the
    matcher object, the named tuples and the sorting and merging of blocks, which leave the sum
    unchanged.
    """
    total = 0
    queue = [(0, len(a), 0, len(b))]
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        i, j, k = _longest_match(a, b, alo, ahi, blo, bhi)
        if k:
            total += k
            if alo < i and blo < j:
                queue.append((alo, i, blo, j))
            if i + k < ahi and j + k < bhi:
                queue.append((i + k, ahi, j + k, bhi))
    return total


def name_similarity(full_name: str | None, local_part: str | None) -> float | None:
    """0..1: how much an email local part looks built from the full name; ``None`` without both.

    Both are folded and reduced to their letters (digits and separators dropped), then the score
    is the largest of:

    - containment: the share of the name's letters, over tokens of two or more letters, whose
      token appears inside the local part ("john.smith" for "John Smith" → 1.0);
    - patterns: 0.9 when the local part is exactly first-initial+last, first+last-initial,
      last+first-initial or last-initial+first ("jsmith", "johns", "smithj");
    - difflib's ``SequenceMatcher.ratio`` (``autojunk=False``) against the name tokens joined in
      order, computed by ``matching_characters`` and only when the cheap upper bound says it
      could beat the first two.
    """
    if full_name is None or local_part is None:
        return None
    tokens = letter_runs(fold(full_name[:_MAX_NAME_CHARS]))
    letters = _NOT_LETTER.sub("", fold(local_part.split("+", 1)[0]))  # its letter runs, joined
    if not tokens or not letters:
        return None if not tokens else 0.0
    long_tokens = [t for t in tokens if len(t) >= 2]
    name_letters = sum([len(t) for t in long_tokens])
    best = (
        sum([len(t) for t in long_tokens if t in letters]) / name_letters if name_letters else 0.0
    )
    if len(tokens) >= 2:
        first, last = tokens[0], tokens[-1]
        # Each pattern is one letter longer than the first or the last token.
        if len(letters) - 1 in (len(first), len(last)) and letters in {
            first[0] + last,
            first + last[0],
            last + first[0],
            last[0] + first,
        }:
            best = max(best, _PATTERN_SCORE)
    if best < 1.0:
        joined = "".join(tokens)
        length = len(joined) + len(letters)
        # difflib's real_quick_ratio, an upper bound of the ratio: skip what cannot beat ``best``.
        if 2.0 * min(len(joined), len(letters)) / length > best:
            best = max(best, 2.0 * matching_characters(joined, letters) / length)
    return best
