"""Settings: the agent (name, tone, greeting, widget, languages) and the policies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.views.decorators.http import require_POST, require_safe

from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.returns import ReturnSettingsForm, returns_form
from apps.dashboard.forms.settings import AgentSettingsForm, PolicySettingsForm
from apps.dashboard.rendering import render_page
from apps.dashboard.selectors.audit import recent_changes
from apps.dashboard.services.settings import store_settings_update
from apps.dashboard.views.common import FORM_ERRORS, actor, partial
from apps.dashboard.views.time_zone import time_zone_context
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import StoreSettings
from apps.stores.services import store_settings

AGENT_FIELDS = ("agent_name", "tone", "greeting", "widget_color", "languages")
POLICY_FIELDS = (
    "return_window_days",
    "refund_auto_approve_limit",
    "refund_currency",
    "cancellation_window_hours",
    "allow_address_changes",
    "final_sale_tags",
    "always_human_intents",
    "escalation_email",
)


def _initial(rules: StoreSettings, names: tuple[str, ...]) -> dict[str, Any]:
    initial = {name: getattr(rules, name) for name in names}
    if "final_sale_tags" in initial:
        initial["final_sale_tags"] = ", ".join(initial["final_sale_tags"] or [])
    return initial


@dashboard_view
@require_safe
def settings_page(request: EmbeddedRequest) -> HttpResponse:
    rules = store_settings(request.store)
    context = {
        "rules": rules,
        "agent_form": AgentSettingsForm(initial=_initial(rules, AGENT_FIELDS)),
        "policy_form": PolicySettingsForm(
            initial=_initial(rules, POLICY_FIELDS), store=request.store
        ),
        "returns_form": returns_form(rules),
        "changes": recent_changes(request.store),
        **time_zone_context(request.store),
    }
    return render_page(request, "dashboard/settings.html", context, nav="settings")


@dashboard_view
@require_POST
def settings_agent(request: EmbeddedRequest) -> HttpResponse:
    form = AgentSettingsForm(request.POST)
    return _save(request, form, "agent", "dashboard/partials/agent_form.html", "agent_form")


@dashboard_view
@require_POST
def settings_returns(request: EmbeddedRequest) -> HttpResponse:
    form = ReturnSettingsForm(request.POST)
    template = "dashboard/partials/returns_settings.html"
    return _save(request, form, "returns", template, "returns_form")


@dashboard_view
@require_POST
def settings_policies(request: EmbeddedRequest) -> HttpResponse:
    form = PolicySettingsForm(request.POST, store=request.store)
    return _save(request, form, "policies", "dashboard/partials/policy_form.html", "policy_form")


def _save(
    request: EmbeddedRequest, form: forms.Form, section: str, template: str, name: str
) -> HttpResponse:
    if not form.is_valid():
        context = {name: form, "changes": recent_changes(request.store)}
        return partial(request, template, context, status=FORM_ERRORS)
    change = store_settings_update(
        store=request.store, actor=actor(request), section=section, values=form.cleaned_data
    )
    context = {
        name: form,
        "saved": change.changed,
        "unchanged": not change.changed,
        "rules": store_settings(request.store),
        "changes": recent_changes(request.store),
    }
    toast = "Settings saved" if change.changed else "Nothing to save"
    return partial(request, template, context, toast=toast)
