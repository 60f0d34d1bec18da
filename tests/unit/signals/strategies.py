"""Hypothesis strategies for hostile input: any text, long text, NUL bytes, lone surrogates."""

from __future__ import annotations

from hypothesis import strategies as st

from service.domain import (
    ApiKeyEvent,
    Behavior,
    CardFunding,
    Device,
    Identity,
    Payment,
    SignupEvent,
)

# Every code point, lone surrogates included (hypothesis leaves them out unless told): they
# cannot come through protobuf, which requires valid UTF-8, but can through any other caller.
any_char = st.characters(exclude_categories=())

# Short text of any characters, text built from the characters each parser cares about, and
# long text (a few KB) of both.
any_text = st.text(any_char, max_size=40)
_special = st.sampled_from([*"@.+-_ :;,=/%[]()\"'\\\x00\t\n", "xn--", "::", "q=", "\u0301"])
_tokens = st.one_of(
    st.text("abcXYZ019", min_size=1, max_size=5),
    _special,
    st.text(any_char, min_size=1, max_size=3),
)
structured_text = st.lists(_tokens, max_size=20).map("".join)
long_text = st.builds(
    lambda piece, n: (piece * n)[:5000],
    st.text(any_char, min_size=1, max_size=20) | structured_text.filter(bool),
    st.integers(min_value=50, max_value=2000),
)
hostile_text = st.one_of(any_text, structured_text, long_text)
maybe_text = st.none() | hostile_text

plausible_email = st.builds(
    "{}@{}".format,
    st.text("abcdefghij.+-_0123456789", min_size=1, max_size=20),
    st.sampled_from(["gmail.com", "googlemail.com", "yahoo.com", "mailinator.com", "x.edu"]),
)
plausible_ip = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda a: f"::ffff:{a}" if a.version == 4 else str(a)),
)

devices = st.builds(
    Device,
    ip=st.none() | plausible_ip | hostile_text,
    user_agent=maybe_text,
    device_id=maybe_text,
    accept_language=maybe_text,
    timezone=maybe_text | st.sampled_from(["Europe/Berlin", "asia/calcutta", "UTC"]),
)
payments = st.builds(
    Payment,
    card_bin=maybe_text,
    card_last4=maybe_text,
    card_fingerprint=maybe_text,
    card_country=maybe_text | st.sampled_from(["US", "de", "XK"]),
    card_funding=st.none() | st.sampled_from(CardFunding),
    billing_country=maybe_text,
    billing_postal_code=maybe_text,
)
signup_events = st.builds(
    SignupEvent,
    event_id=st.just("e"),
    account_id=st.just("a"),
    identity=st.builds(
        Identity,
        email=maybe_text | plausible_email,
        phone=maybe_text | st.from_regex(r"\+?[0-9 ()-]{4,20}", fullmatch=True),
        full_name=maybe_text,
    ),
    device=devices,
    payment=st.none() | payments,
    behavior=st.builds(Behavior, form_fill_ms=st.none() | st.integers(-(2**31), 2**31)),
)
api_key_events = st.builds(
    ApiKeyEvent, event_id=st.just("e"), account_id=st.just("a"), device=devices, key_name=maybe_text
)
