"""Label actions by the return they follow (parameters->>'return_action_id'), for the
lost-label sweep; built without locking the actions table (docs/migrations.md)."""

import django.db.models.fields.json
from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("conversations", "0010_action_return_recorded_idx"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="agentaction",
            index=models.Index(
                django.db.models.fields.json.KeyTextTransform("return_action_id", "parameters"),
                condition=models.Q(("kind", "return_label")),
                name="action_label_return_idx",
            ),
        ),
    ]
