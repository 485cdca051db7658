"""Integrations: connect, test and disconnect each provider the product supports."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from apps.billing.plans import plan_feature_for
from apps.billing.selectors import plan_allows
from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.integrations import CredentialForm
from apps.dashboard.rendering import render_page
from apps.dashboard.selectors.integrations import (
    IntegrationCard,
    integration_card,
    integration_cards,
)
from apps.dashboard.services.integrations import (
    integration_check_request,
    integration_connect,
    integration_disconnect,
)
from apps.dashboard.views.common import FORM_ERRORS, actor, partial
from apps.integrations.connections.base import KIND_LABELS, ProviderSpec
from apps.integrations.connections.registry import connectable, provider
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import IntegrationCredential

CARD = "dashboard/partials/integration_card.html"


@dashboard_view
@require_GET
def integrations_page(request: EmbeddedRequest) -> HttpResponse:
    cards = integration_cards(request.store)
    groups = [
        {"label": label, "cards": [c for c in cards if c.spec.kind == kind]}
        for kind, label in KIND_LABELS.items()
    ]
    # The page explains the "coming soon" badge only while some card carries it.
    any_coming_soon = any(not c.connectable and not c.configured for c in cards)
    return render_page(
        request,
        "dashboard/integrations.html",
        {"groups": groups, "any_coming_soon": any_coming_soon},
        nav="integrations",
    )


@dashboard_view
@require_GET
def card(request: EmbeddedRequest, key: str) -> HttpResponse:
    """The provider's card as it stands (polled while a check runs; the form's Cancel)."""
    return _card(request, integration_card(request.store, _spec(key)))


@dashboard_view
@require_GET
def credential_form(request: EmbeddedRequest, key: str) -> HttpResponse:
    state = integration_card(request.store, _connectable_spec(key))
    form = CredentialForm(initial=state.public_values, spec=state.spec, configured=state.configured)
    return _card(request, state, form=form)


@dashboard_view
@require_POST
def connect(request: EmbeddedRequest, key: str) -> HttpResponse:
    spec = _connectable_spec(key)
    state = integration_card(request.store, spec)
    form = CredentialForm(
        request.POST, spec=spec, configured=state.configured, stored=state.public_values
    )
    feature = plan_feature_for(spec)
    if feature is not None and not plan_allows(request.store, feature):
        form.is_valid()
        form.add_error(
            None,
            f"Your plan does not include {spec.name}. Choose the Growth plan on the "
            "Billing page to connect it.",
        )
        return _card(request, state, form=form, status=403)
    if not form.is_valid():
        return _card(request, state, form=form, status=FORM_ERRORS)
    integration_connect(
        store=request.store, actor=actor(request), spec=spec, values=form.cleaned_data
    )
    return _card(
        request, integration_card(request.store, spec), toast=f"{spec.name} saved; checking…"
    )


@dashboard_view
@require_POST
def disconnect(request: EmbeddedRequest, key: str) -> HttpResponse:
    spec = _spec(key)
    integration_disconnect(store=request.store, actor=actor(request), spec=spec)
    return _card(request, integration_card(request.store, spec), toast=f"{spec.name} disconnected")


@dashboard_view
@require_POST
def test_connection(request: EmbeddedRequest, key: str) -> HttpResponse:
    spec = _connectable_spec(key)
    try:
        integration_check_request(store=request.store, spec=spec)
    except IntegrationCredential.DoesNotExist:
        raise Http404("not connected") from None
    return _card(request, integration_card(request.store, spec))


def _spec(key: str) -> ProviderSpec:
    spec = provider(key)
    if spec is None:
        raise Http404("unknown provider")
    return spec


def _connectable_spec(key: str) -> ProviderSpec:
    """A provider that is still coming soon cannot be set up (disconnecting stays possible)."""
    spec = _spec(key)
    if not connectable(spec):
        raise Http404("not available yet")
    return spec


def _card(
    request: EmbeddedRequest,
    state: IntegrationCard,
    *,
    form: CredentialForm | None = None,
    status: int = 200,
    toast: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {"card": state, "form": form}
    return partial(request, CARD, context, status=status, toast=toast)
