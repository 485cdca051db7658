"""Every GraphQL Admin API operation we send, in one place.

Each operation is named (the name is also how the throttle remembers its cost) and asks
only for fields the agent uses: protected customer data (email, phone, name, address) is
read on orders only, never browsed. Costs below are Shopify's requested-cost rules
(object 1, scalar 0, connection 2 + first x node): they seed the throttle until Shopify
has told us the real requestedQueryCost of the operation, and keep every query under the
1000-point single-query cap.
"""

from __future__ import annotations

import json
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


# Order names are unique per shop; 2 still shows a clash instead of hiding it.
ORDERS_PER_LOOKUP = 2


@dataclass(frozen=True)
class OrderSizes:
    """How much of each order an OrderSnapshot query reads. An order cut at any of these
    limits is answered but not cached (mapping.MappedOrder.complete)."""

    line_items: int
    parcels: int  # fulfillments, and refunds
    part_lines: int  # line items of one fulfillment or one refund

    def variables(self) -> dict[str, int]:
        return {"lineItems": self.line_items, "parcels": self.parcels, "partLines": self.part_lines}

    def cost(self) -> int:
        """Requested cost of one OrderSnapshot under Shopify's rules (object 1, scalar 0,
        connection 2 + first x node, a list `first` x item)."""
        money = 5 * 2
        lines = 2 + self.line_items * 5 + 1  # + pageInfo
        parts = 2 + self.part_lines * 2 + 1
        fulfillments = self.parcels * (1 + 3 + 3 + parts)
        refunds = self.parcels * (1 + 2 + parts)
        return 1 + 1 + money + 1 + lines + fulfillments + refunds


# One order the agent is looking at; a customer's order list; a backfill page. The
# requested cost of a lookup (2 orders) must leave room in a 1000-point bucket for
# other lookups of the same shop at the same time: 2 x 224 points.
LIVE = OrderSizes(line_items=20, parcels=3, part_lines=5)
LISTING = OrderSizes(line_items=5, parcels=2, part_lines=3)
PAGE = OrderSizes(line_items=10, parcels=3, part_lines=5)
LIST_MAX = 10


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
  fulfillments(first: $parcels) {
    id
    status
    displayStatus
    createdAt
    updatedAt
    deliveredAt
    estimatedDeliveryAt
    trackingInfo(first: 3) { number company url }
    events(first: 1, sortKey: HAPPENED_AT, reverse: true) { nodes { status message happenedAt } }
    fulfillmentLineItems(first: $partLines) {
      pageInfo { hasNextPage }
      nodes { quantity lineItem { id } }
    }
  }
  refunds(first: $parcels) {
    id
    createdAt
    note
    totalRefundedSet { shopMoney { amount currencyCode } }
    refundLineItems(first: $partLines) {
      pageInfo { hasNextPage }
      nodes { quantity lineItem { id } }
    }
  }
}
"""

ORDERS_SEARCH = Operation(
    name="OrdersSearch",
    document="""
query OrdersSearch(
  $query: String!
  $first: Int!
  $lineItems: Int!
  $parcels: Int!
  $partLines: Int!
) {
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes { ...OrderSnapshot }
  }
}
"""
    + ORDER_FRAGMENT,
    # The dearer of its two uses: one order by name, or a customer's list.
    estimated_cost=max(2 + ORDERS_PER_LOOKUP * LIVE.cost(), 2 + LIST_MAX * LISTING.cost()),
)

ORDER_BY_ID = Operation(
    name="OrderById",
    document="""
query OrderById($id: ID!, $lineItems: Int!, $parcels: Int!, $partLines: Int!) {
  order(id: $id) { ...OrderSnapshot }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=LIVE.cost(),
)

ORDERS_PAGE = Operation(
    name="OrdersPage",
    document="""
query OrdersPage(
  $first: Int!
  $after: String
  $query: String!
  $lineItems: Int!
  $parcels: Int!
  $partLines: Int!
) {
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderSnapshot }
  }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=3 + 5 * PAGE.cost(),
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

# The payments of one order, read apart from OrderSnapshot: transactions in the shared
# fragment pushed every backfill page over its cost budget (THROTTLED), and only a refund
# on a store with Stripe connected needs them (commerce/shopify/payments.py). Transactions
# are a plain list (first: 10 covers authorization, capture and a few refunds).
ORDER_PAYMENTS_TRANSACTIONS = 10
ORDER_PAYMENTS = Operation(
    name="OrderPayments",
    document="""
query OrderPayments($id: ID!) {
  order(id: $id) {
    id
    updatedAt
    customAttributes { key value }
    transactions(first: 10) {
      gateway
      kind
      status
      authorizationCode
      paymentId
      receiptJson
      amountSet { shopMoney { amount currencyCode } }
    }
  }
}
""",
    # order 1 + attributes (~10 x 1) + 10 transactions x (1 + amountSet 1 + shopMoney 1)
    estimated_cost=1 + 10 + ORDER_PAYMENTS_TRANSACTIONS * 3,
)

REFUND_CONTEXT = Operation(
    name="RefundContext",
    document="""
query RefundContext($id: ID!, $refundLineItems: [RefundLineItemInput!], $full: Boolean!) {
  order(id: $id) {
    id
    currencyCode
    lineItems(first: 100) { pageInfo { hasNextPage } nodes { id refundableQuantity } }
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
    estimated_cost=1 + (3 + 100) + 20 * 3 + 1 + 4 + 10 * 2 + 10 * 4,
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
    estimated_cost=11,
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
mutation OrderUpdate(
  $input: OrderInput!
  $lineItems: Int!
  $parcels: Int!
  $partLines: Int!
) {
  orderUpdate(input: $input) {
    order { ...OrderSnapshot }
    userErrors { field message }
  }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=10 + LIVE.cost(),
    is_mutation=True,
    # Setting the same address twice is harmless; appending a note is guarded by the caller.
    replay_safe=True,
)

# The tagged order comes back whole, so the snapshot shows the tags at once.
TAGS_ADD = Operation(
    name="TagsAdd",
    document="""
mutation TagsAdd(
  $id: ID!
  $tags: [String!]!
  $lineItems: Int!
  $parcels: Int!
  $partLines: Int!
) {
  tagsAdd(id: $id, tags: $tags) {
    node { id ... on Order { ...OrderSnapshot } }
    userErrors { field message }
  }
}
"""
    + ORDER_FRAGMENT,
    estimated_cost=10 + LIVE.cost(),
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

# A search reads up to this many products and ranks them (catalog.products_search).
PRODUCTS_MAX_FETCH = 10
PRODUCTS_SEARCH = Operation(
    name="ProductsSearch",
    document="""
query ProductsSearch($query: String!, $first: Int!) {
  products(first: $first, query: $query, sortKey: RELEVANCE) {
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
    estimated_cost=2 + PRODUCTS_MAX_FETCH * (1 + 2 + 12),
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

# The shop's time zone as an IANA name ("America/New_York"): where the merchant's day
# begins. Shop.timezoneAbbreviation / timezoneOffset change with DST; this does not.
SHOP_TIME_ZONE = Operation(
    name="ShopTimeZone",
    document="""
query ShopTimeZone {
  shop { ianaTimezone }
}
""",
    estimated_cost=1,
)

# ---------------------------------------------------------------- bulk operations
# A bulk query has no variables and no page sizes: Shopify runs it over every order the
# search matches and writes one JSONL line per object, connection nodes on lines of
# their own with `__parentId` (documented limits: five connections, two levels deep).
# The fields are OrderSnapshot's (test_documents checks they stay the same).
BULK_ORDERS_QUERY = """
{
  orders(query: %(search)s) {
    edges {
      node {
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
        shippingAddress {
          name address1 address2 city province zip country countryCodeV2 phone
        }
        lineItems {
          edges {
            node {
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
        }
        fulfillments {
          id
          status
          displayStatus
          createdAt
          updatedAt
          deliveredAt
          estimatedDeliveryAt
          trackingInfo { number company url }
          events { edges { node { id status message happenedAt } } }
          fulfillmentLineItems { edges { node { id quantity lineItem { id } } } }
        }
        refunds {
          id
          createdAt
          note
          totalRefundedSet { shopMoney { amount currencyCode } }
          refundLineItems { edges { node { id quantity lineItem { id } } } }
        }
      }
    }
  }
}
"""


def bulk_orders_query(search: str) -> str:
    """The bulk query over the orders `search` matches (a GraphQL string literal)."""
    return BULK_ORDERS_QUERY % {"search": json.dumps(search)}


# groupObjects: each order's lines follow it, so the download is assembled one order at
# a time and memory stays flat. A resend could start a second operation: not replayed.
BULK_ORDERS_RUN = Operation(
    name="BulkOrdersRun",
    document="""
mutation BulkOrdersRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
""",
    estimated_cost=11,
    is_mutation=True,
    replay_safe=False,
)

BULK_OPERATION_STATUS = Operation(
    name="BulkOperationStatus",
    document="""
query BulkOperationStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      fileSize
      url
      createdAt
      completedAt
    }
  }
}
""",
    estimated_cost=2,
)

ALL_OPERATIONS: tuple[Operation, ...] = (
    ORDERS_SEARCH,
    ORDER_BY_ID,
    ORDERS_PAGE,
    ORDERS_COUNT,
    CUSTOMERS_BY_PHONE,
    ORDER_NOTE,
    ORDER_PAYMENTS,
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
    SHOP_TIME_ZONE,
    BULK_ORDERS_RUN,
    BULK_OPERATION_STATUS,
)
