"""The bulk backfill's position moves out of the `cursor` text ("bulk:" + JSON) into real
columns, so the compare-and-set that keeps two workers from both writing compares columns,
not a serialised string whose key order had to stay the same forever."""

import json

from django.db import migrations, models

_PREFIX = "bulk:"


def _legacy_position(cursor: str) -> tuple[str, int, int]:
    """(operation id, lines, offset) of a "bulk:" cursor; a mangled one starts a new
    operation, as the code that wrote it did (upserts make repeats harmless)."""
    try:
        payload = json.loads(cursor[len(_PREFIX) :])
        return (
            str(payload.get("operation") or ""),
            max(0, int(payload.get("lines") or 0)),
            max(0, int(payload.get("offset") or 0)),
        )
    except (ValueError, TypeError, AttributeError):
        return "", 0, 0


def split_cursors(apps, schema_editor):  # type: ignore[no-untyped-def]
    OrderSync = apps.get_model("orders", "OrderSync")
    for sync in OrderSync.objects.filter(cursor__startswith=_PREFIX).iterator():
        operation, lines, offset = _legacy_position(sync.cursor)
        OrderSync.objects.filter(pk=sync.pk).update(
            mode="bulk",
            bulk_operation_id=operation[:100],
            bulk_lines=lines,
            bulk_offset=offset,
            cursor="",
        )


def join_cursors(apps, schema_editor):  # type: ignore[no-untyped-def]
    OrderSync = apps.get_model("orders", "OrderSync")
    for sync in OrderSync.objects.filter(mode="bulk").iterator():
        payload = {
            "operation": sync.bulk_operation_id,
            "lines": sync.bulk_lines,
            "offset": sync.bulk_offset,
        }
        cursor = _PREFIX + json.dumps(payload, separators=(",", ":"))
        OrderSync.objects.filter(pk=sync.pk).update(cursor=cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ordersync",
            name="mode",
            field=models.CharField(
                choices=[("pages", "Pages"), ("bulk", "Bulk operation")],
                default="pages",
                max_length=5,
            ),
        ),
        migrations.AddField(
            model_name="ordersync",
            name="bulk_operation_id",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="ordersync",
            name="bulk_lines",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="ordersync",
            name="bulk_offset",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(split_cursors, join_cursors, elidable=False),
    ]
