"""Batch evaluation: the decisions the real scorer would make, from one replayed dataset.

A replay through :class:`service.scoring.Scorer` costs about a millisecond an event, most of it
the single-row model path; a data scientist comparing candidates wants many evaluations of the
same stream. Feature rows do not depend on the model except for the API-key features that carry
the account's signup decision, so the stream is replayed once (:func:`training.dataset.
build_dataset`) and each model then scores it in batch: signups first, their decisions attached
to the key rows (:func:`training.dataset.attach_signup_decisions`), then keys.

Equality with the scorer replay (default policy: no allow/deny lists, state always available)
is pinned by a test and checked at run time by the pipeline on the fresh-seed stream.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from service.domain import Action, EventType
from service.model import LoadedModel
from service.model.artifact import Thresholds
from service.policy import action_for
from training.cohorts import DecidedEvent
from training.dataset import Dataset, Rows, attach_signup_decisions

FloatArray = npt.NDArray[np.float64]


def _scores(model: LoadedModel, event_type: EventType, rows: Rows) -> FloatArray:
    if not len(rows):
        return np.zeros(0)
    predictor = model.predictors[event_type]
    return np.asarray(predictor.calibrate(predictor.raw_batch(rows.matrix())), dtype=np.float64)


def decide(
    model: LoadedModel, data: Dataset, thresholds: Mapping[EventType, Thresholds] | None = None
) -> list[DecidedEvent]:
    """Every row of ``data`` with the score and action ``model`` gives it, in stream order.

    ``thresholds`` replace the artifact's (as an operator override in the policy file would).
    """
    chosen = {t: model.entry(t).thresholds for t in EventType} | dict(thresholds or {})

    def _actions(event_type: EventType, scores: FloatArray) -> list[Action]:
        return [action_for(float(s), chosen[event_type]) for s in scores]

    signup_scores = _scores(model, EventType.SIGNUP, data.signup)
    signup_actions = _actions(EventType.SIGNUP, signup_scores)
    patched = attach_signup_decisions(
        data, signup_scores, np.asarray([int(a) for a in signup_actions], dtype=np.int64)
    )
    key_scores = _scores(model, EventType.API_KEY, patched.api_key)
    key_actions = _actions(EventType.API_KEY, key_scores)
    decided: list[tuple[int, DecidedEvent]] = []
    for rows, scores, actions in (
        (data.signup, signup_scores, signup_actions),
        (patched.api_key, key_scores, key_actions),
    ):
        for i in range(len(rows)):
            event = DecidedEvent(
                event_type=rows.event_type,
                account_id=rows.accounts[i],
                occurred_at=rows.times[i],
                label="fraud" if rows.labels[i] == 1 else "legitimate",
                cohort=rows.cohorts[i],
                campaign_id=rows.campaigns[i],
                score=float(scores[i]),
                action=actions[i],
            )
            decided.append((rows.positions[i], event))
    decided.sort(key=lambda pair: pair[0])
    return [event for _, event in decided]
