"""Fast single-row prediction with per-leaf path attributions."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt
import pytest

from service.domain import EventType
from service.features import names
from service.model.artifact import Calibration
from service.model.predictor import Predictor
from tests.factories import random_booster

IDENTITY_LINK = Calibration((-20.0, 20.0), (-20.0, 20.0))


@pytest.fixture(scope="module")
def predictor(tmp_path_factory: pytest.TempPathFactory) -> Predictor:
    """A predictor over a random signup booster, with an identity calibration."""
    path = tmp_path_factory.mktemp("model") / "signup.txt"
    random_booster(EventType.SIGNUP, seed=3, rounds=60).save_model(path)
    return Predictor(path, names(EventType.SIGNUP), IDENTITY_LINK)


@pytest.fixture(scope="module")
def rows() -> npt.NDArray[np.float64]:
    """Distinct rows with missing values and categorical codes."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(300, len(names(EventType.SIGNUP))))
    x[rng.random(x.shape) < 0.25] = np.nan
    return x


def test_raw_score_matches_lightgbm(predictor: Predictor, rows: npt.NDArray[np.float64]) -> None:
    """The leaf-gather raw score equals LightGBM's own raw prediction."""
    expected = predictor.raw_batch(rows)
    got = np.array([predictor.predict(np.ascontiguousarray(r)).raw for r in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_contributions_sum_to_raw_score(
    predictor: Predictor, rows: npt.NDArray[np.float64]
) -> None:
    """Attributions plus the expected value add up to the raw score."""
    for row in rows[:50]:
        p = predictor.predict(np.ascontiguousarray(row))
        assert p.contributions.sum() + predictor.expected_value == pytest.approx(p.raw, abs=1e-9)


def test_expected_value_matches_treeshap(
    predictor: Predictor, rows: npt.NDArray[np.float64]
) -> None:
    """The count-weighted expected value equals the bias term of LightGBM's TreeSHAP."""
    contrib = np.asarray(predictor.booster.predict(rows[:1], pred_contrib=True))
    assert predictor.expected_value == pytest.approx(float(contrib[0, -1]), abs=1e-9)


def test_calibration_is_applied(
    tmp_path_factory: pytest.TempPathFactory, rows: npt.NDArray[np.float64]
) -> None:
    """The score is the calibration curve applied to the raw score."""
    path = tmp_path_factory.mktemp("cal") / "signup.txt"
    random_booster(EventType.SIGNUP, seed=3, rounds=60).save_model(path)
    p = Predictor(path, names(EventType.SIGNUP), Calibration((-1.0, 1.0), (0.1, 0.9)))
    out = p.predict(np.ascontiguousarray(rows[0]))
    assert out.score == pytest.approx(float(np.interp(out.raw, [-1.0, 1.0], [0.1, 0.9])))
    assert 0.0 <= out.score <= 1.0


def test_threads_get_their_own_results(predictor: Predictor, rows: npt.NDArray[np.float64]) -> None:
    """Concurrent predictions from many threads each get their own row's score."""
    expected = predictor.raw_batch(rows)
    wrong: list[int] = []

    def work(start: int) -> None:
        for i in range(start, len(rows), 4):
            if abs(predictor.predict(np.ascontiguousarray(rows[i])).raw - expected[i]) > 1e-9:
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
