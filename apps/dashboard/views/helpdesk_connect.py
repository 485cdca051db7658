"""Integrations → a helpdesk: its live state (connected as whom, webhooks, last sync,
failures with a retry) and connecting it with the provider's OAuth."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.billing.plans import plan_feature_for
from apps.billing.selectors import plan_allows
from apps.dashboard.auth import dashboard_view
from apps.dashboard.selectors.helpdesk import HelpdeskState, helpdesk_state
from apps.dashboard.selectors.integrations import integration_card
from apps.dashboard.services.helpdesk_connect import (
    NONCE_COOKIE,
    START_MAX_AGE,
    OAuthRefused,
    helpdesk_failed_retry,
    oauth_callback_attempt,
    oauth_code_store,
    oauth_start_token,
    oauth_state_from_start,
)
from apps.dashboard.views.common import FORM_ERRORS, partial
from apps.helpdesk.tokens import redirect_uri
from apps.integrations.connections.base import ProviderKind, ProviderSpec
from apps.integrations.connections.registry import connectable, provider
from apps.integrations.helpdesk import oauth
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import IntegrationCredential

PANEL = "dashboard/partials/helpdesk_panel.html"


def _helpdesk(key: str) -> ProviderSpec:
    spec = provider(key)
    if spec is None or spec.kind != ProviderKind.HELPDESK or not connectable(spec):
        raise Http404("no such helpdesk")
    return spec


@dashboard_view
@require_GET
def panel(request: EmbeddedRequest, key: str) -> HttpResponse:
    state = helpdesk_state(request.store, _helpdesk(key))
    return partial(request, PANEL, {"state": state, "rows": _rows(state, {}, {})})


@dashboard_view
@require_POST
def retry(request: EmbeddedRequest, key: str) -> HttpResponse:
    spec = _helpdesk(key)
    count = helpdesk_failed_retry(store=request.store, provider=spec.key)
    state = helpdesk_state(request.store, spec)
    context = {"state": state, "rows": _rows(state, {}, {})}
    return partial(request, PANEL, context, toast=f"{count} message(s) sent again")


@dashboard_view
@require_POST
def oauth_start(request: EmbeddedRequest, key: str) -> HttpResponse:
    spec = _helpdesk(key)
    state = helpdesk_state(request.store, spec)
    if not oauth.available(spec.key):
        raise Http404("no OAuth app for this helpdesk")
    feature = plan_feature_for(spec)
    errors: dict[str, str] = {}
    if feature is not None and not plan_allows(request.store, feature):
        errors["plan"] = f"Your plan does not include {spec.name}. Choose the Growth plan."
    fields = {f.name: str(request.POST.get(f.name, "")).strip() for f in state.oauth_fields}
    errors.update({f.name: p for f in state.oauth_fields if (p := f.problem(fields[f.name]))})
    context = {"state": state, "rows": _rows(state, fields, errors), "errors": errors}
    if errors:
        return partial(request, PANEL, context, status=FORM_ERRORS)
    token = oauth_start_token(store=request.store, spec=spec, fields=fields)
    go = f"{reverse('dashboard:helpdesk-oauth-go', args=[spec.key])}?t={token}"
    since = int(timezone.now().timestamp())
    return partial(request, PANEL, {**context, "go": go, "since": since})


@dashboard_view
@require_GET
def wait(request: EmbeddedRequest, key: str) -> HttpResponse:
    """Polled while the merchant is away authorising: nothing (204) until the authorisation
    came back, then the provider's whole card (which follows the connection from there)."""
    spec = _helpdesk(key)
    since = str(request.GET.get("since", ""))
    started = datetime.fromtimestamp(int(since), UTC) if since.isdigit() else timezone.now()
    back = IntegrationCredential.objects.filter(
        store=request.store, provider=spec.key, connected_at__isnull=False, updated_at__gte=started
    ).exists()
    if not back:
        return HttpResponse(status=204)
    context = {"card": integration_card(request.store, spec), "form": None}
    return partial(request, "dashboard/partials/integration_card.html", context)


@require_GET
def oauth_go(request: HttpRequest, key: str) -> HttpResponse:
    """The start link, opened in a window of its own: bind the attempt to this browser,
    then off to the provider's consent page."""
    spec = _helpdesk(key)
    try:
        attempt, state = oauth_state_from_start(str(request.GET.get("t", "")), spec.key)
    except OAuthRefused as exc:
        return _done(request, spec, error=str(exc), status=400)
    url = oauth.authorize_url(
        spec.key, attempt.fields, state=state, redirect_uri=redirect_uri(spec.key)
    )
    response = HttpResponseRedirect(url)
    response.set_cookie(
        NONCE_COOKIE,
        attempt.nonce,
        max_age=START_MAX_AGE + 900,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",  # sent on the provider's redirect back (a top-level GET)
        path=f"/app/helpdesk/oauth/{spec.key}/",
    )
    return response


@require_GET
def oauth_callback(request: HttpRequest, key: str) -> HttpResponse:
    spec = _helpdesk(key)
    if request.GET.get("error"):
        return _done(request, spec, error=f"{spec.name} did not authorise Aftersale.", status=400)
    try:
        attempt = oauth_callback_attempt(
            str(request.GET.get("state", "")), spec.key, request.COOKIES.get(NONCE_COOKIE, "")
        )
        oauth_code_store(attempt=attempt, spec=spec, code=str(request.GET.get("code", "")))
    except OAuthRefused as exc:
        return _done(request, spec, error=str(exc), status=400)
    response = _done(request, spec)
    response.delete_cookie(NONCE_COOKIE, path=f"/app/helpdesk/oauth/{spec.key}/")
    return response


def _rows(
    state: HelpdeskState, values: dict[str, str], errors: dict[str, str]
) -> list[dict[str, object]]:
    return [
        {"field": f, "value": values.get(f.name, ""), "error": errors.get(f.name, "")}
        for f in state.oauth_fields
    ]


def _done(
    request: HttpRequest, spec: ProviderSpec, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {"spec": spec, "error": error}
    return render(request, "dashboard/helpdesk_oauth_done.html", context, status=status)
