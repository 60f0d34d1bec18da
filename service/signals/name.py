"""Full name: shape markers, text folding, and how well a name matches an email's local part."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from service.signals.types import NameSignals

_LETTER_RUN = re.compile(r"[^\W\d_]+")
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


def name_signals(raw: str | None) -> NameSignals:
    """Token count, digits and length of a full name; absent when missing or blank."""
    if raw is None or not raw.strip():
        return _ABSENT
    name = raw.strip()
    return NameSignals(
        present=True,
        token_count=len(name.split()),
        has_digits=any(ch.isdigit() for ch in name),
        length=len(name),
    )


def name_similarity(full_name: str | None, local_part: str | None) -> float | None:
    """0..1: how much an email local part looks built from the full name; ``None`` without both.

    Both are folded and reduced to their letters (digits and separators dropped), then the score
    is the largest of:

    - containment: the share of the name's letters, over tokens of two or more letters, whose
      token appears inside the local part ("john.smith" for "John Smith" → 1.0);
    - patterns: 0.9 when the local part is exactly first-initial+last, first+last-initial,
      last+first-initial or last-initial+first ("jsmith", "johns", "smithj");
    - difflib's ``SequenceMatcher.ratio`` against the name tokens joined in order (computed
      only when the cheap upper bounds say it could beat the first two).
    """
    if full_name is None or local_part is None:
        return None
    tokens = letter_runs(fold(full_name[:_MAX_NAME_CHARS]))
    letters = "".join(letter_runs(fold(local_part.split("+", 1)[0])))
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
