"""`python manage.py seed_demo`: create or reset the demo store and show how to try it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from apps.integrations.commerce.demo import data
from apps.integrations.commerce.demo.seed import seed_counts, seed_demo_store


class Command(BaseCommand):
    help = "Create the demo store (platform demo) or reset it to its canonical data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--domain", default=data.DEMO_DOMAIN, help="the demo store's domain")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        started = time.perf_counter()
        store = seed_demo_store(domain=options["domain"], now=now)
        elapsed_ms = (time.perf_counter() - started) * 1000
        counts = seed_counts(store)
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo store {store.domain} ({store.name}, platform {store.platform}) "
                f"is ready in {elapsed_ms:.0f} ms."
            )
        )
        out.write(
            f"  {counts.products} products ({counts.variants} variants), {counts.orders} orders, "
            f"{counts.policies} policies, {counts.faq} FAQ entries"
        )
        out.write("Customers (an order number with its email or phone proves who you are):")
        for customer in data.CUSTOMERS:
            numbers = " ".join(data.order_numbers_of(customer, now))
            out.write(f"  {customer.name:<12} {customer.email:<18} {customer.phone:<17} {numbers}")
        out.write(
            f"Try: DEBUG=1 .venv/bin/python manage.py chat --store {store.domain} --customer-email "
            f'{data.JANE.email} "Where is my order #1001?"'
        )
