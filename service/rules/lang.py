"""The rule condition language: a typed, side-effect-free subset of CEL, checked at save time.

Syntax is the Common Expression Language's (https://cel.dev): ``features.vel_email_domain_1h > 20
&& score > 0.2``. Parsing is lark's LALR parser over the grammar below; nothing is ever handed
to ``eval``. The checker resolves every dotted name against :func:`service.rules.names.environment`
and types every operator, so an unknown name, a call that does not exist or ``features.x &&
score`` is refused before the rule is stored, with the line and column of the culprit.

Why not a CEL engine: ``common-expression-language`` (Rust) has no type checker and no AST
(names are known only as top-level identifiers), and building its context from ~90 features
took ~1.1 ms per request here; ``cel-expr-python`` (cel-cpp) checks types but evaluated in
~24 µs per rule and per request, and refuses ``features.x > 20`` for a double feature. The
typed tree below compiles to a Python closure (:mod:`service.rules.row`, under 1 µs per rule)
and to a columnar numpy evaluation for backtests (:mod:`service.rules.vector`), proven equal
by a property test.

Subset: literals (numbers, strings, true/false, list literals), dotted names, ``! -`` unary,
``* / + -``, comparisons, ``in`` a list literal, ``&& || ?:``, ``size()``, ``startsWith``,
``endsWith``, ``contains`` and ``math.isNaN``. Every number is a double.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

import lark
from lark import Lark, Token, Tree

from service.domain import EventType
from service.errors import InvalidCondition
from service.rules.names import Name, Type, environment

MAX_LENGTH = 4096  # characters in a condition

_GRAMMAR = r"""
?start: expr
?expr: or_expr
     | or_expr "?" or_expr ":" expr         -> ternary
?or_expr: and_expr
     | or_expr "||" and_expr                -> or_
?and_expr: relation
     | and_expr "&&" relation               -> and_
?relation: addition
     | addition RELOP addition              -> compare
     | addition "in" addition               -> in_
?addition: multiplication
     | addition ADDOP multiplication        -> arith
?multiplication: unary
     | multiplication MULOP unary           -> arith
?unary: member
     | "!" unary                            -> not_
     | "-" unary                            -> neg
?member: primary
     | member "." IDENT                     -> select
     | member "." IDENT "(" [args] ")"      -> method
?primary: IDENT                             -> ident
     | IDENT "(" [args] ")"                 -> call
     | "(" expr ")"
     | "[" [args] "]"                       -> list_
     | NUMBER                               -> number
     | STRING                               -> string
     | "true"                               -> true
     | "false"                              -> false
args: expr ("," expr)*
RELOP: "<=" | ">=" | "==" | "!=" | "<" | ">"
ADDOP: "+" | "-"
MULOP: "*" | "/"
IDENT: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?/
STRING: /"([^"\\\n]|\\.)*"/ | /'([^'\\\n]|\\.)*'/
%import common.WS
%ignore WS
"""


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


# -- the typed tree -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """A checked expression node: its type and where it starts in the source."""

    type: Type
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Const(Node):
    """A literal (lists hold their items as a tuple)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Ref(Node):
    """A name from the environment."""

    name: Name


@dataclass(frozen=True, slots=True)
class Op(Node):
    """An operator or function: ``op`` is one of the names in :data:`OPS`."""

    op: str
    args: tuple[Node, ...]


OPS = (
    "!", "neg", "&&", "||", "?:", "+", "-", "*", "/",
    "<", "<=", ">", ">=", "==", "!=", "in",
    "size", "startsWith", "endsWith", "contains", "isNaN",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Checked:
    """A condition that parsed and type-checked: its tree and the names it reads."""

    source: str
    event_type: EventType
    root: Node
    names: tuple[str, ...]


def check(source: str, event_type: EventType) -> Checked:
    """Parse and type-check a condition; :class:`InvalidCondition` names line and column."""
    if not source.strip():
        raise InvalidCondition(1, 1, "the condition is empty")
    if len(source) > MAX_LENGTH:
        raise InvalidCondition(1, 1, f"the condition is longer than {MAX_LENGTH} characters")
    try:
        tree = _parser().parse(source)
    except lark.exceptions.UnexpectedInput as exc:
        raise InvalidCondition(
            exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1, _syntax(exc)
        ) from None
    checker = _Checker(environment(event_type))
    root = checker.visit(tree)
    if root.type is not Type.BOOL:
        raise InvalidCondition(
            root.line, root.column, f"a condition must be a bool, this is a {root.type.value}"
        )
    return Checked(source, event_type, root, tuple(sorted(checker.used)))


def _syntax(exc: lark.exceptions.UnexpectedInput) -> str:
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        if exc.token.type == "$END":
            return "syntax error: the condition ends too early"
        return f"syntax error: unexpected {exc.token.value!r}"
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        return f"syntax error: unexpected character {exc.char!r}"
    return "syntax error"


def _pos(item: Tree[Token] | Token) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.line or 1, item.column or 1
    return getattr(item.meta, "line", 1), getattr(item.meta, "column", 1)


class _Checker:
    def __init__(self, env: dict[str, Name]) -> None:
        self._env = env
        self.used: set[str] = set()

    def visit(self, t: Tree[Token] | Token) -> Node:
        line, col = _pos(t)
        if isinstance(t, Token):  # pragma: no cover - every token sits in a named rule
            raise InvalidCondition(line, col, f"unexpected {t.value!r}")
        handler = getattr(self, f"_{t.data}", None)
        if handler is None:  # pragma: no cover - the grammar has no other rules
            raise InvalidCondition(line, col, f"unsupported construct {t.data}")
        node: Node = handler(t, line, col)
        return node

    # literals
    def _number(self, t: Tree[Token], line: int, col: int) -> Node:
        return Const(Type.NUMBER, line, col, float(str(t.children[0])))

    def _string(self, t: Tree[Token], line: int, col: int) -> Node:
        raw = str(t.children[0])[1:-1]
        try:
            value = raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
        except UnicodeDecodeError:
            raise InvalidCondition(line, col, "bad escape in a string literal") from None
        return Const(Type.STRING, line, col, value)

    def _true(self, _t: Tree[Token], line: int, col: int) -> Node:
        return Const(Type.BOOL, line, col, True)

    def _false(self, _t: Tree[Token], line: int, col: int) -> Node:
        return Const(Type.BOOL, line, col, False)

    def _list_(self, t: Tree[Token], line: int, col: int) -> Node:
        items = self._args(t.children[0] if t.children else None)
        if not items:
            raise InvalidCondition(line, col, "an empty list has no type")
        kinds = {i.type for i in items}
        if not all(isinstance(i, Const) for i in items) or len(kinds) != 1:
            raise InvalidCondition(line, col, "a list must hold literals of one type")
        kind = kinds.pop()
        if kind not in (Type.NUMBER, Type.STRING):
            raise InvalidCondition(line, col, "a list must hold numbers or strings")
        values = tuple(i.value for i in items if isinstance(i, Const))
        list_type = Type.NUMBER_LIST if kind is Type.NUMBER else Type.STRING_LIST
        return Const(list_type, line, col, values)

    # names
    def _ident(self, t: Tree[Token], line: int, col: int) -> Node:
        return self._resolve(str(t.children[0]), line, col, t.children[0])

    def _select(self, t: Tree[Token], line: int, col: int) -> Node:
        dotted = _dotted(t)
        if dotted is None:
            raise InvalidCondition(line, col, "fields can only be selected from a name")
        return self._resolve(dotted, line, col, t.children[1])

    def _resolve(self, dotted: str, line: int, col: int, last: Tree[Token] | Token) -> Node:
        name = self._env.get(dotted)
        if name is None:
            known = [n for n in self._env if "." in dotted or "." not in n]
            close = difflib.get_close_matches(dotted, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            prefix = dotted.rsplit(".", 1)[0]
            if "." in dotted and any(n.startswith(prefix + ".") for n in self._env):
                line, col = _pos(last)  # the namespace is right: point at the member
            raise InvalidCondition(line, col, f"unknown name {dotted!r}{hint}")
        self.used.add(dotted)
        return Ref(name.type, line, col, name)

    # operators
    def _not_(self, t: Tree[Token], line: int, col: int) -> Node:
        x = self._want(t.children[0], Type.BOOL, "!")
        return Op(Type.BOOL, line, col, "!", (x,))

    def _neg(self, t: Tree[Token], line: int, col: int) -> Node:
        x = self._want(t.children[0], Type.NUMBER, "-")
        return Op(Type.NUMBER, line, col, "neg", (x,))

    def _and_(self, t: Tree[Token], line: int, col: int) -> Node:
        a, b = (self._want(c, Type.BOOL, "&&") for c in t.children)
        return Op(Type.BOOL, line, col, "&&", (a, b))

    def _or_(self, t: Tree[Token], line: int, col: int) -> Node:
        a, b = (self._want(c, Type.BOOL, "||") for c in t.children)
        return Op(Type.BOOL, line, col, "||", (a, b))

    def _ternary(self, t: Tree[Token], line: int, col: int) -> Node:
        cond = self._want(t.children[0], Type.BOOL, "?:")
        a, b = self.visit(t.children[1]), self.visit(t.children[2])
        if a.type is not b.type:
            raise InvalidCondition(
                b.line, b.column, f"both branches of ?: must have one type: {a.type} and {b.type}"
            )
        return Op(a.type, line, col, "?:", (cond, a, b))

    def _arith(self, t: Tree[Token], line: int, col: int) -> Node:
        left, op_token, right = t.children
        op = str(op_token)
        a, b = self.visit(left), self.visit(right)
        if op == "+" and a.type is Type.STRING and b.type is Type.STRING:
            return Op(Type.STRING, line, col, "+", (a, b))
        for side in (a, b):
            if side.type is not Type.NUMBER:
                oline, ocol = _pos(op_token)
                raise InvalidCondition(
                    oline, ocol, f"{op!r} needs numbers, not {a.type.value} and {b.type.value}"
                )
        return Op(Type.NUMBER, line, col, op, (a, b))

    def _compare(self, t: Tree[Token], line: int, col: int) -> Node:
        left, op_token, right = t.children
        op = str(op_token)
        a, b = self.visit(left), self.visit(right)
        ok = a.type is b.type and (
            a.type in (Type.NUMBER, Type.STRING) or (a.type is Type.BOOL and op in ("==", "!="))
        )
        if not ok:
            oline, ocol = _pos(op_token)
            raise InvalidCondition(
                oline, ocol, f"cannot compare {a.type.value} {op} {b.type.value}"
            )
        return Op(Type.BOOL, line, col, op, (a, b))

    def _in_(self, t: Tree[Token], line: int, col: int) -> Node:
        a, b = self.visit(t.children[0]), self.visit(t.children[1])
        wanted = {Type.NUMBER: Type.NUMBER_LIST, Type.STRING: Type.STRING_LIST}.get(a.type)
        if wanted is None or b.type is not wanted:
            raise InvalidCondition(
                b.line, b.column, f"'in' needs a list of {a.type.value}, not {b.type.value}"
            )
        return Op(Type.BOOL, line, col, "in", (a, b))

    def _call(self, t: Tree[Token], line: int, col: int) -> Node:
        fn = str(t.children[0])
        args = self._args(t.children[1] if len(t.children) > 1 else None)
        if fn == "size" and len(args) == 1 and args[0].type is Type.STRING:
            return Op(Type.NUMBER, line, col, "size", (args[0],))
        if fn == "size":
            raise InvalidCondition(line, col, "size() takes one string")
        raise InvalidCondition(line, col, f"unknown function {fn!r}")

    def _method(self, t: Tree[Token], line: int, col: int) -> Node:
        target_tree, name_token = t.children[0], t.children[1]
        fn = str(name_token)
        raw_args = t.children[2] if len(t.children) > 2 else None
        mline, mcol = _pos(name_token)
        if _dotted(target_tree) == "math":
            args = self._args(raw_args)
            if fn == "isNaN" and len(args) == 1 and args[0].type is Type.NUMBER:
                return Op(Type.BOOL, line, col, "isNaN", (args[0],))
            raise InvalidCondition(mline, mcol, f"unknown function 'math.{fn}'")
        target = self.visit(target_tree)
        args = self._args(raw_args)
        if fn in ("startsWith", "endsWith", "contains"):
            if target.type is not Type.STRING or len(args) != 1 or args[0].type is not Type.STRING:
                raise InvalidCondition(mline, mcol, f"{fn}() is string.{fn}(string)")
            return Op(Type.BOOL, line, col, fn, (target, args[0]))
        raise InvalidCondition(mline, mcol, f"unknown function {fn!r}")

    def _args(self, args: Tree[Token] | Token | None) -> list[Node]:
        if args is None:
            return []
        assert isinstance(args, Tree)
        return [self.visit(c) for c in args.children]

    def _want(self, t: Tree[Token] | Token, wanted: Type, op: str) -> Node:
        node = self.visit(t)
        if node.type is not wanted:
            raise InvalidCondition(
                node.line, node.column, f"{op!r} needs a {wanted.value}, not a {node.type.value}"
            )
        return node


def _dotted(t: Tree[Token] | Token) -> str | None:
    """``a.b.c`` for a chain of selections on a name, else None."""
    if isinstance(t, Token):
        return None
    if t.data == "ident":
        return str(t.children[0])
    if t.data == "select":
        head = _dotted(t.children[0])
        return None if head is None else f"{head}.{t.children[1]}"
    return None
