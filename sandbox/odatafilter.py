"""OData V2 `$filter` for the CPI content and MPL lists (D-46): eq ne gt ge lt le, and, or, parentheses,
string and `datetime'…'` literals, and the functions substringof / startswith / endswith."""

from __future__ import annotations

import calendar
import re
import time

TOKEN = re.compile(
    r"\s*(?:(\()|(\))|(,)|datetime('(?:[^']|'')*')|('(?:[^']|'')*')|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_/]*))"
)
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
FUNCTIONS = ("substringof", "startswith", "endswith")
DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$")


class FilterError(ValueError):
    """The `$filter` text cannot be used; the message goes into the 400 `odata.error`."""


def datetime_ms(text: str) -> int:
    """`YYYY-MM-DDTHH:MM[:SS[.fff]]` read as UTC → epoch ms; a `Z` or an offset is refused (D-46)."""
    match = DATETIME.match(text)
    if not match:
        raise FilterError(
            f"Invalid datetime literal '{text}': use datetime'YYYY-MM-DDTHH:MM:SS' (UTC, no time zone)."
        )
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    fraction = (match.group(7) or "0")[:3].ljust(3, "0")
    try:
        time.strptime(f"{year:04d}-{month:02d}-{day:02d}", "%Y-%m-%d")
    except ValueError as exc:
        raise FilterError(f"Invalid datetime literal '{text}'.") from exc
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return seconds * 1000 + int(fraction)


def _tokens(text: str) -> list[tuple[str, object]]:
    pos, out = 0, []
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = TOKEN.match(text, pos)
        if not match:
            raise FilterError(f"Invalid filter expression at position {pos}: '{text[pos : pos + 20]}'.")
        pos = match.end()
        opened, closed, comma, moment, string, number, word = match.groups()
        if opened:
            out.append(("open", "("))
        elif closed:
            out.append(("close", ")"))
        elif comma:
            out.append(("comma", ","))
        elif moment is not None:
            out.append(("datetime", datetime_ms(moment[1:-1].replace("''", "'"))))
        elif string is not None:
            out.append(("string", string[1:-1].replace("''", "'")))
        elif number is not None:
            out.append(("number", float(number)))
        else:
            out.append(("word", word))
    return out


class _Parser:
    """Recursive descent over the tokens; builds a predicate `item -> bool`."""

    def __init__(self, tokens, fields: dict, functions: bool):
        self.tokens, self.i, self.fields, self.functions = tokens, 0, fields, functions

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", None)

    def take(self, kind: str, value=None):
        token = self.peek()
        if token[0] != kind or (value is not None and str(token[1]).lower() != value):
            expected = value or kind
            raise FilterError(f"Invalid filter expression: expected {expected}, found '{token[1]}'.")
        self.i += 1
        return token

    def is_word(self, *values: str) -> bool:
        token = self.peek()
        return token[0] == "word" and str(token[1]).lower() in values

    def expression(self):
        left = self.conjunction()
        while self.is_word("or"):
            self.i += 1
            right = self.conjunction()
            left = (lambda a, b: lambda item: a(item) or b(item))(left, right)
        return left

    def conjunction(self):
        left = self.term()
        while self.is_word("and"):
            self.i += 1
            right = self.term()
            left = (lambda a, b: lambda item: a(item) and b(item))(left, right)
        return left

    def term(self):
        if self.peek()[0] == "open":
            self.i += 1
            inner = self.expression()
            self.take("close")
            return inner
        left = self.operand()
        if not self.is_word(*COMPARISONS):
            if left[0] == "function":
                return lambda item: left[1](item) is True
            raise FilterError("Invalid filter expression: expected a comparison (eq, ne, gt, ge, lt, le).")
        operator = str(self.take("word")[1]).lower()
        right = self.operand()
        return _comparison(left, operator, right)

    def operand(self):
        kind, value = self.peek()
        if kind in ("string", "datetime", "number"):
            self.i += 1
            return ("literal", value)
        if kind != "word":
            raise FilterError(f"Invalid filter expression: unexpected '{value}'.")
        name = str(value)
        if name.lower() in ("true", "false"):
            self.i += 1
            return ("literal", name.lower() == "true")
        if name.lower() in FUNCTIONS:
            if not self.functions:
                raise FilterError(f"The function '{name}' is not supported in this filter.")
            self.i += 1
            return ("function", self.function(name.lower()))
        if name not in self.fields:
            raise FilterError(f"The property '{name}' cannot be used in the filter.")
        self.i += 1
        getter = self.fields[name]
        return ("field", getter)

    def function(self, name: str):
        self.take("open")
        first = self.operand()
        self.take("comma")
        second = self.operand()
        self.take("close")
        if name == "substringof":
            needle, haystack = first, second
        else:
            haystack, needle = first, second

        def call(item):
            text, part = _value(haystack, item), _value(needle, item)
            if not isinstance(text, str) or not isinstance(part, str):
                return False
            if name == "substringof":
                return part in text
            return text.startswith(part) if name == "startswith" else text.endswith(part)

        return call


def _value(operand, item):
    kind, value = operand
    if kind == "literal":
        return value
    return value(item)


def _comparison(left, operator: str, right):
    def compare(item) -> bool:
        a, b = _value(left, item), _value(right, item)
        if operator == "eq":
            return a == b
        if operator == "ne":
            return a != b
        if a is None or b is None:
            return False
        try:
            return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[operator]
        except TypeError:
            return False

    return compare


def compile_filter(text: str | None, fields: dict, *, functions: bool = False):
    """A predicate for `text` over items whose properties are read by `fields[name](item)`; None when empty.

    Raises FilterError for any syntax, unknown property or (unless `functions`) function.
    """
    if text is None or not text.strip():
        return None
    parser = _Parser(_tokens(text), fields, functions)
    predicate = parser.expression()
    if parser.peek()[0] != "end":
        raise FilterError(f"Invalid filter expression: unexpected '{parser.peek()[1]}'.")
    return predicate
