"""Shared fixtures: the bundled reference data, loaded once per test session (about 0.3 s)."""

from __future__ import annotations

import pytest

from service.signals import RefData, SignalExtractor


@pytest.fixture(scope="session")
def refdata() -> RefData:
    """The reference data bundled in service/data/."""
    return RefData.load()


@pytest.fixture(scope="session")
def extractor(refdata: RefData) -> SignalExtractor:
    """An extractor over the bundled reference data."""
    return SignalExtractor(refdata)
