"""Service Manager `fieldQuery`/`labelQuery` parsing: eq, ne, en, in, notin, contains, gt/ge/lt/le, and."""

from __future__ import annotations

import re

TOKEN = re.compile(r"\s*(?:(\()|(\))|(,)|('(?:[^']|'')*')|([A-Za-z0-9_.\-]+))")
OPERATORS = ("eq", "en", "ne", "in", "notin", "contains", "gt", "ge", "lt", "le")


class QuerySyntaxError(ValueError):
    """The query text cannot be parsed."""


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if not match:
            raise QuerySyntaxError(f"unexpected text at position {pos}: {text[pos : pos + 20]!r}")
        pos = match.end()
        kinds = ("open", "close", "comma", "string", "word")
        for kind, value in zip(kinds, match.groups(), strict=True):
            if value is not None:
                out.append((kind, value[1:-1].replace("''", "'") if kind == "string" else value))
    return out


def parse(text: str) -> list[tuple[str, str, list[str]]]:
    """Criteria `(field, operator, values)` joined by `and`."""
    tokens, criteria, i = _tokens(text), [], 0
    while i < len(tokens):
        if len(tokens) - i < 3 or tokens[i][0] != "word" or tokens[i + 1][0] != "word":
            raise QuerySyntaxError("expected: <field> <operator> <value>")
        field, operator = tokens[i][1], tokens[i + 1][1].lower()
        if operator not in OPERATORS:
            raise QuerySyntaxError(f"unsupported operator {operator!r}")
        i += 2
        if operator in ("in", "notin"):
            if tokens[i][0] != "open":
                raise QuerySyntaxError(f"{operator} needs a list in parentheses")
            values, i = [], i + 1
            while i < len(tokens) and tokens[i][0] != "close":
                if tokens[i][0] in ("string", "word"):
                    values.append(tokens[i][1])
                i += 1
            if i >= len(tokens):
                raise QuerySyntaxError("unclosed parenthesis")
            i += 1
        else:
            if tokens[i][0] not in ("string", "word"):
                raise QuerySyntaxError("expected a value")
            values, i = [tokens[i][1]], i + 1
        criteria.append((field, operator, values))
        if i < len(tokens):
            if tokens[i] != ("word", "and"):
                raise QuerySyntaxError("criteria must be joined with 'and'")
            i += 1
    return criteria


def _compare(actual, operator: str, values: list[str]) -> bool:
    actual_list = actual if isinstance(actual, list) else [actual]
    texts = ["" if a is None else str(a).lower() if isinstance(a, bool) else str(a) for a in actual_list]
    if operator == "eq":
        return values[0] in texts
    if operator == "en":
        return actual is None or values[0] in texts
    if operator == "ne":
        return values[0] not in texts
    if operator == "in":
        return any(t in values for t in texts)
    if operator == "notin":
        return not any(t in values for t in texts)
    if operator == "contains":
        return any(values[0] in t for t in texts)
    try:
        left, right = float(texts[0]), float(values[0])
    except (ValueError, IndexError):
        left, right = texts[0] if texts else "", values[0]
    return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[operator]


def matches(item: dict, criteria, getter=None) -> bool:
    getter = getter or (lambda obj, name: obj.get(name))
    return all(_compare(getter(item, field), op, values) for field, op, values in criteria)
