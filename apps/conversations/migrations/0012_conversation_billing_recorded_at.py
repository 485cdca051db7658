# A nullable column without a default: PostgreSQL adds it without rewriting the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0011_action_label_return_idx"),
        ("orders", "0003_order_payment_references"),
        ("stores", "0007_team_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="billing_recorded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
