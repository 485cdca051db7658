"""The Billing API operations (GraphQL Admin API), named and costed for the shared client."""

from __future__ import annotations

from apps.integrations.commerce.shopify.documents import Operation

_SUBSCRIPTION_FIELDS = """
  id
  name
  status
  test
  trialDays
  createdAt
  currentPeriodEnd
  lineItems {
    id
    plan {
      pricingDetails {
        __typename
        ... on AppRecurringPricing { interval price { amount currencyCode } }
        ... on AppUsagePricing {
          terms
          balanceUsed { amount currencyCode }
          cappedAmount { amount currencyCode }
        }
      }
    }
  }
"""

# Creating a subscription is not replay-safe: a resend would create a second pending one.
APP_SUBSCRIPTION_CREATE = Operation(
    name="AftersaleSubscriptionCreate",
    document="""
mutation AftersaleSubscriptionCreate(
  $name: String!
  $returnUrl: URL!
  $trialDays: Int
  $test: Boolean
  $lineItems: [AppSubscriptionLineItemInput!]!
) {
  appSubscriptionCreate(
    name: $name
    returnUrl: $returnUrl
    trialDays: $trialDays
    test: $test
    lineItems: $lineItems
  ) {
    confirmationUrl
    appSubscription {"""
    + _SUBSCRIPTION_FIELDS
    + """}
    userErrors { field message }
  }
}
""",
    estimated_cost=10,
    is_mutation=True,
    replay_safe=False,
)

# The idempotency key makes a resend return the first record instead of charging again.
APP_USAGE_RECORD_CREATE = Operation(
    name="AftersaleUsageRecordCreate",
    document="""
mutation AftersaleUsageRecordCreate(
  $subscriptionLineItemId: ID!
  $price: MoneyInput!
  $description: String!
  $idempotencyKey: String!
) {
  appUsageRecordCreate(
    subscriptionLineItemId: $subscriptionLineItemId
    price: $price
    description: $description
    idempotencyKey: $idempotencyKey
  ) {
    appUsageRecord { id }
    userErrors { field message }
  }
}
""",
    estimated_cost=10,
    is_mutation=True,
    replay_safe=True,
)

ACTIVE_SUBSCRIPTIONS = Operation(
    name="AftersaleActiveSubscriptions",
    document="""
query AftersaleActiveSubscriptions {
  currentAppInstallation {
    activeSubscriptions {"""
    + _SUBSCRIPTION_FIELDS
    + """}
  }
}
""",
    estimated_cost=12,
)

SUBSCRIPTION_STATUS = Operation(
    name="AftersaleSubscriptionStatus",
    document="""
query AftersaleSubscriptionStatus($id: ID!) {
  node(id: $id) {
    ... on AppSubscription { id status }
  }
}
""",
    estimated_cost=1,
)

# Development stores cannot be charged: their subscriptions are created as test charges.
SHOP_PLAN = Operation(
    name="AftersaleShopPlan",
    document="""
query AftersaleShopPlan {
  shop { plan { partnerDevelopment } }
}
""",
    estimated_cost=2,
)

ALL_OPERATIONS = (
    APP_SUBSCRIPTION_CREATE,
    APP_USAGE_RECORD_CREATE,
    ACTIVE_SUBSCRIPTIONS,
    SUBSCRIPTION_STATUS,
    SHOP_PLAN,
)
