"""The Billing API documents parse, are named like their operations, and declare exactly
the variables they use; only keyed mutations may be resent after a timeout."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse
from graphql.language import FieldNode, VariableNode, visit
from graphql.language.visitor import Visitor

from apps.billing import documents

OPS = {op.name: op for op in documents.ALL_OPERATIONS}


class _Collect(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields: set[str] = set()
        self.variables: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.fields.add(node.name.value)

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.variables.add(node.name.value)


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_document_parses_with_its_variables(name):
    op = OPS[name]
    tree = parse(op.document)
    [definition] = [d for d in tree.definitions if isinstance(d, OperationDefinitionNode)]
    collected = _Collect()
    visit(tree, collected)

    assert definition.name is not None
    assert definition.name.value == op.name
    assert (definition.operation.value == "mutation") == op.is_mutation
    declared = {v.variable.name.value for v in definition.variable_definitions or ()}
    assert collected.variables == declared


def test_the_subscription_mutation_asks_for_what_billing_reads():
    collected = _Collect()
    visit(parse(documents.APP_SUBSCRIPTION_CREATE.document), collected)

    assert {"confirmationUrl", "appSubscription", "lineItems", "pricingDetails", "__typename",
            "cappedAmount", "balanceUsed", "userErrors"} <= collected.fields  # fmt: skip
    assert documents.APP_SUBSCRIPTION_CREATE.replay_safe is False


def test_only_the_keyed_usage_charge_is_replay_safe_among_mutations():
    mutations = [op for op in documents.ALL_OPERATIONS if op.is_mutation]
    assert {op.name: op.replay_safe for op in mutations} == {
        "AftersaleSubscriptionCreate": False,
        "AftersaleUsageRecordCreate": True,
    }
    assert "idempotencyKey: $idempotencyKey" in documents.APP_USAGE_RECORD_CREATE.document
