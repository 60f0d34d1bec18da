"""The backtest's columnar evaluator equals the per-event evaluator, row for row."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import EventType
from service.features import names
from service.rules.lang import check
from service.rules.row import compile_row
from service.rules.vector import Columns, matches

WIDTH = len(names(EventType.SIGNUP))
FEATURES = ["vel_ip_1h", "vel_email_domain_1h", "form_fill_ms", "ip_is_tor"]
SIGNALS = ["email_domain", "phone_region"]
VALUES = st.sampled_from([0.0, 1.0, 2.5, -3.0, 20.0, math.nan])


def _number(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        st.sampled_from([f"features.{f}" for f in FEATURES] + ["score"]),
        st.sampled_from(["0", "1", "2.5", "20", "0.5"]),
        st.sampled_from([f"size(signals.{s})" for s in SIGNALS]),
    )
    if depth <= 0:
        return leaf
    sub = _number(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda x: f"-{x}"),
    )


def _string() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([f"signals.{s}" for s in SIGNALS]),
        st.sampled_from(['"a.com"', '"b"', '""']),
    )


def _bool(depth: int) -> st.SearchStrategy[str]:
    num = _number(1)
    leaf = st.one_of(
        st.tuples(num, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        st.tuples(_string(), st.sampled_from(["==", "!=", "<"]), _string()).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        st.tuples(
            _string(), st.sampled_from(["startsWith", "endsWith", "contains"]), _string()
        ).map(lambda t: f"{t[0]}.{t[1]}({t[2]})"),
        num.map(lambda x: f"math.isNaN({x})"),
        num.map(lambda x: f"{x} in [1, 2.5, 20]"),
        _string().map(lambda x: f'{x} in ["a.com", "GH"]'),
        st.sampled_from(["true", "false"]),
    )
    if depth <= 0:
        return leaf
    sub = _bool(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["&&", "||"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda x: f"!({x})"),
        st.tuples(sub, sub, sub).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
    )


@st.composite
def _rows(draw: st.DrawFn) -> list[tuple[list[float], float, dict[str, str]]]:
    n = draw(st.integers(1, 12))
    out = []
    for _ in range(n):
        vec = [math.nan] * WIDTH
        for f in FEATURES:
            vec[names(EventType.SIGNUP).index(f)] = draw(VALUES)
        signals = {
            s: v for s in SIGNALS if (v := draw(st.sampled_from(["", "a.com", "GH", "b.a.com"])))
        }
        out.append((vec, draw(VALUES), signals))
    return out


@settings(max_examples=300, deadline=None)
@given(source=_bool(2), rows=_rows())
def test_columnar_matches_equal_row_matches(
    source: str, rows: list[tuple[list[float], float, dict[str, str]]]
) -> None:
    """For any condition and data (NaN, zero divisors, empty strings) both give the same rows."""
    checked = check(source, EventType.SIGNUP)
    row_fn = compile_row(checked)
    expected = []
    for vec, score, signals in rows:
        try:
            expected.append(bool(row_fn((vec, score, signals))))
        except ZeroDivisionError:
            expected.append(False)
    cols = Columns(
        features=np.array([r[0] for r in rows], dtype=np.float64),
        score=np.array([r[1] for r in rows], dtype=np.float64),
        signals={s: np.array([r[2].get(s, "") for r in rows], dtype=object) for s in SIGNALS},
    )
    got, _errors = matches(checked, cols)
    assert got.tolist() == expected, source
