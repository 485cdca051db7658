"""The merchant's embedded admin under /app/. Every view is a @dashboard_view.

Add a page with one line in `urlpatterns` (and its entry in rendering.NAV, where
analytics and billing already have theirs).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from apps.dashboard.views import analytics as analytics_views
from apps.dashboard.views import billing as billing_views
from apps.dashboard.views import (
    helpdesk_connect,
    helpdesk_settings,
    home,
    inbox,
    integrations,
    knowledge,
    messaging_connect,
    notifications,
    returns,
    settings,
    time_zone,
)
from apps.dashboard.views import woocommerce_sign_in as woo_sign_in
from apps.dashboard.views import woocommerce_storefront as woo_storefront

app_name = "dashboard"
urlpatterns: list[URLPattern | URLResolver] = [
    # Home: the app's entry point, where Shopify loads the app (token exchange on first load).
    path("", home.home, name="home"),
    path("onboarding/widget-done/", home.widget_done, name="onboarding-widget-done"),
    # WooCommerce owners sign in by email link (no platform admin vouches for them).
    path("sign-in/woocommerce/", woo_sign_in.sign_in, name="woocommerce-sign-in"),
    path(
        "sign-in/woocommerce/<str:token>/",
        woo_sign_in.sign_in_link,
        name="woocommerce-sign-in-link",
    ),
    path(
        "woocommerce/claim-secret/",
        woo_storefront.claim_secret,
        name="woocommerce-claim-secret",
    ),
    path(
        "woocommerce/policy-pages/",
        woo_storefront.policy_pages,
        name="woocommerce-policy-pages",
    ),
    path(
        "woocommerce/dismiss-notice/",
        woo_storefront.dismiss_notice,
        name="woocommerce-dismiss-notice",
    ),
    # Conversations
    path("conversations/", inbox.conversation_list, name="conversations"),
    path("conversations/<int:conversation_id>/", inbox.conversation_detail, name="conversation"),
    path(
        "conversations/<int:conversation_id>/take-over/",
        inbox.take_over,
        name="conversation-take-over",
    ),
    path(
        "conversations/<int:conversation_id>/hand-back/",
        inbox.hand_back,
        name="conversation-hand-back",
    ),
    path("actions/<int:action_id>/", inbox.action_status, name="action-status"),
    path(
        "conversations/<int:conversation_id>/transcript/",
        inbox.transcript,
        name="conversation-transcript",
    ),
    path(
        "conversations/<int:conversation_id>/compose/",
        inbox.compose,
        name="conversation-compose",
    ),
    path("actions/<int:action_id>/approve/", inbox.approve, name="action-approve"),
    path("actions/<int:action_id>/reject/", inbox.reject, name="action-reject"),
    path("returns/<int:shipment_id>/inspected/", returns.inspected, name="return-inspected"),
    # Settings and knowledge base
    path("settings/", settings.settings_page, name="settings"),
    path("settings/agent/", settings.settings_agent, name="settings-agent"),
    path("settings/policies/", settings.settings_policies, name="settings-policies"),
    path("settings/time-zone/", time_zone.settings_time_zone, name="settings-time-zone"),
    path("settings/returns/", settings.settings_returns, name="settings-returns"),
    path("settings/notifications/", notifications.notifications, name="notifications"),
    path(
        "settings/notifications/save/",
        notifications.notifications_save,
        name="notifications-save",
    ),
    path(
        "settings/notifications/preview/<slug:kind>/",
        notifications.notification_preview,
        name="notification-preview",
    ),
    path(
        "conversations/<int:conversation_id>/send-transcript/",
        notifications.send_transcript,
        name="conversation-send-transcript",
    ),
    path("settings/helpdesk/", helpdesk_settings.helpdesk_settings_form, name="settings-helpdesk"),
    path("settings/knowledge/", knowledge.knowledge_page, name="knowledge"),
    path("settings/knowledge/faq/", knowledge.faq_add, name="faq-add"),
    path("settings/knowledge/faq/<int:entry_id>/", knowledge.faq_row, name="faq-row"),
    path("settings/knowledge/faq/<int:entry_id>/edit/", knowledge.faq_edit, name="faq-edit"),
    path("settings/knowledge/faq/<int:entry_id>/delete/", knowledge.faq_remove, name="faq-delete"),
    path("settings/knowledge/preview/", knowledge.knowledge_preview, name="knowledge-preview"),
    # Integrations
    path("integrations/", integrations.integrations_page, name="integrations"),
    path("integrations/<slug:key>/", integrations.card, name="integration"),
    path("integrations/<slug:key>/form/", integrations.credential_form, name="integration-form"),
    path("integrations/<slug:key>/connect/", integrations.connect, name="integration-connect"),
    path(
        "integrations/<slug:key>/disconnect/",
        integrations.disconnect,
        name="integration-disconnect",
    ),
    path("integrations/<slug:key>/test/", integrations.test_connection, name="integration-test"),
    path(
        "integrations/<slug:key>/messaging/",
        messaging_connect.messaging_setup,
        name="messaging-setup",
    ),
    path(
        "integrations/<slug:key>/messaging/test/",
        messaging_connect.messaging_test,
        name="messaging-test",
    ),
    path(
        "integrations/<slug:key>/messaging/test/<int:outbound_id>/",
        messaging_connect.messaging_test_status,
        name="messaging-test-status",
    ),
    path(
        "conversations/<int:conversation_id>/deliveries/",
        messaging_connect.conversation_deliveries,
        name="conversation-deliveries",
    ),
    path("integrations/<slug:key>/helpdesk/", helpdesk_connect.panel, name="helpdesk-panel"),
    path("integrations/<slug:key>/helpdesk/retry/", helpdesk_connect.retry, name="helpdesk-retry"),
    path("integrations/<slug:key>/helpdesk/wait/", helpdesk_connect.wait, name="helpdesk-wait"),
    path(
        "integrations/<slug:key>/helpdesk/oauth/",
        helpdesk_connect.oauth_start,
        name="helpdesk-oauth-start",
    ),
    # Outside the embedded admin (a window of its own): signed links, no session token.
    path("helpdesk/oauth/<slug:key>/go/", helpdesk_connect.oauth_go, name="helpdesk-oauth-go"),
    path(
        "helpdesk/oauth/<slug:key>/callback/",
        helpdesk_connect.oauth_callback,
        name="helpdesk-oauth-callback",
    ),
    # Analytics
    path("analytics/", analytics_views.analytics_page, name="analytics"),
    path("analytics/export.csv", analytics_views.analytics_export, name="analytics-export"),
    # Billing; billing/confirm is the return URL Shopify sends the merchant back to.
    path("billing/", billing_views.billing_page, name="billing"),
    path("billing/subscribe/", billing_views.subscribe, name="billing-subscribe"),
    path("billing/confirm", billing_views.confirm, name="billing-confirm"),
]
