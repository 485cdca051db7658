"""Topic -> handler. A topic missing here is stored and marked ignored."""

from __future__ import annotations

from apps.webhooks import topics
from apps.webhooks.handlers import (
    app,
    bigcommerce,
    billing,
    compliance,
    messaging,
    orders,
    payments,
    shipping,
    shop,
    woocommerce,
)
from apps.webhooks.handlers.base import Handler
from apps.webhooks.handlers.helpdesk import TOPIC_PREFIX, handle_helpdesk_event

HANDLERS: dict[str, Handler] = {
    topics.APP_UNINSTALLED: app.handle_app_uninstalled,
    topics.ORDERS_CREATE: orders.handle_order,
    topics.ORDERS_UPDATED: orders.handle_order,
    topics.ORDERS_FULFILLED: orders.handle_order,
    topics.ORDERS_CANCELLED: orders.handle_order,
    topics.REFUNDS_CREATE: orders.handle_refund,
    topics.CUSTOMERS_DATA_REQUEST: compliance.handle_data_request,
    topics.CUSTOMERS_REDACT: compliance.handle_customer_redact,
    topics.SHOP_REDACT: compliance.handle_shop_redact,
    topics.APP_SUBSCRIPTIONS_UPDATE: billing.handle_app_subscriptions_update,
    topics.SHOP_UPDATE: shop.handle_shop_update,
    # A store's own provider accounts (provider_views): "<provider>/<the provider's event>".
    "easypost/tracker.created": shipping.handle_tracker,
    "easypost/tracker.updated": shipping.handle_tracker,
    "stripe/refund.created": payments.handle_refund,
    "stripe/refund.updated": payments.handle_refund,
    "stripe/refund.failed": payments.handle_refund,
    "stripe/charge.refunded": payments.handle_charge_refunded,
    "woocommerce/order.created": woocommerce.handle_order,
    "woocommerce/order.updated": woocommerce.handle_order,
    "woocommerce/order.deleted": woocommerce.handle_order_deleted,
    # Inbound texts and emails (apps.webhooks.inbound_sms / inbound_email).
    messaging.SMS_TOPIC: messaging.handle_inbound_sms,
    messaging.EMAIL_TOPIC: messaging.handle_inbound_email,
}
HANDLERS.update(
    {f"bigcommerce/{scope}": bigcommerce.handle_order_event for scope in bigcommerce.ORDER_SCOPES}
)
HANDLERS["bigcommerce/store/app/uninstalled"] = bigcommerce.handle_app_uninstalled
HANDLERS["bigcommerce/store/information/updated"] = bigcommerce.handle_store_updated
HANDLERS.update(
    {
        f"{TOPIC_PREFIX}{p}": handle_helpdesk_event
        for p in ("gorgias", "zendesk", "front", "intercom")
    }
)
