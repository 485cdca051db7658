"""The store's time zone: where the merchant's day (analytics, their rollups) begins."""

from __future__ import annotations

from django import forms

from apps.stores.time_zones import known_zones


def _choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(known_zones())]


class TimeZoneForm(forms.Form):
    timezone = forms.ChoiceField(
        choices=_choices,
        label="Time zone",
        help_text=(
            "Analytics count each day from midnight to midnight here. Aftersale follows "
            "your Shopify time zone; a zone you pick here stays until Shopify's changes."
        ),
    )
