"""The inbox: a store's conversations with filters, a page at a time, in a fixed number
of queries whatever the page size (everything a row shows is annotated, not looked up)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Left
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property

from apps.conversations.models import ActionStatus, AgentAction, Channel, Conversation, Message
from apps.integrations.commerce.base import normalise_email, normalise_phone, parse_order_number
from apps.orders.models import Order
from apps.stores.models import Store

PAGE_SIZE = 25
COUNT_CAP = 10_000
PREVIEW_CHARS = 140
MAX_PHONE_CANDIDATES = 500


@dataclass(frozen=True)
class InboxFilters:
    status: str = ""
    intent: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None
    needs_approval: bool = False
    # An email, a phone, an order number or a customer's name.
    search: str = ""


def _awaiting(conversation: OuterRef) -> QuerySet[AgentAction]:
    return AgentAction.objects.filter(
        conversation=conversation, status=ActionStatus.AWAITING_APPROVAL
    )


def conversations_filtered(store: Store, filters: InboxFilters) -> QuerySet[Conversation]:
    """The store's conversations matching `filters`, newest first, with row annotations."""
    rows = _annotated(_matching(store, filters)).select_related("order_in_focus")
    return rows.order_by("-created_at", "-id")


def _matching(store: Store, filters: InboxFilters) -> QuerySet[Conversation]:
    rows = Conversation.objects.filter(store=store)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.intent:
        rows = rows.filter(primary_intent=filters.intent)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.date_from:
        rows = rows.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(created_at__lt=_day_start(filters.date_to, after=True))
    if filters.needs_approval:
        # The store's own awaiting actions come off the (store, status) index; without the
        # store the planner reads that index's awaiting entries of every store.
        rows = rows.filter(Exists(_awaiting(OuterRef("pk")).filter(store=store)))
    if filters.search:
        rows = rows.filter(_search(store, filters.search))
    return rows


def _search(store: Store, search: str) -> Q:
    """Conversations whose verified customer matches `search`: the order in focus, or any
    order the agent looked up or acted on there (an action has an order only once the
    shopper proved they own it), and the sender's own address on SMS and email."""
    text = search.strip()
    orders = Order.objects.filter(store=store)
    if "@" in text:
        orders = orders.filter(email__iexact=normalise_email(text))
        sender = Q(channel=Channel.EMAIL, customer_email__iexact=normalise_email(text))
    elif (number := parse_order_number(text)) is not None and not _looks_like_phone(text):
        orders = orders.filter(number=number)
        sender = Q(pk__in=[])
    elif phone := normalise_phone(text):
        orders = orders.filter(pk__in=_orders_by_phone(orders, phone))
        sender = Q(channel=Channel.SMS, customer_phone__endswith=phone)
    else:
        orders = orders.filter(customer_name__icontains=text)
        sender = Q(pk__in=[])
    order_ids = orders.values("pk")
    acted_on = AgentAction.objects.filter(conversation=OuterRef("pk"), order__in=order_ids)
    return Q(order_in_focus__in=order_ids) | Exists(acted_on) | sender


def _orders_by_phone(orders: QuerySet[Order], phone: str) -> list[int]:
    """Phones are stored as the platform gave them ("+1 555 010 1234"): narrow by the last
    four digits in the database, then compare digits."""
    candidates = orders.filter(phone__endswith=phone[-4:]).values_list("pk", "phone")
    return [pk for pk, raw in candidates[:MAX_PHONE_CANDIDATES] if normalise_phone(raw) == phone]


def _looks_like_phone(text: str) -> bool:
    return len(re.sub(r"\D", "", text)) >= 7


def _annotated(rows: QuerySet[Conversation]) -> QuerySet[Conversation]:
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    awaiting = (
        _awaiting(OuterRef("pk"))
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    messages = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return rows.annotate(
        last_text=Subquery(last.values(short=Left("text", PREVIEW_CHARS))[:1]),
        last_role=Subquery(last.values("role")[:1]),
        awaiting_count=Coalesce(Subquery(awaiting, output_field=IntegerField()), Value(0)),
        message_count=Coalesce(Subquery(messages, output_field=IntegerField()), Value(0)),
    )


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: counting a big store's every conversation on each
    page view costs more than the page itself (a year of a big store: ~100 ms). Past the
    cap the inbox says "10,000+" and pages up to it; filters narrow further."""

    def __init__(self, rows: QuerySet[Conversation], matching: QuerySet[Conversation]) -> None:
        super().__init__(rows, PAGE_SIZE)
        self.matching = matching

    @cached_property
    def count(self) -> int:
        return int(self.matching.order_by().values("pk")[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def cap_text(self) -> str:
        return f"{COUNT_CAP:,}+"


def inbox_page(store: Store, filters: InboxFilters, page_number: str | int | None) -> Page:
    """One page of the filtered inbox (an out-of-range or bad number gives the nearest page)."""
    matching = _matching(store, filters)
    rows = _annotated(matching).order_by("-created_at", "-id")
    return CappedPaginator(rows, matching).get_page(page_number)


_VERSION_SQL = """
SELECT (SELECT max(updated_at) FROM {table} WHERE store_id = %(store)s),
       (SELECT count(*) FROM (SELECT 1 FROM {table} WHERE store_id = %(store)s LIMIT %(cap)s) c)
"""


def inbox_version(store: Store) -> str:
    """Changes whenever any of the store's conversations does (a message, a status, an
    action waiting or decided all touch the conversation), or one is erased: one query,
    served by the (store, updated_at) index whatever the store's size. Erasures are
    counted up to COUNT_CAP conversations (what the inbox shows); beyond that an erased
    conversation leaves the page at its next change or reload."""
    sql = _VERSION_SQL.format(table=Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"store": store.pk, "cap": COUNT_CAP + 1})
        latest_at, count = cursor.fetchone()
    if isinstance(latest_at, str):
        # SQLite (make demo) hands raw SQL's datetimes back as naive UTC text.
        latest_at = parse_datetime(latest_at)
        if latest_at is not None and timezone.is_naive(latest_at):
            latest_at = latest_at.replace(tzinfo=UTC)
    latest = latest_at.timestamp() if latest_at else 0.0
    return f"{count}.{latest:.6f}"


def awaiting_approval_count(store: Store) -> int:
    return AgentAction.objects.filter(store=store, status=ActionStatus.AWAITING_APPROVAL).count()


def _day_start(day: date, *, after: bool = False) -> datetime:
    if after:
        day = date.fromordinal(day.toordinal() + 1)
    return timezone.make_aware(datetime.combine(day, time.min))
