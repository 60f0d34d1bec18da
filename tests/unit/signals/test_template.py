"""Identity templates and phone blocks: generated identities collide, people's rarely do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.signals.template import identity_template, phone_block


def test_one_generators_identities_share_a_template() -> None:
    """first.last + four random digits with the capitalised name: one template for all."""
    made = [
        identity_template("john.smith8721", "John Smith"),
        identity_template("mary.jones0394", "Mary Jones"),
        identity_template("Peter.Brown5518", "Peter Brown"),
    ]
    assert made == ["F.Ld4|Aa Aa"] * 3


def test_everyday_addresses_spread_over_templates() -> None:
    """Initials, years of birth, nicknames and lower-case names give different templates."""
    people = {
        identity_template("jsmith", "John Smith"),
        identity_template("smith.john1987", "John Smith"),
        identity_template("cooldude99", "John Smith"),
        identity_template("john.smith", "john smith"),
        identity_template("js", "John Smith"),
        identity_template("john.smith8721", "John Smith"),
    }
    assert people == {"fL|Aa Aa", "L.Fy4|Aa Aa", "a8d2|Aa Aa", "F.L|a a", "fl|Aa Aa", "F.Ld4|Aa Aa"}


def test_a_template_needs_an_email_but_not_a_name() -> None:
    """No local part, no template; without a name the runs keep their lengths."""
    assert identity_template(None, "John Smith") is None
    assert identity_template("", "John Smith") is None
    assert identity_template("anna_b", None) == "a4_a1|"


@given(st.text(max_size=80), st.one_of(st.none(), st.text(max_size=300)))
def test_any_text_gives_a_template_without_raising(local: str, name: str | None) -> None:
    """Arbitrary local parts and names give a template (or None for an empty local part)."""
    template = identity_template(local, name)
    assert (template is None) == (not local)


def test_phone_block_drops_the_last_two_digits() -> None:
    """Sequential numbers share a block; a too-short or absent number has none."""
    assert phone_block("+14155550123") == phone_block("+14155550177") == "+141555501"
    assert phone_block("+14155550223") != phone_block("+14155550123")
    assert phone_block(None) is None
    assert phone_block("+123") is None
