"""Identity templates and blocks: what identities minted by one generator have in common.

A mass signup operation makes its identities from a template — ``john.smith8721@…`` for
"John Smith", ``mary.jones0394@…`` for "Mary Jones" — and its phone numbers from a range of
sequential SIM-farm numbers. Counting signups per *template* and per *number block* makes those
collide while the people behind them differ.

:func:`identity_template` writes the email's local part in terms of the name: each letter run
is spelt as name parts where it can be (``F`` first name, ``L`` last, ``M`` a middle one; ``f``
``l`` ``m`` their initials; ``jsmith`` with "John Smith" is ``fL``), else as its length
(``a6``); digit runs keep their length, a run of four that reads as a year of birth
(1930–2029) is ``y4``; other characters stay. The name's shape follows: each part's case
(``Aa`` capitalised, ``a`` lower, ``A`` upper, ``x`` other) and its part count. The domain is
left out on purpose: ``email_shape`` already counts per domain, and a generator spreads its
accounts over free-mail providers. So "john.smith8721" + "John Smith" and "mary.jones0394" +
"Mary Jones" are both ``F.Ld4|Aa Aa``, while real people's addresses (``jsmith``, ``cooldude99``,
``smith.john1987``, initials, nicknames, no digits or a birth year) and names spread over many
templates. The template is an identifier like any other: the caller stores only a keyed hash.
"""

from __future__ import annotations

import re

from service.signals.name import fold

_RUN = re.compile(r"[^\W\d_]+|\d+|.", re.DOTALL)  # letter runs, digit runs, single others
_LETTERS = re.compile(r"[^\W\d_]+")
_MAX_LOCAL = 64  # RFC 5321's local-part limit: a longer one is cut there
_MAX_NAME_PARTS = 6  # a longer name's later parts are left out of its shape and pieces
_MAX_PIECES = 4  # a letter run is spelt with at most this many name parts


def _case(part: str) -> str:
    """One name part's case class: ``Aa``, ``a``, ``A`` or ``x``."""
    if part.islower():
        return "a"
    if part.isupper():
        return "A" if len(part) > 1 else "Aa"
    if part[:1].isupper() and part[1:].islower():
        return "Aa"
    return "x"


def _pieces(name_parts: list[str]) -> list[tuple[str, str]]:
    """The (text, symbol) pieces a letter run may be spelt with: whole parts before initials."""
    n = len(name_parts)
    out: dict[str, str] = {}  # one symbol per text (the first), so spelling stays linear
    for i, part in enumerate(name_parts):
        out.setdefault(part, "F" if i == 0 else "L" if i == n - 1 else "M")
    for i, part in enumerate(name_parts):
        out.setdefault(part[0], "f" if i == 0 else "l" if i == n - 1 else "m")
    return list(out.items())


def _spell(run: str, pieces: list[tuple[str, str]], depth: int = 0) -> str | None:
    """``run`` spelt wholly as name pieces (the first spelling found), or None."""
    if not run:
        return ""
    if depth == _MAX_PIECES:
        return None
    for text, symbol in pieces:
        if run.startswith(text):
            rest = _spell(run[len(text) :], pieces, depth + 1)
            if rest is not None:
                return symbol + rest
    return None


def _digits(run: str) -> str:
    if len(run) == 4 and 1930 <= int(run) <= 2029:
        return "y4"
    return f"d{len(run)}"


def _name_parts(full_name: str) -> tuple[list[str], str]:
    """The folded letter parts of a name and its shape (case classes, space separated)."""
    parts: list[str] = []
    shape: list[str] = []
    for raw in full_name.split()[:_MAX_NAME_PARTS]:
        letters = raw if raw.isalpha() else "".join(_LETTERS.findall(raw))
        if letters:
            parts.append(fold(letters))
            shape.append(_case(raw))
    return parts, " ".join(shape)


def identity_template(local_part: str | None, full_name: str | None) -> str | None:
    """The template of an email local part (as typed) with the name given; None without email."""
    if not local_part:
        return None
    local = fold(local_part[:_MAX_LOCAL])
    parts, shape = _name_parts(full_name) if full_name else ([], "")
    pieces = _pieces(parts) if parts else None
    out: list[str] = []
    for run in _RUN.findall(local):
        if run.isalpha():
            spelt = _spell(run, pieces) if pieces else None
            out.append(spelt or f"a{len(run)}")
        elif run[0].isdecimal():
            out.append(_digits(run) if run.isascii() else f"d{len(run)}")
        else:
            out.append(run)
    return f"{''.join(out)}|{shape}"


def phone_block(e164: str | None) -> str | None:
    """The number without its last two digits (a block of 100 sequential numbers), or None."""
    if not e164 or len(e164) < 6:
        return None
    return e164[:-2]
