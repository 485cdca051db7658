"""The lost-label sweep's index of recorded returns (apps.agent.return_sweep), built without
locking the actions table (docs/migrations.md)."""

from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("conversations", "0009_email_thread"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="agentaction",
            index=models.Index(
                condition=models.Q(("kind", "create_return"), ("status", "executed")),
                fields=["store", "executed_at"],
                name="action_return_recorded_idx",
            ),
        ),
    ]
