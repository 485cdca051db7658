from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse
from graphql.language import DirectiveNode, FieldNode, visit
from graphql.language.visitor import Visitor

from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.backfill import DEFAULT_PAGE_SIZE, SINGLE_QUERY_CAP

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


@pytest.mark.parametrize(
    ("op", "variables_cost"),
    [
        (documents.ORDERS_SEARCH, 2 + documents.ORDERS_PER_LOOKUP * documents.order_cost(20)),
        (documents.ORDERS_PAGE, 3 + DEFAULT_PAGE_SIZE * documents.order_cost(10)),
    ],
)
def test_order_queries_stay_under_the_single_query_cap(op, variables_cost) -> None:  # type: ignore[no-untyped-def]
    assert variables_cost < SINGLE_QUERY_CAP
    assert DEFAULT_PAGE_SIZE >= 5


def test_mutations_that_could_repeat_a_side_effect_are_not_replayed() -> None:
    assert documents.REFUND_CREATE.replay_safe  # @idempotent makes a resend safe
    assert not documents.ORDER_CANCEL.replay_safe
    assert not documents.RETURN_REQUEST.replay_safe
