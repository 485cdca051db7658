"""Mark the conversations that already have a ledger row (billing_recorded_at), for the
window the charge sweep still looks at; older ones are outside its range anyway.

In small batches, each its own transaction: conversations are written by the chat, and a
batch holds its row locks only for a moment.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

# LOOKBACK of billing.usage, plus a day of slack.
WINDOW = timedelta(days=15)
BATCH = 1000


def mark(apps, schema_editor):
    ledger = apps.get_model("billing", "BillingLedgerEntry")
    conversation = apps.get_model("conversations", "Conversation")
    recent = ledger.objects.filter(
        resolved_at__gte=timezone.now() - WINDOW, conversation__isnull=False
    ).order_by("pk")
    after = 0
    while batch := list(
        recent.filter(pk__gt=after).values_list("pk", "conversation_id", "created_at")[:BATCH]
    ):
        for _, conversation_id, recorded_at in batch:
            conversation.objects.filter(
                pk=conversation_id, billing_recorded_at__isnull=True
            ).update(billing_recorded_at=recorded_at)
        after = batch[-1][0]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("billing", "0001_initial"),
        ("conversations", "0012_conversation_billing_recorded_at"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
