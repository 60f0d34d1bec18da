"""A checked condition compiled to numpy over many logged decisions at once (the backtest).

Each node evaluates to ``(values, errors)``: arrays over all rows, ``errors`` marking rows where
the per-event evaluator (:mod:`service.rules.row`) would have raised. Errors follow the row
evaluator's left-to-right short-circuit exactly (``false && 1/0 > 1`` is false, ``1/0 > 1 &&
false`` an error), so ``matches = values & ~errors`` equals running the row evaluator on every
row (tests/rules/test_vector.py checks it with hypothesis).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from service.rules.lang import Checked, Const, Node, Op, Ref
from service.rules.names import Type

Bools = npt.NDArray[np.bool_]
Arr = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Columns:
    """Logged decisions as columns: features (rows x spec), scores, and signals by name."""

    features: npt.NDArray[np.float64]
    score: npt.NDArray[np.float64]
    signals: Mapping[str, npt.NDArray[np.object_]]

    @property
    def rows(self) -> int:
        """Number of decisions."""
        return len(self.score)


def matches(checked: Checked, cols: Columns) -> tuple[Bools, Bools]:
    """``(matched, errored)`` per row: what the row evaluator gives for each decision."""
    with np.errstate(all="ignore"):
        values, errors = _Eval(cols).visit(checked.root)
    values = np.broadcast_to(np.asarray(values, dtype=bool), (cols.rows,))
    errors = np.broadcast_to(errors, (cols.rows,))
    return values & ~errors, errors.copy()


_BINARY: dict[str, Callable[[Arr, Arr], Arr]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


class _Eval:
    def __init__(self, cols: Columns) -> None:
        self._cols = cols
        self._none: Bools = np.zeros(cols.rows, dtype=bool)

    def visit(self, node: Node) -> tuple[Arr, Bools]:
        n = self._cols.rows
        if isinstance(node, Const):
            if isinstance(node.value, tuple):
                dtype = np.float64 if node.type is Type.NUMBER_LIST else object
                return np.array(node.value, dtype=dtype), self._none
            dtype = {bool: bool, float: np.float64}.get(type(node.value), object)
            return np.full(n, node.value, dtype=dtype), self._none
        if isinstance(node, Ref):
            name = node.name
            if name.source == "score":
                return self._cols.score, self._none
            if name.source == "feature":
                return self._cols.features[:, name.index], self._none
            key = name.name.split(".", 1)[1]
            col = self._cols.signals.get(key)
            return (np.full(n, "", dtype=object) if col is None else col), self._none
        assert isinstance(node, Op)
        return self._op(node)

    def _op(self, node: Op) -> tuple[Arr, Bools]:
        op, args = node.op, node.args
        if op in ("&&", "||"):
            a, ea = self.visit(args[0])
            b, eb = self.visit(args[1])
            a = a.astype(bool)
            b = b.astype(bool)
            go_on = a if op == "&&" else ~a  # rows where the right side is evaluated
            values = (a & b) if op == "&&" else (a | b)
            return values, ea | (go_on & eb)
        if op == "?:":
            c, ec = self.visit(args[0])
            a, ea = self.visit(args[1])
            b, eb = self.visit(args[2])
            c = c.astype(bool)
            return np.where(c, a, b), ec | np.where(c, ea, eb)
        if op == "!":
            x, ex = self.visit(args[0])
            return ~x.astype(bool), ex
        if op == "neg":
            x, ex = self.visit(args[0])
            return -x, ex
        if op == "isNaN":
            x, ex = self.visit(args[0])
            return np.isnan(x.astype(np.float64)), ex
        if op == "size":
            x, ex = self.visit(args[0])
            return np.fromiter((len(s) for s in x), np.float64, len(x)), ex
        if op in ("startsWith", "endsWith", "contains"):
            t, et = self.visit(args[0])
            a, ea = self.visit(args[1])
            fn: Callable[[str, str], bool] = {
                "startsWith": str.startswith,
                "endsWith": str.endswith,
                "contains": lambda s, x: x in s,
            }[op]
            return np.fromiter((fn(s, x) for s, x in zip(t, a, strict=True)), bool, len(t)), et | ea
        if op == "in":
            x, ex = self.visit(args[0])
            items, _ = self.visit(args[1])
            return np.isin(x, items), ex
        a, ea = self.visit(args[0])
        b, eb = self.visit(args[1])
        if op == "/":
            a = a.astype(np.float64)
            b = b.astype(np.float64)
            return np.divide(a, b), ea | eb | (b == 0.0)
        return _BINARY[op](a, b), ea | eb
