from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.stores.services import secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = secrets_rotate()
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} row(s) re-encrypted")
        self.stdout.write(self.style.SUCCESS("done"))
