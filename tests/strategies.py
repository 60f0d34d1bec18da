"""Hypothesis strategies for requests: every field, from plausible to hostile."""

from __future__ import annotations

from hypothesis import strategies as st

from service.api.gen.signupguard.v1 import scoring_pb2 as pb

# Text that stresses parsers: unicode, control characters, separators, long runs.
hostile_text = st.one_of(
    st.text(max_size=64),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a@b",
            "@",
            "user@@example.com",
            "jo.hn+tag@gmail.com",
            "+1 (415) 555-0100",
            "999999999999999999999",
            "::ffff:1.2.3.4",
            "300.1.1.1",
            "2001:db8::1",
            "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0",
            "Europe/Nowhere",
            "en-US,en;q=0.9,*;q=0.1",
            "zz",
            "\u202eevil",
        ]
    ),
)
ids = st.text(min_size=1, max_size=40).filter(lambda s: 0 < len(s.encode()) <= 128)
timestamps = st.one_of(st.none(), st.integers(min_value=-62135596800, max_value=253402300799))


def _device() -> st.SearchStrategy[pb.Device]:
    return st.builds(
        pb.Device,
        ip=hostile_text,
        user_agent=hostile_text,
        device_id=hostile_text,
        accept_language=hostile_text,
        timezone=hostile_text,
    )


@st.composite
def signup_requests(draw: st.DrawFn, occurred_at: int | None = None) -> pb.ScoreSignupRequest:
    """ScoreSignup requests with every field drawn, valid ids."""
    request = pb.ScoreSignupRequest(
        event_id=draw(ids),
        account_id=draw(ids),
        identity=pb.Identity(
            email=draw(hostile_text), phone=draw(hostile_text), full_name=draw(hostile_text)
        ),
        device=draw(_device()),
    )
    if draw(st.booleans()):
        request.payment.CopyFrom(
            pb.Payment(
                card_bin=draw(hostile_text),
                card_last4=draw(hostile_text),
                card_fingerprint=draw(hostile_text),
                card_country=draw(hostile_text),
                card_funding=draw(st.integers(min_value=0, max_value=7)),  # type: ignore[arg-type]  # unknown enum numbers too
                billing_country=draw(hostile_text),
                billing_postal_code=draw(hostile_text),
            )
        )
    fill = draw(st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)))
    if fill is not None:
        request.behavior.form_fill_ms = fill
    seconds = occurred_at if occurred_at is not None else draw(timestamps)
    if seconds is not None:
        request.occurred_at.seconds = seconds
    return request


@st.composite
def api_key_requests(
    draw: st.DrawFn, occurred_at: int | None = None
) -> pb.ScoreApiKeyCreationRequest:
    """ScoreApiKeyCreation requests with every field drawn, valid ids."""
    request = pb.ScoreApiKeyCreationRequest(
        event_id=draw(ids),
        account_id=draw(ids),
        device=draw(_device()),
        key_name=draw(hostile_text),
    )
    seconds = occurred_at if occurred_at is not None else draw(timestamps)
    if seconds is not None:
        request.occurred_at.seconds = seconds
    return request
