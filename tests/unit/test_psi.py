"""The population stability index and its conventional reading (service.monitor.drift)."""

from __future__ import annotations

import math

import pytest

from service.monitor import drift


def test_psi_matches_a_hand_computed_value() -> None:
    """[0.5, 0.5] -> [0.25, 0.75]: 0.25 ln 2 + 0.25 ln 1.5 = 0.27465."""
    value = drift.psi([0.5, 0.5], [0.25, 0.75])
    assert value == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    assert value == pytest.approx(0.27465, abs=1e-5)
    assert drift.reading(value) == "major shift"


def test_psi_of_identical_shares_is_zero_and_symmetric_otherwise() -> None:
    """The same distribution is stable (0); swapping the two gives the same value."""
    assert drift.psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    a, b = [0.1, 0.6, 0.3], [0.3, 0.4, 0.3]
    assert drift.psi(a, b) == pytest.approx(drift.psi(b, a))


def test_psi_floors_an_empty_bin_instead_of_dividing_by_zero() -> None:
    """An empty live bin counts as a share of 1e-4: finite, and large."""
    value = drift.psi([0.5, 0.5], [0.0, 1.0])
    expected = (1e-4 - 0.5) * math.log(1e-4 / 0.5) + 0.5 * math.log(2)
    assert value == pytest.approx(expected)


def test_psi_refuses_different_bins() -> None:
    """Two histograms on different bins cannot be compared."""
    with pytest.raises(ValueError, match="same bins"):
        drift.psi([1.0], [0.5, 0.5])


@pytest.mark.parametrize(
    ("value", "reading"),
    [
        (0.0, "stable"),
        (0.099, "stable"),
        (0.1, "moderate shift"),
        (0.25, "moderate shift"),
        (0.2501, "major shift"),
    ],
)
def test_psi_reading_follows_the_convention(value: float, reading: str) -> None:
    """Below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25 major shift."""
    assert drift.reading(value) == reading


def test_shares_and_edges() -> None:
    """Counts become shares (an empty histogram all zero); 4 bins have 5 equal edges."""
    assert drift.shares([1, 3]) == (0.25, 0.75)
    assert drift.shares([0, 0]) == (0.0, 0.0)
    assert drift.edges(4) == (0.0, 0.25, 0.5, 0.75, 1.0)
