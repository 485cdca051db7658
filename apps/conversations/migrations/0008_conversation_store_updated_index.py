"""The inbox poll's index, built without locking the conversations (docs/migrations.md)."""

from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("conversations", "0007_inbound_sms"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="conversation",
            index=models.Index(fields=["store", "updated_at"], name="conversation_store_updated"),
        ),
    ]
