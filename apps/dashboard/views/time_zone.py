"""The store's time zone on the settings page: see it, change it."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.time_zone import TimeZoneForm
from apps.dashboard.views.common import FORM_ERRORS, partial
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import Store
from apps.stores.time_zones import store_time_zone_choose

TEMPLATE = "dashboard/partials/time_zone_form.html"


def time_zone_context(store: Store, form: TimeZoneForm | None = None) -> dict[str, object]:
    """What the time zone card shows: the form, and the zone Shopify reported."""
    return {
        "time_zone_form": form or TimeZoneForm(initial={"timezone": store.timezone}),
        "platform_timezone": store.platform_timezone,
    }


@dashboard_view
@require_POST
def settings_time_zone(request: EmbeddedRequest) -> HttpResponse:
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return partial(
            request, TEMPLATE, time_zone_context(request.store, form), status=FORM_ERRORS
        )
    changed = store_time_zone_choose(request.store, form.cleaned_data["timezone"])
    context = {**time_zone_context(request.store, form), "saved": changed, "unchanged": not changed}
    return partial(
        request, TEMPLATE, context, toast="Time zone saved" if changed else "Nothing to save"
    )
