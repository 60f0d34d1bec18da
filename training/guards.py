"""Guards against learning the simulator instead of fraud: single-feature audits of training data.

A feature that separates fraud from legitimate traffic almost perfectly on its own, or that
pins one campaign to an exact value no legitimate user has, usually encodes how the simulator
(or one data source) generates events, not how attackers behave; a model leaning on it scores
well here and fails on traffic nobody simulated. Three checks, on the training rows:

- ``single_auc``: each feature alone, as a ranking of fraud against legitimate rows (missing
  values ranked lowest; categories by their fraud rate, so a categorical AUC is optimistic).
  Above :data:`MAX_SINGLE_AUC` fails.
- ``campaign_auc``: the same per campaign against all legitimate rows. One feature isolating
  a campaign is worth a look (it may be the campaign's real tell, such as hosting addresses for a
  datacenter burst), so these are listed, not failed.
- ``templates``: a feature with many distinct legitimate values where one exact value covers at
  least :data:`TEMPLATE_SHARE` of a campaign's rows and almost no legitimate rows: a generator's
  constant (a fixed user-agent string length, a templated key name), flagged as a defect.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt

from service.domain import EventType
from service.features.spec import FEATURES, Kind
from training.dataset import Rows

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_SINGLE_AUC = 0.97
CAMPAIGN_AUC_NOTE = 0.99
TEMPLATE_SHARE = 0.3
TEMPLATE_LEGIT_SHARE = 0.005
MIN_DISTINCT_LEGIT = 20
# A model output, not an input signal: the key model's view of the signup model's verdict.
MODEL_OUTPUTS = ("account_signup_score", "account_signup_action")


def _encoded(
    column: FloatArray, positive: BoolArray, chosen: BoolArray, categorical: bool
) -> FloatArray:
    """Values to rank: missing lowest; a category by its positive rate among ``chosen`` rows."""
    if not categorical:
        return np.where(np.isnan(column), -np.inf, column)
    codes = np.where(np.isnan(column), -1.0, column)
    _, inverse = np.unique(codes[chosen], return_inverse=True)
    rates = np.bincount(inverse, weights=positive[chosen].astype(np.float64)) / np.bincount(inverse)
    out = np.full(len(column), -np.inf)
    out[chosen] = rates[inverse]
    return out


def _auc(positives: FloatArray, negatives: FloatArray) -> float | None:
    """Direction-free ROC-AUC of two samples (Mann-Whitney, ties count one half)."""
    if len(positives) == 0 or len(negatives) == 0:
        return None
    ordered = np.sort(negatives)
    if np.all(positives == positives[0]) and np.all(ordered == positives[0]):
        return None
    below = np.searchsorted(ordered, positives, side="left")
    at_or_below = np.searchsorted(ordered, positives, side="right")
    auc = float((below + at_or_below).sum()) / (2.0 * len(positives) * len(ordered))
    return max(auc, 1.0 - auc)


def audit(rows: Rows, top: int = 10) -> dict[str, Any]:
    """Single-feature AUCs (top ``top``), per-campaign isolation and exact-value templates."""
    event_type: EventType = rows.event_type
    x, y = rows.matrix(), rows.y()
    campaigns = np.asarray(rows.campaigns)
    legit = y == 0
    single: list[dict[str, Any]] = []
    per_campaign: list[dict[str, Any]] = []
    templates: list[dict[str, Any]] = []
    for j, feature in enumerate(FEATURES[event_type]):
        if feature.name in MODEL_OUTPUTS:
            continue
        categorical = feature.kind is Kind.CATEGORICAL
        everyone = np.ones(len(y), dtype=bool)
        ranked = _encoded(x[:, j], y == 1, everyone, categorical)
        auc = _auc(ranked[y == 1], ranked[legit])
        if auc is not None:
            single.append({"feature": feature.name, "auc": auc})
        legit_values = x[legit, j]
        distinct = len(np.unique(legit_values[~np.isnan(legit_values)]))
        for campaign in sorted(set(campaigns[y == 1])):
            mine = campaigns == campaign
            ranked = _encoded(x[:, j], mine, legit | mine, categorical)
            c_auc = _auc(ranked[mine], ranked[legit])
            if c_auc is not None and c_auc >= CAMPAIGN_AUC_NOTE:
                per_campaign.append({"campaign": campaign, "feature": feature.name, "auc": c_auc})
            if feature.kind is not Kind.NUMERIC or distinct < MIN_DISTINCT_LEGIT:
                continue
            values = x[mine, j]
            values = values[~np.isnan(values)]
            if len(values) < 20:
                continue
            value, count = Counter(values.tolist()).most_common(1)[0]
            share = count / len(values)
            legit_share = float(np.mean(legit_values == value))
            if share >= TEMPLATE_SHARE and legit_share <= TEMPLATE_LEGIT_SHARE:
                templates.append(
                    {
                        "campaign": campaign,
                        "feature": feature.name,
                        "value": value,
                        "campaign_share": share,
                        "legit_share": legit_share,
                    }
                )
    single.sort(key=lambda item: (-item["auc"], item["feature"]))
    per_campaign.sort(key=lambda item: (item["campaign"], -item["auc"], item["feature"]))
    return {
        "top_single_auc": single[:top],
        "over_max_single_auc": [s for s in single if s["auc"] > MAX_SINGLE_AUC],
        "campaign_isolating": per_campaign,
        "templates": templates,
    }
