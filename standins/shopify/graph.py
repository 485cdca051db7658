"""A small GraphQL executor for the stand-in: the stored objects, shaped by the query sent.

The stand-in keeps Shopify's objects as plain dicts in GraphQL field names; this module
answers an operation by walking its selection set over them, so every answer carries
exactly the fields the query asked for, nothing more. Conventions:

* a stored list under a field whose selection asks for `nodes`, `edges` or `pageInfo` is
  a connection (`first`/`after` apply); otherwise it is a list (`first` applies);
* a stored callable is a field with arguments: it is called with them;
* `sortKey`/`reverse` on a stored list sort it by the camelCased key (HAPPENED_AT ->
  happenedAt); RELEVANCE keeps the stored order;
* an object's `__typename` decides inline fragments (`... on Order`).

It also prices queries the way Shopify does (object 1, scalar 0, connection 2 + first x
node, list first x item, mutation field 10): requested from the query alone, actual
from the answer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
    parse,
    value_from_ast_untyped,
)

CONNECTION_KEYS = {"nodes", "edges", "pageInfo"}
MUTATION_COST = 10
# Lists Shopify does not meter (errors, and scalar lists such as tags).
FREE_FIELDS = {"userErrors", "orderCancelUserErrors"}
UNBOUNDED_LIST_GUESS = 1

Resolver = Callable[[dict[str, Any]], Any]


class GraphQLRequestError(Exception):
    """A request the stand-in refuses as Shopify would (errors[] with a code)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Request:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]

    @property
    def is_mutation(self) -> bool:
        return self.operation.operation.value == "mutation"

    def root_fields(self) -> list[FieldNode]:
        return list(self._fields(self.operation.selection_set, None))

    def args(self, field: FieldNode) -> dict[str, Any]:
        return {a.name.value: _value(a.value, self.variables) for a in field.arguments or ()}

    def _fields(self, selection: SelectionSetNode | None, obj: Any) -> Iterable[FieldNode]:
        for node in selection.selections if selection else ():
            if isinstance(node, FieldNode):
                yield node
            elif isinstance(node, InlineFragmentNode):
                if _type_matches(
                    obj, node.type_condition.name.value if node.type_condition else ""
                ):
                    yield from self._fields(node.selection_set, obj)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                if _type_matches(obj, fragment.type_condition.name.value):
                    yield from self._fields(fragment.selection_set, obj)


def parse_request(query: str, variables: Mapping[str, Any], name: str = "") -> Request:
    try:
        document = parse(query)
    except Exception as exc:  # graphql-core raises GraphQLSyntaxError
        raise GraphQLRequestError(f"Parse error: {exc}", "PARSE_ERROR") from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if not name or (o.name and o.name.value == name)]
    if len(chosen) != 1:
        raise GraphQLRequestError("An operation name is required", "OPERATION_NOT_FOUND")
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return Request(document, chosen[0], fragments, dict(variables or {}))


def _value(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    value = value_from_ast_untyped(node, dict(variables))
    return None if value is Undefined else value


def _type_matches(obj: Any, type_name: str) -> bool:
    if not type_name or not isinstance(obj, Mapping) or "__typename" not in obj:
        return True
    return bool(obj["__typename"] == type_name)


# ---------------------------------------------------------------- execution


def execute(request: Request, roots: Mapping[str, Resolver]) -> dict[str, Any]:
    """`data` for the request: each root field resolved by `roots[name](args)`."""
    data: dict[str, Any] = {}
    for field in request.root_fields():
        resolver = roots.get(field.name.value)
        if resolver is None:
            raise GraphQLRequestError(
                f"Field '{field.name.value}' doesn't exist on type "
                f"'{'Mutation' if request.is_mutation else 'QueryRoot'}'",
                "undefinedField",
            )
        args = request.args(field)
        for directive in field.directives or ():  # e.g. @idempotent(key: ...)
            args[f"@{directive.name.value}"] = {
                a.name.value: _value(a.value, request.variables) for a in directive.arguments
            }
        data[_key(field)] = project(request, field, resolver(args))
    return data


def _key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


def project(request: Request, field: FieldNode, value: Any) -> Any:
    """`value` (already the field's value) shaped by the field's selection set."""
    if value is None or field.selection_set is None:
        return value
    if isinstance(value, list):
        names = {f.name.value for f in request._fields(field.selection_set, None)}
        if names & CONNECTION_KEYS:
            value = connection(value, request.args(field))
        else:
            items = _arranged(value, request.args(field))
            return [_object(request, field.selection_set, item) for item in items]
    return _object(request, field.selection_set, value)


def _object(request: Request, selection: SelectionSetNode, obj: Any) -> Any:
    if obj is None:
        return None
    shaped: dict[str, Any] = {}
    for sub in request._fields(selection, obj):
        name = sub.name.value
        if name == "__typename":
            shaped[_key(sub)] = obj.get("__typename")
            continue
        value = obj.get(name) if isinstance(obj, Mapping) else None
        if callable(value):
            value = value(request.args(sub))
        shaped[_key(sub)] = project(request, sub, value)
    return shaped


def _arranged(items: list[Any], args: Mapping[str, Any]) -> list[Any]:
    sort_key = args.get("sortKey")
    if sort_key and sort_key not in ("RELEVANCE", "ID") and items and isinstance(items[0], dict):
        field = _camel(str(sort_key))
        items = sorted(items, key=lambda item: str(item.get(field) or ""))
    if args.get("reverse"):
        items = list(reversed(items))
    first = args.get("first")
    return items[: int(first)] if first is not None else list(items)


def connection(
    items: list[Any],
    args: Mapping[str, Any],
    *,
    build: Callable[[Any], Any] | None = None,
    sort: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """A list as a connection page: `after` is an opaque offset cursor. `sort` orders
    records for any sortKey but RELEVANCE/ID; `build` turns only the page's records into
    objects (a big shop is never built whole)."""
    if sort is not None:
        ordered = list(items)
        if args.get("sortKey") not in (None, "RELEVANCE", "ID"):
            ordered.sort(key=sort)
        if args.get("reverse"):
            ordered.reverse()
    else:
        ordered = _arranged(items, {k: v for k, v in args.items() if k != "first"})
    start = decode_cursor(args.get("after"))
    first = args.get("first")
    end = len(ordered) if first is None else start + int(first)
    page = [build(item) for item in ordered[start:end]] if build else ordered[start:end]
    cursors = [encode_cursor(start + i + 1) for i in range(len(page))]
    return {
        "nodes": page,
        "edges": [{"node": n, "cursor": c} for n, c in zip(page, cursors, strict=True)],
        "pageInfo": {
            "hasNextPage": end < len(ordered),
            "hasPreviousPage": start > 0,
            "endCursor": cursors[-1] if cursors else None,
            "startCursor": cursors[0] if cursors else None,
        },
    }


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(cursor).encode()).decode()
    except ValueError:
        raise GraphQLRequestError("Invalid cursor", "BAD_REQUEST") from None
    if not text.startswith("offset:") or not text[7:].isdigit():
        raise GraphQLRequestError("Invalid cursor", "BAD_REQUEST")
    return int(text[7:])


def _camel(enum_value: str) -> str:
    head, *rest = enum_value.lower().split("_")
    return head + "".join(part.title() for part in rest)


# ---------------------------------------------------------------- cost


def requested_cost(request: Request) -> int:
    """What Shopify charges up front, from the query and its variables alone."""
    total = 0
    for field in request.root_fields():
        if request.is_mutation:  # the payload object is part of the mutation's 10
            total += MUTATION_COST + sum(
                _static(request, sub) for sub in request._fields(field.selection_set, None)
            )
        else:
            total += _static(request, field)
    return total


def _static(request: Request, field: FieldNode) -> int:
    if field.selection_set is None or field.name.value in FREE_FIELDS:
        return 0
    args = request.args(field)
    subs = list(request._fields(field.selection_set, None))
    names = {s.name.value for s in subs}
    if names & CONNECTION_KEYS:
        count = int(args.get("first") or UNBOUNDED_LIST_GUESS)
        cost = 2
        for sub in subs:
            if sub.name.value == "pageInfo":
                cost += 1
            elif sub.name.value == "nodes":
                cost += count * _static(request, sub)
            elif sub.name.value == "edges":
                node = next(
                    (s for s in request._fields(sub.selection_set, None) if s.name.value == "node"),
                    None,
                )
                cost += count * (_static(request, node) if node else 0)
        return cost
    inner = 1 + sum(_static(request, sub) for sub in subs)
    first = args.get("first")
    return inner * int(first) if first is not None else inner


def actual_cost(request: Request, data: Mapping[str, Any]) -> int:
    """What the answer really cost (the difference to the requested cost is refunded)."""
    total = 0
    for field in request.root_fields():
        value = data.get(_key(field))
        if request.is_mutation:
            subs = request._fields(field.selection_set, value)
            total += MUTATION_COST + sum(
                _actual(request, sub, (value or {}).get(_key(sub))) for sub in subs
            )
        else:
            total += _actual(request, field, value)
    return total


def _actual(request: Request, field: FieldNode, value: Any) -> int:
    if field.selection_set is None or value is None or field.name.value in FREE_FIELDS:
        return 0
    subs = list(request._fields(field.selection_set, value if isinstance(value, dict) else None))
    if isinstance(value, list):
        return sum(_actual_object(request, subs, item) for item in value)
    names = {s.name.value for s in subs}
    if names & CONNECTION_KEYS and isinstance(value, dict):
        cost = 2 + (1 if "pageInfo" in value else 0)
        node_field = next((s for s in subs if s.name.value == "nodes"), None)
        for node in value.get("nodes") or []:
            cost += (
                _actual_object(request, list(request._fields(node_field.selection_set, node)), node)
                if node_field
                else 0
            )
        return cost
    return _actual_object(request, subs, value)


def _actual_object(request: Request, subs: list[FieldNode], obj: Any) -> int:
    if obj is None:
        return 0
    return 1 + sum(
        _actual(request, sub, obj.get(_key(sub)) if isinstance(obj, dict) else None) for sub in subs
    )
