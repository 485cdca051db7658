"""Shopify's search syntax, as the stand-in understands it.

https://shopify.dev/docs/api/usage/search-syntax: terms separated by spaces must all
match (implicit AND); `OR`, `AND` and `NOT` (upper case) combine them, parentheses
group, a leading `-` negates; `field:value` filters a field, `field:>=value` (also `>`,
`<`, `<=`) compares; values may be quoted ("..." or '...', backslash escapes); a
trailing `*` matches a prefix; a bare term searches the resource's default fields.
Lower-case `or` is an ordinary word, as in Shopify.

A resource supplies `Matcher(field, comparator, value, prefix) -> bool`; field is None
for a bare term.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Matcher = Callable[[str | None, str, str, bool], bool]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<open>\()|(?P<close>\))|
      (?P<term>-?(?:(?P<field>[A-Za-z_][\w.]*):(?P<cmp>[<>]=?)?)?
               (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()]+))
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Term:
    field: str | None
    comparator: str
    value: str
    prefix: bool
    negated: bool


Node = tuple  # ("and", [..]) | ("or", [..]) | ("not", node) | ("term", Term)


def parse_query(text: str) -> Node:
    tokens = _tokens(text)
    node, rest = _or(tokens)
    if rest:
        node = ("and", [node, *(_or(rest)[0],)])
    return node


def matches(query: str, matcher: Matcher) -> bool:
    """Does a record (seen through `matcher`) match `query`? An empty query matches all."""
    return compiled(query)(matcher)


def compiled(query: str) -> Callable[[Matcher], bool]:
    """`query` parsed once, to test many records."""
    if not (query or "").strip():
        return lambda matcher: True
    tree = parse_query(query)
    return lambda matcher: _eval(tree, matcher)


def _tokens(text: str) -> list[object]:
    tokens: list[object] = []
    position = 0
    text = text or ""
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:  # a stray character: Shopify ignores it as a word
            position += 1
            continue
        position = match.end()
        if match.group("open"):
            tokens.append("(")
        elif match.group("close"):
            tokens.append(")")
        else:
            tokens.append(_term(match))
    return tokens


def _term(match: re.Match[str]) -> object:
    raw = match.group("term")
    field = match.group("field")
    value = match.group("value")
    if field is None and value in ("OR", "AND", "NOT"):
        return value
    quoted = value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) >= 2
    if quoted:
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    prefix = not quoted and value.endswith("*")
    return Term(
        field=field.lower() if field else None,
        comparator=match.group("cmp") or "",
        value=value.rstrip("*") if prefix else value,
        prefix=prefix,
        negated=raw.startswith("-"),
    )


def _or(tokens: list[object]) -> tuple[Node, list[object]]:
    left, tokens = _and(tokens)
    parts = [left]
    while tokens and tokens[0] == "OR":
        right, tokens = _and(tokens[1:])
        parts.append(right)
    return (("or", parts) if len(parts) > 1 else left), tokens


def _and(tokens: list[object]) -> tuple[Node, list[object]]:
    parts: list[Node] = []
    while tokens and tokens[0] not in ("OR", ")"):
        if tokens[0] == "AND":
            tokens = tokens[1:]
            continue
        node, tokens = _unary(tokens)
        parts.append(node)
    return (("and", parts) if len(parts) != 1 else parts[0]), tokens


def _unary(tokens: list[object]) -> tuple[Node, list[object]]:
    head, rest = tokens[0], tokens[1:]
    if head == "NOT" and rest:
        node, rest = _unary(rest)
        return ("not", node), rest
    if head == "(":
        node, rest = _or(rest)
        if rest and rest[0] == ")":
            rest = rest[1:]
        return node, rest
    if isinstance(head, Term):
        return ("term", head), rest
    return ("and", []), rest  # a stray ")" or operator


def _eval(node: Node, matcher: Matcher) -> bool:
    kind = node[0]
    if kind == "and":
        return all(_eval(n, matcher) for n in node[1])
    if kind == "or":
        return any(_eval(n, matcher) for n in node[1])
    if kind == "not":
        return not _eval(node[1], matcher)
    term: Term = node[1]
    found = matcher(term.field, term.comparator, term.value, term.prefix)
    return not found if term.negated else found


def text_matches(words: str, value: str, prefix: bool) -> bool:
    """A default-field match: a whole word of `words` (or its start, for `value*`)."""
    wanted = value.lower()
    tokens = re.findall(r"[^\W_]+", words.lower())
    if not wanted:
        return False
    if " " in wanted:  # a quoted phrase
        return wanted in " ".join(tokens)
    return any(t.startswith(wanted) if prefix else t == wanted for t in tokens)


def compare(held: str, comparator: str, wanted: str) -> bool:
    """`created_at:>='2026-01-01T00:00:00Z'`: ISO 8601 strings compare in time order."""
    if comparator == ">":
        return held > wanted
    if comparator == ">=":
        return held >= wanted
    if comparator == "<":
        return held < wanted
    if comparator == "<=":
        return held <= wanted
    return held == wanted
