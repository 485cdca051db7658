"""The onboarding checklist on the home page: what is done and the way to do the rest."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from apps.billing.selectors import store_has_active_plan
from apps.conversations.models import Conversation
from apps.dashboard.models import OnboardingMark, OnboardingStep
from apps.orders.models import Order, OrderSync, OrderSyncStatus
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Platform, Store

WIDGET_BLOCK_HANDLE = "chat"  # extensions/aftersale-chat/blocks/chat.liquid


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    done: bool
    detail: str
    link: str = ""
    link_label: str = ""
    # "_top": the Shopify admin around us; "_blank": a storefront; "": a dashboard page.
    target: str = ""
    progress: int | None = None  # percent, for the backfill


def theme_editor_link(store: Store) -> str:
    """Deep link that opens the theme editor with our app embed switched on."""
    return (
        f"https://{store.domain}/admin/themes/current/editor?context=apps"
        f"&activateAppId={settings.SHOPIFY_API_KEY}/{WIDGET_BLOCK_HANDLE}"
    )


def onboarding_checklist(store: Store) -> list[ChecklistItem]:
    return [
        _backfill(store),
        _policies(store),
        _widget(store),
        _test_conversation(store),
        _plan(store),
    ]


def _backfill(store: Store) -> ChecklistItem:
    title = "Import your recent orders"
    sync = OrderSync.objects.filter(store=store).first()
    if sync is None:
        orders = Order.objects.filter(store=store).count()
        if store.platform == Platform.DEMO or orders:
            return ChecklistItem("orders", title, True, f"{orders} orders available.")
        return ChecklistItem("orders", title, False, "The import starts right after install.")
    if sync.status == OrderSyncStatus.DONE:
        return ChecklistItem("orders", title, True, f"{sync.imported} orders imported.")
    if sync.status == OrderSyncStatus.FAILED:
        return ChecklistItem(
            "orders", title, False, "The import stopped; it will be retried automatically."
        )
    percent = None
    if sync.total_estimate:
        percent = min(100, round(100 * sync.imported / sync.total_estimate))
    return ChecklistItem(
        "orders", title, False, f"{sync.imported} orders imported so far…", progress=percent
    )


def _policies(store: Store) -> ChecklistItem:
    count = KnowledgeEntry.objects.filter(store=store, kind=KnowledgeKind.POLICY).count()
    title = "Import your store policies"
    link = reverse("dashboard:knowledge")
    if count:
        return ChecklistItem("policies", title, True, f"{count} policies imported.", link, "Review")
    detail = "Add refund and shipping policies in Shopify; Aftersale reads them from there."
    if store.platform == Platform.BIGCOMMERCE:
        detail = (
            "Add refund and shipping policy pages in BigCommerce (Storefront › Web Pages); "
            "Aftersale reads them from there."
        )
    return ChecklistItem("policies", title, False, detail, link, "Open knowledge base")


def _widget(store: Store) -> ChecklistItem:
    title = "Turn on the chat widget in your theme"
    done = OnboardingMark.objects.filter(store=store, step=OnboardingStep.WIDGET_ENABLED).exists()
    if store.platform == Platform.SHOPIFY:
        detail = "Open the theme editor, switch on the Aftersale chat app embed and save."
        return ChecklistItem(
            "widget", title, done, detail, theme_editor_link(store), "Open theme editor", "_top"
        )
    if store.platform == Platform.BIGCOMMERCE:
        # The install adds the chat to every storefront page (Scripts API): look at it.
        detail = "Aftersale added the chat to your storefront. Open it to see the widget."
        return ChecklistItem(
            "widget", title, done, detail, f"https://{store.domain}", "Open storefront", "_blank"
        )
    # The demo storefront page embeds the widget itself: it is live, nothing to switch on.
    detail = "The widget is live on the demo storefront."
    link = reverse("chat:demo")
    return ChecklistItem("widget", title, True, detail, link, "Open storefront", "_blank")


def _test_conversation(store: Store) -> ChecklistItem:
    title = "Send a test conversation"
    if Conversation.objects.filter(store=store).exists():
        return ChecklistItem("conversation", title, True, "Aftersale has answered a conversation.")
    if store.platform in (Platform.SHOPIFY, Platform.BIGCOMMERCE):
        link, label = f"https://{store.domain}", "Open your storefront"
    else:
        link, label = reverse("chat:demo"), "Open storefront"
    detail = "Ask the widget on your storefront “where is my order?”."
    return ChecklistItem("conversation", title, False, detail, link, label, "_blank")


def _plan(store: Store) -> ChecklistItem:
    title = "Choose a plan"
    link = reverse("dashboard:home") + "billing/"
    if store.platform == Platform.DEMO:
        # As Billing says: the demo store is never billed and has every Growth feature.
        detail = "The demo store has every Growth feature and is never billed."
        return ChecklistItem("plan", title, True, detail, link, "See plans")
    if store_has_active_plan(store):
        return ChecklistItem("plan", title, True, "Your plan is active.", link, "Manage plan")
    detail = "Start a free trial; you pay only for conversations Aftersale resolves."
    return ChecklistItem("plan", title, False, detail, link, "Choose a plan")
