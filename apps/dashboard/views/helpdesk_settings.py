"""Settings → Helpdesk & team hours: a fragment the settings page loads and saves."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.helpdesk import HELPDESK_FIELDS, HelpdeskSettingsForm
from apps.dashboard.services.helpdesk_settings import helpdesk_settings_update
from apps.dashboard.views.common import FORM_ERRORS, actor, partial
from apps.helpdesk.assignees import Choice, assignees_listed
from apps.helpdesk.preferences import helpdesk_settings
from apps.helpdesk.sync import connected_helpdesks
from apps.helpdesk.tasks import enqueue_assignees_refresh
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.services import store_settings

TEMPLATE = "dashboard/partials/helpdesk_settings_form.html"


@dashboard_view
@require_http_methods(["GET", "POST"])
def helpdesk_settings_form(request: EmbeddedRequest) -> HttpResponse:
    assignees = _assignees(request)
    if request.method == "GET":
        form = HelpdeskSettingsForm(initial=_initial(request), assignees=assignees)
        return partial(request, TEMPLATE, {"form": form})
    form = HelpdeskSettingsForm(request.POST, assignees=assignees)
    if not form.is_valid():
        return partial(request, TEMPLATE, {"form": form}, status=FORM_ERRORS)
    changed = helpdesk_settings_update(
        store=request.store, actor=actor(request), values=form.cleaned_data
    )
    context = {"form": form, "saved": changed, "unchanged": not changed}
    return partial(
        request, TEMPLATE, context, toast="Settings saved" if changed else "Nothing to save"
    )


def _assignees(request: EmbeddedRequest) -> list[Choice] | None:
    """The helpdesks' people and teams as last listed; a listing is asked for (in a task)
    when there is none, so the next load offers them."""
    listed = assignees_listed(request.store.pk)
    if listed is None and connected_helpdesks(request.store):
        enqueue_assignees_refresh(request.store.pk)
    return listed


def _initial(request: EmbeddedRequest) -> dict[str, Any]:
    prefs = helpdesk_settings(request.store.pk)
    rules = store_settings(request.store)
    initial: dict[str, Any] = {name: getattr(prefs, name) for name in HELPDESK_FIELDS}
    initial["tags"] = ", ".join(prefs.tags or [])
    initial["team_days"] = list(rules.team_days)
    initial["team_opens_at"] = rules.team_opens_at.strftime("%H:%M")
    initial["team_closes_at"] = rules.team_closes_at.strftime("%H:%M")
    return initial
