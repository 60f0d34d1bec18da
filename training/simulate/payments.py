"""Cards as a payment processor reports them: BIN, last four, fingerprint, funding, countries.

Each country gets a seeded set of issuer BINs per funding type (many people share a bank's BIN;
prepaid cards come from a handful of programme BINs). Legitimate prepaid holders and attackers
draw from the same prepaid BINs, so the BIN alone does not give anyone away.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from service.domain import CardFunding, Payment

_BINS_PER_FUNDING = {CardFunding.CREDIT: 24, CardFunding.DEBIT: 24, CardFunding.PREPAID: 4}


@dataclass(frozen=True, slots=True)
class Card:
    """One physical or virtual card."""

    bin: str
    last4: str
    fingerprint: str
    country: str
    funding: CardFunding


def postal_code(rng: random.Random, pattern: str) -> str:
    """A code shaped like ``pattern`` (9 = digit, A = capital letter, other chars literal)."""
    out = []
    for ch in pattern:
        if ch == "9":
            out.append(str(rng.randrange(10)))
        elif ch == "A":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTUVWXY"))
        else:
            out.append(ch)
    return "".join(out)


class CardIssuers:
    """Seeded issuer BIN pools per (country, funding), built lazily within one run."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._bins: dict[tuple[str, CardFunding], list[str]] = {}

    def bins(self, country: str, funding: CardFunding) -> list[str]:
        """The issuer BINs for cards of this funding type from this country."""
        key = (country, funding)
        if key not in self._bins:
            rng = random.Random(f"{self._seed}:bins:{country}:{funding.name}")
            count = _BINS_PER_FUNDING.get(funding, 8)
            out = []
            for _ in range(count):
                network = rng.choices(("visa", "mc", "amex", "local"), weights=(55, 35, 6, 4))[0]
                if network == "visa" or (network == "amex" and funding != CardFunding.CREDIT):
                    prefix = "4" + f"{rng.randrange(10**5):05d}"
                elif network == "mc":
                    prefix = str(rng.randint(51, 55)) + f"{rng.randrange(10**4):04d}"
                elif network == "amex":
                    prefix = rng.choice(("34", "37")) + f"{rng.randrange(10**4):04d}"
                else:
                    prefix = {"JP": "35", "CN": "62", "IN": "60", "BR": "50"}.get(country, "22")
                    prefix += f"{rng.randrange(10**4):04d}"
                out.append(prefix)
            self._bins[key] = out
        return self._bins[key]

    def card(self, rng: random.Random, country: str, funding: CardFunding) -> Card:
        """A new card (its own fingerprint) from one of the country's issuers."""
        lookup = CardFunding.DEBIT if funding == CardFunding.UNKNOWN else funding
        bins = self.bins(country, lookup)
        bin_ = bins[min(int(rng.paretovariate(1.2)) - 1, len(bins) - 1)]
        return Card(
            bin=bin_,
            last4=f"{rng.randrange(10_000):04d}",
            fingerprint=f"{rng.getrandbits(64):016x}",
            country=country,
            funding=funding,
        )


def person_funding(rng: random.Random, prepaid_share: float) -> CardFunding:
    """Funding type of an ordinary person's card."""
    roll = rng.random()
    if roll < prepaid_share:
        return CardFunding.PREPAID
    if roll < prepaid_share + 0.03:
        return CardFunding.UNKNOWN
    return CardFunding.CREDIT if rng.random() < 0.5 else CardFunding.DEBIT


def payment(
    rng: random.Random,
    card: Card,
    billing_country: str | None = None,
    postal_pattern: str | None = None,
    postal_share: float = 0.85,
) -> Payment:
    """What the processor returns for a card at signup."""
    billing = billing_country or card.country
    postal = (
        postal_code(rng, postal_pattern)
        if postal_pattern is not None and rng.random() < postal_share
        else None
    )
    return Payment(
        card_bin=card.bin,
        card_last4=card.last4,
        card_fingerprint=card.fingerprint,
        card_country=card.country,
        card_funding=card.funding,
        billing_country=billing,
        billing_postal_code=postal,
    )
