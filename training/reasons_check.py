"""How far the served (path / Saabas) attributions agree with exact TreeSHAP on top reasons.

The server explains with per-leaf path attributions because exact TreeSHAP costs milliseconds a
row; this measures what that choice gives up, on rows a reviewer would actually read (the
highest-scoring ones), at the level of reason codes as well as of single features.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from service.domain import EventType
from service.features.spec import FEATURES
from service.model.predictor import Predictor
from service.policy.reasons import describe


def _top_codes(
    event_type: EventType, row: npt.NDArray[np.float64], contrib: Any, k: int
) -> list[str]:
    weights: dict[str, float] = {}
    for i, feature in enumerate(FEATURES[event_type]):
        w = float(contrib[i])
        if w > 0:
            code, _ = describe(feature, float(row[i]))
            weights[code] = weights.get(code, 0.0) + w
    return [c for c, _ in sorted(weights.items(), key=lambda kv: -kv[1])[:k]]


def reason_agreement(
    event_type: EventType,
    predictor: Predictor,
    x: npt.NDArray[np.float64],
    sample: int = 300,
    k: int = 3,
) -> dict[str, float]:
    """Top-1 and top-k agreement (features and reason codes) between path attributions and
    TreeSHAP on the ``sample`` highest-scoring rows of ``x``."""
    if len(x) == 0:
        return {}
    raw = predictor.raw_batch(x)
    rows = x[np.argsort(-raw, kind="stable")[:sample]]
    shap = np.asarray(predictor.booster.predict(rows, pred_contrib=True))[:, :-1]
    top1_feat = top1_code = 0
    overlap_feat = overlap_code = 0.0
    for i, row in enumerate(rows):
        ours = predictor.predict(np.ascontiguousarray(row)).contributions
        a, b = np.argsort(-ours)[:k], np.argsort(-shap[i])[:k]
        top1_feat += int(a[0] == b[0])
        overlap_feat += len(set(a.tolist()) & set(b.tolist())) / k
        ca = _top_codes(event_type, row, ours, k)
        cb = _top_codes(event_type, row, shap[i], k)
        top1_code += int(bool(ca) and bool(cb) and ca[0] == cb[0])
        overlap_code += len(set(ca) & set(cb)) / max(len(cb), 1)
    n = len(rows)
    return {
        "rows": float(n),
        "top1_feature_agreement": top1_feat / n,
        f"top{k}_feature_overlap": overlap_feat / n,
        "top1_code_agreement": top1_code / n,
        f"top{k}_code_overlap": overlap_code / n,
    }
