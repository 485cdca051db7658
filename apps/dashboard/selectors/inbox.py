"""The inbox: a store's conversations with filters, a page at a time, in a fixed number
of queries whatever the page size (everything a row shows is annotated, not looked up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Left
from django.utils import timezone
from django.utils.functional import cached_property

from apps.conversations.models import ActionStatus, AgentAction, Conversation, Message
from apps.stores.models import Store

PAGE_SIZE = 25
COUNT_CAP = 10_000
PREVIEW_CHARS = 140


@dataclass(frozen=True)
class InboxFilters:
    status: str = ""
    intent: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None
    needs_approval: bool = False


def _awaiting(conversation: OuterRef) -> QuerySet[AgentAction]:
    return AgentAction.objects.filter(
        conversation=conversation, status=ActionStatus.AWAITING_APPROVAL
    )


def conversations_filtered(store: Store, filters: InboxFilters) -> QuerySet[Conversation]:
    """The store's conversations matching `filters`, newest first, with row annotations."""
    return _annotated(_matching(store, filters)).order_by("-created_at", "-id")


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
        rows = rows.filter(Exists(_awaiting(OuterRef("pk"))))
    return rows


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


def awaiting_approval_count(store: Store) -> int:
    return AgentAction.objects.filter(store=store, status=ActionStatus.AWAITING_APPROVAL).count()


def _day_start(day: date, *, after: bool = False) -> datetime:
    if after:
        day = date.fromordinal(day.toordinal() + 1)
    return timezone.make_aware(datetime.combine(day, time.min))
