"""Roll up past days of analytics from the source rows (idempotent).

    python manage.py analytics_rollups --days 730 [--store shop.myshopify.com]

Run once after deploying the rollups onto existing data; beat keeps them current after.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.dashboard.analytics.rollups import local_today, rollup_refresh
from apps.stores.models import Store


class Command(BaseCommand):
    help = "Recompute the daily analytics rollups of the last N days from the source rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=2, help="How many past days (default 2).")
        parser.add_argument("--store", default="", help="Only this store's domain.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 1 <= days <= 3660:
            raise CommandError("--days must be between 1 and 3660")
        stores = Store.objects.select_related("settings").order_by("pk")
        if options["store"]:
            stores = stores.filter(domain=options["store"])
            if not stores.exists():
                raise CommandError(f"no store {options['store']!r}")
        for store in stores.iterator():
            now = timezone.now()
            today = local_today(store, now)
            written = rollup_refresh(store, today - timedelta(days=days), today, now=now)
            self.stdout.write(f"{store.domain}: {written} day(s) rolled up")
