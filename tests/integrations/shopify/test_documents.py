from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse
from graphql.language import DirectiveNode, FieldNode, visit
from graphql.language.visitor import Visitor

from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.backfill import DEFAULT_PAGE_SIZE, SINGLE_QUERY_CAP
from standins.shopify import graph
from standins.shopify.bulk import _limits as bulk_limits

OPS = {op.name: op for op in documents.ALL_OPERATIONS}


class _Collect(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields: set[str] = set()
        self.directives: list[DirectiveNode] = []
        self.variables_used: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.fields.add(node.name.value)

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.directives.append(node)

    def enter_variable(self, node, *_: object) -> None:  # type: ignore[no-untyped-def]
        self.variables_used.add(node.name.value)


def _shape(op: documents.Operation) -> tuple[OperationDefinitionNode, _Collect]:
    tree = parse(op.document)
    operations = [d for d in tree.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1
    collected = _Collect()
    visit(tree, collected)
    return operations[0], collected


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_document_parses_and_is_named_like_its_operation(name: str) -> None:
    op = OPS[name]
    definition, collected = _shape(op)
    assert definition.name is not None
    assert definition.name.value == op.name
    assert (definition.operation.value == "mutation") == op.is_mutation
    declared = {v.variable.name.value for v in definition.variable_definitions or ()}
    # Every variable used is declared and every declared one is used.
    assert collected.variables_used == declared
    assert op.estimated_cost < SINGLE_QUERY_CAP


def test_refund_create_carries_the_idempotent_directive_with_the_key_variable() -> None:
    _, collected = _shape(documents.REFUND_CREATE)
    [directive] = collected.directives
    assert directive.name.value == "idempotent"
    assert [a.name.value for a in directive.arguments] == ["key"]
    assert directive.arguments[0].value.name.value == "idempotencyKey"


def test_order_fragment_asks_only_for_the_customer_fields_the_agent_uses() -> None:
    _, collected = _shape(documents.ORDER_BY_ID)
    # Level 2 protected data: name, email, phone, address; nothing else about the customer.
    assert {"email", "phone", "displayName", "shippingAddress"} <= collected.fields
    assert (
        not {
            "billingAddress",
            "note_attributes",
            "customerJourney",
            "clientIp",
            "defaultEmailAddress",
            "addresses",
            "browserIp",
        }
        & collected.fields
    )


_SIZES = {
    "live": {"first": documents.ORDERS_PER_LOOKUP, **documents.LIVE.variables()},
    "listing": {"first": documents.LIST_MAX, **documents.LISTING.variables()},
    "page": {"first": DEFAULT_PAGE_SIZE, **documents.PAGE.variables()},
}


@pytest.mark.parametrize(
    ("op", "variables"),
    [
        (documents.ORDERS_SEARCH, _SIZES["live"]),
        (documents.ORDERS_SEARCH, _SIZES["listing"]),
        (documents.ORDERS_PAGE, _SIZES["page"]),
        (documents.ORDER_BY_ID, documents.LIVE.variables()),
        (documents.ORDER_UPDATE, documents.LIVE.variables()),
        (documents.TAGS_ADD, documents.LIVE.variables()),
    ],
    ids=["lookup", "listing", "backfill-page", "by-id", "update", "tags"],
)
def test_order_queries_stay_under_the_single_query_cap(op, variables) -> None:  # type: ignore[no-untyped-def]
    # Priced by the stand-in from the document itself, under Shopify's rules.
    request = graph.parse_request(op.document, {"query": "", "id": "x", **variables}, op.name)
    cost = graph.requested_cost(request)
    assert cost < SINGLE_QUERY_CAP
    assert DEFAULT_PAGE_SIZE >= 5


# The size variables each operation is sent with (the rest are ids and texts).
_SENT_WITH = {
    "OrdersSearch": [_SIZES["live"], _SIZES["listing"]],
    "OrdersPage": [_SIZES["page"]],
    "ProductsSearch": [{"first": documents.PRODUCTS_MAX_FETCH}],
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_estimate_covers_what_shopify_would_ask_for(name: str) -> None:
    op = OPS[name]
    for sizes in _SENT_WITH.get(name, [documents.LIVE.variables()]):
        variables = {v: sizes.get(v, "x") for v in _declared(op)}
        request = graph.parse_request(op.document, variables, op.name)
        assert op.estimated_cost >= graph.requested_cost(request)


def _declared(op: documents.Operation) -> set[str]:
    definition, _ = _shape(op)
    return {v.variable.name.value for v in definition.variable_definitions or ()}


def _leaves(document: str) -> set[str]:
    """Path of every scalar field, connection wrappers (edges/node/nodes) left out."""
    tree = parse(document)
    found: set[str] = set()

    def walk(selection, path):  # type: ignore[no-untyped-def]
        for node in selection.selections:
            if isinstance(node, FieldNode):
                name = node.name.value
                if name in ("pageInfo", "__typename"):
                    continue
                step = path if name in ("edges", "node", "nodes") else (*path, name)
                if node.selection_set is None:
                    found.add(".".join(step))
                else:
                    walk(node.selection_set, step)
            elif hasattr(node, "selection_set"):
                walk(node.selection_set, path)

    for definition in tree.definitions:
        walk(definition.selection_set, ())
    return found


def test_the_bulk_query_reads_every_field_of_the_order_snapshot() -> None:
    snapshot = {p for p in _leaves(documents.ORDER_FRAGMENT)}
    bulk = {p.removeprefix("orders.") for p in _leaves(documents.bulk_orders_query("x"))}
    # Bulk lines carry ids of their own (events, part lines) to be joined by __parentId.
    assert snapshot <= bulk
    assert bulk - snapshot <= {
        "fulfillments.events.id",
        "fulfillments.fulfillmentLineItems.id",
        "refunds.refundLineItems.id",
    }


def test_the_bulk_query_keeps_within_the_documented_limits() -> None:
    text = documents.bulk_orders_query("created_at:>='2026-01-01T00:00:00Z'")
    request = graph.parse_request(text, {})
    assert bulk_limits(request) == ""
    # The search is one GraphQL string literal: quotes in it cannot end it early.
    tricky = documents.bulk_orders_query('x") { id } orders(query: "y')
    assert len(graph.parse_request(tricky, {}).root_fields()) == 1


def test_mutations_that_could_repeat_a_side_effect_are_not_replayed() -> None:
    assert documents.REFUND_CREATE.replay_safe  # @idempotent makes a resend safe
    assert not documents.ORDER_CANCEL.replay_safe
    assert not documents.RETURN_REQUEST.replay_safe
