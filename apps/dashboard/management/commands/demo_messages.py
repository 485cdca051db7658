"""`python manage.py demo_messages`: one email and one SMS into the demo store, answered by the
agent and "sent" by the console provider; prints what would have gone out (DEBUG only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.dashboard.demo.messaging import demo_messaging_ensure
from apps.dashboard.demo.samples import demo_conversations_ensure
from apps.integrations.commerce.demo import data
from apps.integrations.messaging.console.sender import FILE_NAME
from apps.stores.models import Platform, Store


class Command(BaseCommand):
    help = "Answer a sample email and SMS in the demo store through the console provider."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_messages writes sample conversations: DEBUG only.")
        store = Store.objects.filter(platform=Platform.DEMO, domain=data.DEMO_DOMAIN).first()
        if store is None:
            raise CommandError("No demo store: run `manage.py seed_demo` first.")
        demo_conversations_ensure(store)  # the web samples first: they are made only once
        demo_messaging_ensure(store)
        path = Path(settings.MESSAGING_CONSOLE_DIR) / FILE_NAME
        self.stdout.write(
            self.style.SUCCESS(f"Email and SMS samples answered; what would be sent: {path}")
        )
