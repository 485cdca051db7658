"""Webhook topics we act on (Shopify's, and our own names for inbound customer messages),
and which of them still matter after an uninstall."""

from __future__ import annotations

APP_UNINSTALLED = "app/uninstalled"
ORDERS_CREATE = "orders/create"
ORDERS_UPDATED = "orders/updated"
ORDERS_FULFILLED = "orders/fulfilled"
ORDERS_CANCELLED = "orders/cancelled"
REFUNDS_CREATE = "refunds/create"
CUSTOMERS_DATA_REQUEST = "customers/data_request"
CUSTOMERS_REDACT = "customers/redact"
SHOP_REDACT = "shop/redact"
APP_SUBSCRIPTIONS_UPDATE = "app_subscriptions/update"
SHOP_UPDATE = "shop/update"
# A customer's inbound text or email, stored by our own views (not a Shopify topic).
SMS_INBOUND = "twilio/sms.inbound"
EMAIL_INBOUND = "sendgrid/email.inbound"

ORDER_TOPICS = frozenset({ORDERS_CREATE, ORDERS_UPDATED, ORDERS_FULFILLED, ORDERS_CANCELLED})
COMPLIANCE_TOPICS = frozenset({CUSTOMERS_DATA_REQUEST, CUSTOMERS_REDACT, SHOP_REDACT})
MESSAGING_TOPICS = frozenset({SMS_INBOUND, EMAIL_INBOUND})

# Processed for an uninstalled store too: the uninstall itself, the privacy requests
# Shopify sends after it (shop/redact comes 48 hours later, by design), and the
# cancellation of the app subscription the uninstall causes.
AFTER_UNINSTALL_TOPICS = COMPLIANCE_TOPICS | {APP_UNINSTALLED, APP_SUBSCRIPTIONS_UPDATE}
