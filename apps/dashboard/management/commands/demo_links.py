"""`python manage.py demo_links`: the links a newcomer opens after `make demo`.

Prints the demo storefront URL and a dashboard URL carrying a short-lived session token
minted for the demo store only (see apps.dashboard.demo.tokens). Refuses with DEBUG off.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from apps.dashboard.demo.samples import demo_conversations_ensure
from apps.dashboard.demo.tokens import DEMO_TOKEN_MINUTES, DemoTokenError, mint_demo_token
from apps.integrations.commerce.demo.data import DEMO_DOMAIN
from apps.stores.models import Platform, Store, StoreStatus


class Command(BaseCommand):
    help = "Print the demo storefront URL and a short-lived dashboard URL for the demo store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="localhost", help="host the server answers on")
        parser.add_argument("--port", type=int, default=8000, help="port the server answers on")
        parser.add_argument("--minutes", type=int, default=DEMO_TOKEN_MINUTES)
        parser.add_argument(
            "--no-samples",
            action="store_true",
            help="do not create the sample conversations in an empty demo store",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo links exist only with DEBUG on (run: make demo-link).")
        store = Store.objects.filter(
            platform=Platform.DEMO, domain=DEMO_DOMAIN, status=StoreStatus.INSTALLED
        ).first()
        if store is None:
            raise CommandError("No demo store yet: run `make demo` first.")
        if not options["no_samples"]:
            created = demo_conversations_ensure(store)
            if created:
                self.stdout.write(f"Added {created} sample conversations to the demo store.")
        try:
            token = mint_demo_token(store, minutes=options["minutes"])
        except DemoTokenError as exc:
            raise CommandError(str(exc)) from None
        base = f"http://{options['host']}:{options['port']}"
        dashboard = f"{base}{reverse('dashboard:home')}?{urlencode({'id_token': token})}"
        self.stdout.write(self.style.SUCCESS(f"Aftersale demo: {store.name} ({store.domain})"))
        self.stdout.write(f"  Storefront with the chat widget: {base}{reverse('chat:demo')}")
        self.stdout.write(
            f"  Merchant dashboard (link valid {options['minutes']} minutes; "
            f"run `make demo-link` for a new one; while DEBUG is on, reloading "
            f"{base}{reverse('dashboard:home')} works too):"
        )
        self.stdout.write(f"  {dashboard}")
