"""EMX boolean expressions (validation, nullable and visible expressions) as MOLGENIS 10 evaluates them.

The server parses them with the `molgenis-expressions` library (`SimpleExpressionEvaluator` /
`ExpressionValidator`): `{attr}` variables, numbers, strings, `true`/`false`, `null`, arrays, `empty`/`notempty`,
`!`/`negate`, arithmetic, comparisons, `and`/`&&`, `or`/`||`, the set operators `contains`/`notcontains`/`anyof`/
`allof`, and the functions `regex(pattern, value[, flags])` (a whole-value match), `today()`, `currentYear()`,
`age(date[, date])`. An expression that does not parse, or whose evaluation fails (comparing a string with a number,
`and` on a non-boolean, an unknown function), has no value — and a validation expression without the value `true`
is offended. `evaluate` returns that value, or `FAILED`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Mapping

FAILED = object()      # evaluation failed (scala.util.Failure): no value


class _Failure(Exception):
    pass


# -- parsing ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Node:
    kind: str                  # const, null, var, array, unary, binary, call
    value: Any = None
    args: tuple["_Node", ...] = ()


_PRECEDENCE = {"contains": 7, "notcontains": 7, "anyof": 7, "allof": 7, "^": 6, "*": 5, "/": 5, "%": 5, "+": 4,
               "-": 4, "<=": 3, ">=": 3, "<": 3, ">": 3, "=": 3, "!=": 3, "and": 2, "or": 1}
# (spelling, operator) in the library's order of trial: longer symbols and word forms before their prefixes
_OPERATORS = [("*=", "contains"), ("contains", "contains"), ("notcontains", "notcontains"), ("anyof", "anyof"),
              ("allof", "allof"), ("^", "^"), ("power", "^"), ("*", "*"), ("/", "/"), ("%", "%"), ("+", "+"),
              ("-", "-"), ("<=", "<="), ("lessorequal", "<="), (">=", ">="), ("greaterorequal", ">="), ("<", "<"),
              ("less", "<"), (">", ">"), ("greater", ">"), ("=", "="), ("equal", "="), ("!=", "!="),
              ("notequal", "!="), ("&&", "and"), ("and", "and"), ("||", "or"), ("or", "or")]
_NUMBER = re.compile(r"-?(?:[0-9]+\.[0-9]*|[0-9]*\.[0-9]+)|-?[0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z$_][A-Za-z0-9$_]*(?:-[a-z]{2,})?")
_VARIABLE = re.compile(r"\{\s*([A-Za-z$_][A-Za-z0-9$_]*(?:-[a-z]{2,})?(?:\s*\.\s*[A-Za-z$_][A-Za-z0-9$_]*"
                       r"(?:-[a-z]{2,})?)*)\s*\}")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def _space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t":
            self.at += 1

    def _word(self, word: str) -> bool:
        self._space()
        if self.text[self.at:self.at + len(word)].lower() == word.lower():
            self.at += len(word)
            return True
        return False

    def parse(self) -> _Node:
        node = self.expression()
        self._space()
        if self.at != len(self.text):
            raise _Failure(f"unexpected text at {self.at}")
        return node

    def expression(self) -> _Node:
        first = self.factor()
        rest: list[tuple[str, _Node]] = []
        while True:
            operator = self._operator()
            if operator is None:
                break
            rest.append((operator, self.factor()))
        return self._climb(first, rest)

    @staticmethod
    def _climb(first: _Node, rest: list[tuple[str, _Node]]) -> _Node:
        remaining = list(rest)

        def climb(minimum: int, current: _Node) -> _Node:
            while remaining and _PRECEDENCE[remaining[0][0]] >= minimum:
                operator, right = remaining.pop(0)
                strength = _PRECEDENCE[operator]
                right = climb(strength if operator == "^" else strength + 1, right)
                current = _Node("binary", operator, (current, right))
            return current

        return climb(0, first)

    def _operator(self) -> str | None:
        self._space()
        for spelling, operator in _OPERATORS:
            if self.text[self.at:self.at + len(spelling)].lower() == spelling:
                self.at += len(spelling)
                return operator
        return None

    def factor(self) -> _Node:
        self._space()
        if self.text.startswith("(", self.at):
            self.at += 1
            node = self.expression()
            if not self._word(")"):
                raise _Failure("missing )")
            return node
        call = _IDENTIFIER.match(self.text, self.at)
        if call:
            after = call.end()
            while after < len(self.text) and self.text[after] in " \t":
                after += 1
            if self.text.startswith("(", after) and call.group(0).lower() not in ("negate",):
                self.at = after + 1
                args: list[_Node] = []
                self._space()
                if not self.text.startswith(")", self.at):
                    args.append(self.expression())
                    while self._word(","):
                        args.append(self.expression())
                if not self._word(")"):
                    raise _Failure("missing )")
                return _Node("call", call.group(0), tuple(args))
        if self.text.startswith("!", self.at) and not self.text.startswith("!=", self.at):
            self.at += 1
            return _Node("unary", "negate", (self.factor(),))
        if self.text[self.at:self.at + 6].lower() == "negate":
            self.at += 6
            return _Node("unary", "negate", (self.factor(),))
        node = self.atom()
        self._space()
        for word in ("notempty", "empty"):
            if self.text[self.at:self.at + len(word)].lower() == word:
                self.at += len(word)
                return _Node("unary", word, (node,))
        return node

    def atom(self) -> _Node:
        self._space()
        text, at = self.text, self.at
        for word in ("null", "undefined"):
            if text.startswith(word, at):
                self.at += len(word)
                return _Node("null")
        variable = _VARIABLE.match(text, at)
        if variable:
            self.at = variable.end()
            return _Node("var", re.sub(r"\s+", "", variable.group(1)))
        number = _NUMBER.match(text, at)
        if number:
            self.at = number.end()
            literal = number.group(0)
            return _Node("const", float(literal) if "." in literal else int(literal))
        for word, value in (("true", True), ("false", False)):
            if text[at:at + len(word)].lower() == word:
                self.at += len(word)
                return _Node("const", value)
        if at < len(text) and text[at] in "'\"":
            return _Node("const", self._string(text[at]))
        if text.startswith("[", at):
            self.at += 1
            items: list[_Node] = []
            self._space()
            if not text.startswith("]", self.at):
                items.append(self.expression())
                while self._word(","):
                    items.append(self.expression())
            if not self._word("]"):
                raise _Failure("missing ]")
            return _Node("array", None, tuple(items))
        raise _Failure(f"unexpected text at {at}")

    def _string(self, quote: str) -> str:
        self.at += 1
        out: list[str] = []
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char == quote:
                self.at += 1
                return "".join(out)
            if char == "\\":
                following = text[self.at + 1:self.at + 2]
                if following == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[self.at + 2:self.at + 6]):
                    out.append(chr(int(text[self.at + 2:self.at + 6], 16)))
                    self.at += 6
                    continue
                if following and following in "'\"\\bfnrt":
                    out.append(_ESCAPES.get(following, following))
                    self.at += 2
                    continue
                raise _Failure("bad escape")
            if not char.isprintable():
                raise _Failure("unprintable character")
            out.append(char)
            self.at += 1
        raise _Failure("unterminated string")


@lru_cache(maxsize=1000)
def _parse(text: str) -> _Node | None:
    try:
        return _Parser(text).parse()
    except _Failure:
        return None


# -- evaluating ------------------------------------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool) and left is not None and right is not None:
        return False
    return bool(left == right)


def _regex(args: list[Any]) -> bool:
    if len(args) >= 2 and args[1] is None:
        return False
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], str):
        flags = 0
    elif len(args) == 3 and all(isinstance(a, str) for a in args):
        flags = 0
        for flag in args[2]:
            if flag not in "ims":
                raise _Failure(f"Unknown regex flag: {flag}")
            flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}[flag]
    else:
        raise _Failure("regex arguments")
    try:
        return re.fullmatch(args[0], args[1], flags) is not None
    except re.error as error:
        raise _Failure(str(error)) from None


def _as_date(value: Any) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]) if len(value) == 10 else date.fromisoformat(value)
        except ValueError:
            raise _Failure("not a date") from None
    return None


def _years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _age(args: list[Any]) -> Any:
    if not args:
        return None
    born = _as_date(args[0])
    if born is None:
        return None
    until = _as_date(args[1]) if len(args) > 1 else None
    return _years(born, until or date.today())


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "today": lambda _: date.today().isoformat(),
    "currentYear": lambda _: date.today().year,
    "age": _age,
    "regex": _regex,
}


def _set(value: Any) -> set[Any]:
    items = value if isinstance(value, list) else [value]
    try:
        return set(items)
    except TypeError:
        raise _Failure("unhashable") from None


def _binary(operator: str, left_node: _Node, right_node: _Node, context: Mapping[str, Any]) -> Any:
    left = _eval(left_node, context)
    if operator == "and" and left is False:
        return False
    if operator == "or" and left is True:
        return True
    right = _eval(right_node, context)
    if operator in ("and", "or"):
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if operator == "and" else (left or right)
        raise _Failure(f"Cannot {operator} {left} and {right}")
    if operator in ("contains", "notcontains", "anyof", "allof"):
        lefts, rights = _set(left), _set(right)
        if operator == "notcontains":
            return lefts & rights != rights
        if operator == "anyof":
            return bool(lefts & rights)
        return lefts & rights == rights
    if operator in ("^", "*", "/", "%", "+", "-"):
        if not (_is_number(left) and _is_number(right)):
            raise _Failure(f"Cannot {operator} {left} and {right}")
        a, b = float(left), float(right)
        try:
            if operator == "^":
                return a ** b
            if operator == "*":
                return a * b
            if operator == "/":
                return a / b if b else (float("nan") if a == 0 else float("inf") * (1 if a > 0 else -1))
            if operator == "%":
                return int(a) % int(b) if int(b) else _fail("/ by zero")
            return a + b if operator == "+" else a - b
        except (OverflowError, ZeroDivisionError) as error:
            raise _Failure(str(error)) from None
    if _is_number(left) and _is_number(right) and operator in ("<", "<=", ">", ">="):
        a, b = float(left), float(right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
    if operator == "=":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    raise _Failure(f"Cannot {operator} {left} and {right}")


def _fail(message: str) -> Any:
    raise _Failure(message)


def _eval(node: _Node, context: Mapping[str, Any]) -> Any:
    kind = node.kind
    if kind == "null":
        return None
    if kind == "const":
        return node.value
    if kind == "var":
        return context.get(node.value)
    if kind == "array":
        return [_eval(item, context) for item in node.args]
    if kind == "binary":
        return _binary(node.value, node.args[0], node.args[1], context)
    if kind == "unary":
        value = _eval(node.args[0], context)
        if node.value == "negate":
            if value is None:
                return True
            if isinstance(value, bool):
                return not value
            raise _Failure(f"Cannot negate {value}")
        filled = bool(value) if isinstance(value, (list, str)) else value is not None
        return filled if node.value == "notempty" else not filled
    function = _FUNCTIONS.get(node.value)
    if function is None:
        raise _Failure(f"unknown function {node.value}")
    return function([_eval(arg, context) for arg in node.args])


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """The expression's value in `context` (attribute name -> value: ids for references, lists for MREFs, ISO
    strings for dates), or FAILED."""
    node = _parse(expression)
    if node is None:
        return FAILED
    try:
        return _eval(node, context)
    except (_Failure, RecursionError):
        return FAILED


def is_true(expression: str, context: Mapping[str, Any]) -> bool | None:
    """`Evaluator.isTruthy` of the value; None when the expression has no value."""
    value = evaluate(expression, context)
    if value is FAILED:
        return None
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if _is_number(value):
        return value != 0 and value == value
    if isinstance(value, (str, list)):
        return bool(value)
    return True


def variables(expression: str) -> set[str]:
    """Names of the attributes an expression reads (none when it does not parse)."""
    node = _parse(expression)
    found: set[str] = set()

    def walk(current: _Node) -> None:
        if current.kind == "var":
            found.add(current.value)
        for arg in current.args:
            walk(arg)

    if node is not None:
        walk(node)
    return found
