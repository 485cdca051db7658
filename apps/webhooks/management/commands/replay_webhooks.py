"""manage.py replay_webhooks: reset matching events to pending and enqueue them again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.shopify_app.security import InvalidShopDomain, normalise_shop_domain
from apps.webhooks.maintenance import replay_queryset, webhook_events_replay
from apps.webhooks.models import WebhookStatus

_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
REPLAYABLE = [s.value for s in WebhookStatus if s != WebhookStatus.PROCESSING]


def parse_since(value: str) -> datetime:
    """`30m`, `6h`, `2d` ago, or an ISO 8601 date/datetime (naive = UTC)."""
    relative = _RELATIVE.fullmatch(value.strip())
    if relative:
        amount, unit = relative.groups()
        return timezone.now() - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise CommandError(f"--since: expected 30m/6h/2d or an ISO date, got {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Reset webhook events to pending (fresh attempt budget) and enqueue them. "
        "Events being processed are never touched; handlers are idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status", action="append", choices=REPLAYABLE,
            help="Status to replay (repeatable). Default: failed.",
        )  # fmt: skip
        parser.add_argument("--store", default="", help="Shop domain, e.g. x.myshopify.com.")
        parser.add_argument("--topic", default="", help="Topic, e.g. orders/updated.")
        parser.add_argument("--since", default="", help="Received since: 30m, 6h, 2d or ISO.")
        parser.add_argument("--dry-run", action="store_true", help="Only count the matches.")

    def handle(self, *args: Any, **options: Any) -> None:
        domain = ""
        if options["store"]:
            try:
                domain = normalise_shop_domain(options["store"])
            except InvalidShopDomain as exc:
                raise CommandError(f"--store: {exc}") from exc
        events = replay_queryset(
            statuses=options["status"] or [WebhookStatus.FAILED.value],
            store_domain=domain,
            topic=options["topic"].strip().lower(),
            since=parse_since(options["since"]) if options["since"] else None,
        )
        if options["dry_run"]:
            self.stdout.write(f"{events.count()} event(s) would be replayed.")
            return
        count = webhook_events_replay(events)
        self.stdout.write(self.style.SUCCESS(f"{count} event(s) reset to pending and enqueued."))
