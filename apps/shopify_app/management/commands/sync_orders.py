"""`python manage.py sync_orders --store DOMAIN [--restart]`: run or continue a store's
order backfill in this process, with a plain-text progress bar."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.integrations.commerce.base import CommerceError
from apps.integrations.commerce.shopify.backfill import backfill_reset, backfill_run
from apps.orders.models import OrderSync
from apps.shopify_app.security import normalise_shop_domain
from apps.stores.models import Platform, Store

BAR_WIDTH = 30


def progress_line(sync: OrderSync) -> str:
    """`[#########.....................]  300/1000 orders  30%  running  (4210 points)`."""
    total = sync.total_estimate or 0
    done = sync.imported
    share = min(1.0, done / total) if total else (1.0 if sync.status == "done" else 0.0)
    filled = int(round(share * BAR_WIDTH))
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    of_total = f"{done}/{total}" if total else f"{done}"
    return (
        f"[{bar}] {of_total} orders {int(share * 100):3d}%  {sync.status}"
        f"  ({sync.points_used} points)"
    )


class Command(BaseCommand):
    help = "Import (or continue importing) a Shopify store's recent orders into the snapshot."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the shop's myshopify.com domain")
        parser.add_argument("--restart", action="store_true", help="start over from page one")
        parser.add_argument("--days", type=int, default=None, help="window (with --restart)")

    def handle(self, *args: Any, **options: Any) -> None:
        domain = normalise_shop_domain(options["store"])
        store = Store.objects.filter(platform=Platform.SHOPIFY, domain=domain or "").first()
        if store is None:
            raise CommandError(f"No Shopify store {options['store']!r} here.")
        if options["restart"]:
            backfill_reset(store, window_days=options["days"])
        interactive = sys.stdout.isatty()

        def show(sync: OrderSync) -> None:
            line = progress_line(sync)
            if interactive:
                self.stdout.write("\r" + line, ending="")
            else:
                self.stdout.write(line)
            self.stdout.flush()

        try:
            sync = backfill_run(store, on_page=show)
        except CommerceError as exc:
            raise CommandError(f"Backfill stopped: {exc} (run again to continue)") from None
        if interactive:
            self.stdout.write("")
        self.stdout.write(progress_line(sync))
        self.stdout.write(self.style.SUCCESS(f"{store.domain}: {sync.status}"))
