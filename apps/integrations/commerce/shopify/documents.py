"""Every GraphQL Admin API operation we send, in one place.

Each operation is named (the name is also how the throttle remembers its cost) and asks
only for fields the agent uses: protected customer data (email, phone, name, address) is
read on orders only, never browsed. Costs below are Shopify's requested-cost rules
(object 1, scalar 0, connection 2 + first x node): they seed the throttle until Shopify
has told us the real requestedQueryCost of the operation, and keep every query under the
1000-point single-query cap.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    name: str
    document: str
    # Requested cost before Shopify has reported one for this operation.
    estimated_cost: int
    is_mutation: bool = False
    # A repeat of the same request changes nothing (queries, keyed mutations): safe to
    # resend after a timeout that may have reached Shopify.
    replay_safe: bool = True


# Line items per order: 20 for one order the agent is looking at, 10 on backfill pages.
LINE_ITEMS_LIVE = 20
LINE_ITEMS_BACKFILL = 10
FULFILLMENTS_PER_ORDER = 5
REFUNDS_PER_ORDER = 5
# Order names are unique per shop; 2 still shows a clash instead of hiding it.
ORDERS_PER_LOOKUP = 2


def order_cost(line_items: int) -> int:
    """Requested cost of one OrderSnapshot: 65 + 5 per line item."""
    money = 5 * 2
    lines = 2 + line_items * 5 + 1
    fulfillments = FULFILLMENTS_PER_ORDER * (1 + 3 + 3)
    refunds = REFUNDS_PER_ORDER * 3
    return 1 + 1 + money + 1 + lines + fulfillments + refunds


ORDER_FRAGMENT = """
fragment OrderSnapshot on Order {
  id
  name
  email
  phone
  createdAt
  updatedAt
  cancelledAt
  cancelReason
  closedAt
  displayFinancialStatus
  displayFulfillmentStatus
  note
  tags
  statusPageUrl
  currencyCode
  customer { id displayName }
  subtotalPriceSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } }
  totalPriceSet { shopMoney { amount } }
  totalRefundedSet { shopMoney { amount } }
  shippingAddress { name address1 address2 city province zip country countryCodeV2 phone }
  lineItems(first: $lineItems) {
    pageInfo { hasNextPage }
    nodes {
      id
      title
      variantTitle
      sku
      quantity
      currentQuantity
      unfulfilledQuantity
      originalUnitPriceSet { shopMoney { amount } }
      variant { id }
      product { id tags }
    }
  }
  fulfillments(first: 5) {
    id
    status
    displayStatus
    createdAt
    updatedAt
    deliveredAt
    estimatedDeliveryAt
    trackingInfo(first: 3) { number company url }
    events(first: 1, sortKey: HAPPENED_AT, reverse: true) { nodes { status happenedAt } }
  }
  refunds(first: 5) {
    id
    createdAt
    note
    totalRefundedSet { shopMoney { amount currencyCode } }
  }
}
"""

ORDERS_SEARCH = Operation(
    name="OrdersSearch",
    document="""
query OrdersSearch($query: String!, $first: Int!, $lineItems: Int!) {
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes { ...OrderSnapshot }
  }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=2 + ORDERS_PER_LOOKUP * order_cost(LINE_ITEMS_LIVE),
)

ORDER_BY_ID = Operation(
    name="OrderById",
    document="""
query OrderById($id: ID!, $lineItems: Int!) {
  order(id: $id) { ...OrderSnapshot }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=order_cost(LINE_ITEMS_LIVE),
)

ORDERS_PAGE = Operation(
    name="OrdersPage",
    document="""
query OrdersPage($first: Int!, $after: String, $query: String!, $lineItems: Int!) {
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderSnapshot }
  }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=3 + 8 * order_cost(LINE_ITEMS_BACKFILL),
)

ORDERS_COUNT = Operation(
    name="OrdersCount",
    document="""
query OrdersCount($query: String!) {
  ordersCount(query: $query) { count precision }
}
""",
    estimated_cost=1,
)

CUSTOMERS_BY_PHONE = Operation(
    name="CustomersByPhone",
    document="""
query CustomersByPhone($query: String!) {
  customers(first: 3, query: $query) { nodes { id } }
}
""",
    estimated_cost=5,
)

ORDER_NOTE = Operation(
    name="OrderNote",
    document="""
query OrderNote($id: ID!) {
  order(id: $id) { id note }
}
""",
    estimated_cost=1,
)

REFUND_CONTEXT = Operation(
    name="RefundContext",
    document="""
query RefundContext($id: ID!, $refundLineItems: [RefundLineItemInput!], $full: Boolean!) {
  order(id: $id) {
    id
    currencyCode
    refunds(first: 20) {
      id
      note
      createdAt
      totalRefundedSet { shopMoney { amount currencyCode } }
    }
    suggestedRefund(refundLineItems: $refundLineItems, suggestFullRefund: $full) {
      amountSet { shopMoney { amount currencyCode } }
      maximumRefundableSet { shopMoney { amount currencyCode } }
      refundLineItems { quantity restockType lineItem { id } }
      suggestedTransactions {
        gateway
        kind
        amountSet { shopMoney { amount currencyCode } }
        parentTransaction { id }
      }
    }
  }
}
""",
    estimated_cost=1 + 20 * 3 + 1 + 4 + 10 * 2 + 10 * 4,
)

# @idempotent is mandatory on refundCreate since 2026-04: a retry with the same key gets
# the original refund back instead of a second one.
REFUND_CREATE = Operation(
    name="RefundCreate",
    document="""
mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
    refund {
      id
      createdAt
      note
      totalRefundedSet { shopMoney { amount currencyCode } }
    }
    userErrors { field message }
  }
}
""",
    estimated_cost=13,
    is_mutation=True,
    replay_safe=True,
)

ORDER_CANCEL = Operation(
    name="OrderCancel",
    document="""
mutation OrderCancel(
  $orderId: ID!
  $reason: OrderCancelReason!
  $restock: Boolean!
  $notifyCustomer: Boolean
  $staffNote: String
  $refundMethod: OrderCancelRefundMethodInput
) {
  orderCancel(
    orderId: $orderId
    reason: $reason
    restock: $restock
    notifyCustomer: $notifyCustomer
    staffNote: $staffNote
    refundMethod: $refundMethod
  ) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
""",
    estimated_cost=10,
    is_mutation=True,
    replay_safe=False,
)

JOB_STATUS = Operation(
    name="JobStatus",
    document="""
query JobStatus($id: ID!) {
  job(id: $id) { id done }
}
""",
    estimated_cost=1,
)

ORDER_UPDATE = Operation(
    name="OrderUpdate",
    document="""
mutation OrderUpdate($input: OrderInput!, $lineItems: Int!) {
  orderUpdate(input: $input) {
    order { ...OrderSnapshot }
    userErrors { field message }
  }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=10 + order_cost(LINE_ITEMS_LIVE),
    is_mutation=True,
    # Setting the same address twice is harmless; appending a note is guarded by the caller.
    replay_safe=True,
)

TAGS_ADD = Operation(
    name="TagsAdd",
    document="""
mutation TagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    node { id }
    userErrors { field message }
  }
}
""",
    estimated_cost=10,
    is_mutation=True,
    replay_safe=True,
)

RETURN_CONTEXT = Operation(
    name="ReturnContext",
    document="""
query ReturnContext($orderId: ID!) {
  returnableFulfillments(orderId: $orderId, first: 5) {
    nodes {
      id
      returnableFulfillmentLineItems(first: 20) {
        nodes { quantity fulfillmentLineItem { id lineItem { id } } }
      }
    }
  }
  order(id: $orderId) {
    id
    returns(first: 5) {
      nodes {
        id
        name
        status
        returnLineItems(first: 10) { nodes { ... on ReturnLineItem { id quantity customerNote } } }
      }
    }
  }
}
""",
    estimated_cost=(2 + 5 * (1 + 2 + 20 * 3)) + 1 + (2 + 5 * (1 + 2 + 10)),
)

RETURN_REASONS = Operation(
    name="ReturnReasons",
    document="""
query ReturnReasons {
  returnReasonDefinitions(first: 100) { nodes { id handle name deleted } }
}
""",
    estimated_cost=102,
)

RETURN_REQUEST = Operation(
    name="ReturnRequest",
    document="""
mutation ReturnRequest($input: ReturnRequestInput!) {
  returnRequest(input: $input) {
    return { id name status }
    userErrors { field message code }
  }
}
""",
    estimated_cost=11,
    is_mutation=True,
    # A resend could open a second return: the caller checks for an earlier one first.
    replay_safe=False,
)

PRODUCTS_SEARCH = Operation(
    name="ProductsSearch",
    document="""
query ProductsSearch($query: String!, $first: Int!) {
  products(first: $first, query: $query) {
    nodes {
      id
      title
      handle
      onlineStoreUrl
      description(truncateAt: 500)
      productType
      tags
      priceRangeV2 { minVariantPrice { amount currencyCode } }
      variants(first: 10) { nodes { id title sku price availableForSale } }
    }
  }
}
""",
    estimated_cost=2 + 5 * (1 + 2 + 12),
)

SHOP_POLICIES = Operation(
    name="ShopPolicies",
    document="""
query ShopPolicies {
  shop { shopPolicies { id type title body url } }
}
""",
    estimated_cost=10,
)

ALL_OPERATIONS: tuple[Operation, ...] = (
    ORDERS_SEARCH,
    ORDER_BY_ID,
    ORDERS_PAGE,
    ORDERS_COUNT,
    CUSTOMERS_BY_PHONE,
    ORDER_NOTE,
    REFUND_CONTEXT,
    REFUND_CREATE,
    ORDER_CANCEL,
    JOB_STATUS,
    ORDER_UPDATE,
    TAGS_ADD,
    RETURN_CONTEXT,
    RETURN_REASONS,
    RETURN_REQUEST,
    PRODUCTS_SEARCH,
    SHOP_POLICIES,
)
