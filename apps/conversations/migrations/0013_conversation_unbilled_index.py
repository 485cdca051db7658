"""The billing charge sweep's index, built without locking the conversations
(docs/migrations.md)."""

import django.db.models.functions.comparison
from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("conversations", "0012_conversation_billing_recorded_at"),
        # Built after the recent ledger rows are marked, so they are left out of it.
        ("billing", "0002_mark_recent_billed_conversations"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="conversation",
            index=models.Index(
                models.F("store"),
                django.db.models.functions.comparison.Coalesce(
                    "resolved_at", "last_message_at", "created_at"
                ),
                models.F("id"),
                condition=models.Q(("billing_recorded_at__isnull", True)),
                name="conversation_unbilled",
            ),
        ),
    ]
