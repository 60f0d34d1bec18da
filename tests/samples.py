"""Plausible example requests for API tests."""

from __future__ import annotations

import time

from service.api.gen.signupguard.v1 import scoring_pb2 as pb

CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def signup(i: int, *, ip: str = "81.2.69.160", at: float | None = None) -> pb.ScoreSignupRequest:
    """A UK signup with a card; ``i`` makes ids and identifiers unique."""
    request = pb.ScoreSignupRequest(
        event_id=f"evt-s-{i}",
        account_id=f"acct-{i}",
        identity=pb.Identity(
            email=f"alice.smith{i}@gmail.com", phone="+447700900123", full_name="Alice Smith"
        ),
        device=pb.Device(
            ip=ip,
            user_agent=CHROME_MAC,
            device_id=f"dev-{i}",
            accept_language="en-GB,en;q=0.9",
            timezone="Europe/London",
        ),
        payment=pb.Payment(
            card_bin="424242",
            card_last4="4242",
            card_fingerprint=f"card-{i}",
            card_country="GB",
            card_funding=pb.CARD_FUNDING_DEBIT,
            billing_country="GB",
            billing_postal_code="SW1A 1AA",
        ),
    )
    request.behavior.form_fill_ms = 23_000
    request.occurred_at.FromNanoseconds(int((time.time() if at is None else at) * 1e9))
    return request


def api_key(
    i: int, *, ip: str = "81.2.69.160", at: float | None = None
) -> pb.ScoreApiKeyCreationRequest:
    """A key creation by ``acct-{i}`` from its signup device."""
    request = pb.ScoreApiKeyCreationRequest(
        event_id=f"evt-k-{i}",
        account_id=f"acct-{i}",
        device=pb.Device(
            ip=ip, user_agent=CHROME_MAC, device_id=f"dev-{i}", timezone="Europe/London"
        ),
        key_name="my laptop",
    )
    request.occurred_at.FromNanoseconds(int((time.time() if at is None else at) * 1e9))
    return request
