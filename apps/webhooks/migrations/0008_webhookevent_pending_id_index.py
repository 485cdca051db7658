"""The pending sweep's index, in id order, built without locking the webhook inbox
(docs/migrations.md)."""

from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("stores", "0007_team_hours"),
        ("webhooks", "0007_alter_webhookevent_provider"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="webhookevent",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["id"],
                name="webhookevent_pending_id",
            ),
        ),
    ]
