"""BigCommerce's browser callbacks into the dashboard: /bigcommerce/auth (install),
/bigcommerce/load (open the app) and /bigcommerce/remove_user.

Each verifies what BigCommerce sent (the code, by exchanging it; the signed payload, by
apps.bigcommerce_app.signed_payload), then starts our own store session for that store and
that user (store_session) and sends the control-panel iframe to the dashboard with it. The
store comes from the verified claims only: nothing in the URL chooses it.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from apps.bigcommerce_app.install import complete_install, store_for_payload
from apps.bigcommerce_app.oauth import InstallError
from apps.bigcommerce_app.signed_payload import SignedPayloadError, verify_signed_payload
from apps.dashboard.store_session import (
    end_store_sessions,
    entry_url,
    frame_ancestors_for,
    start_store_session,
)
from apps.shopify_app.responses import error_page
from apps.stores.models import Store

logger = logging.getLogger(__name__)


@require_GET
def auth(request: HttpRequest) -> HttpResponse:
    try:
        store, user_id = complete_install(
            code=request.GET.get("code", ""),
            scope=request.GET.get("scope", ""),
            context=request.GET.get("context", ""),
        )
    except InstallError as exc:
        logger.info("bigcommerce install refused: %s", exc)
        return _refused(request, 400, "Aftersale could not be installed", str(exc))
    return _open(request, store, user_id or "owner")


@require_GET
def load(request: HttpRequest) -> HttpResponse:
    try:
        payload = verify_signed_payload(request.GET.get("signed_payload_jwt", ""))
    except SignedPayloadError as exc:
        logger.info("bigcommerce load refused: %s", exc)
        return _refused(
            request,
            401,
            "Please open Aftersale again",
            "This link has expired or was already used. Open Aftersale again from your "
            "BigCommerce control panel.",
        )
    store = store_for_payload(payload)
    if store is None:
        return _refused(
            request,
            403,
            "Aftersale is not installed on this store",
            "Install Aftersale from the BigCommerce App Marketplace, then open it again.",
        )
    return _open(request, store, payload.user_id)


@require_GET
def remove_user(request: HttpRequest) -> HttpResponse:
    """A user lost access to the app: no session of this store outlives that (the others
    open the app again)."""
    try:
        payload = verify_signed_payload(request.GET.get("signed_payload_jwt", ""))
    except SignedPayloadError as exc:
        logger.info("bigcommerce remove_user refused: %s", exc)
        return HttpResponse(status=401)
    store = store_for_payload(payload)
    if store is not None:
        end_store_sessions(store)
    return HttpResponse(status=204)


def _open(request: HttpRequest, store: Store, user_id: str) -> HttpResponse:
    token = start_store_session(request, None, store, user_id=user_id)
    response = HttpResponseRedirect(entry_url(token))
    response["Cache-Control"] = "no-store"
    # The next URL carries the token: it must not leak to another site as a referrer.
    response["Referrer-Policy"] = "no-referrer"
    response.xframe_options_exempt = True
    response["Content-Security-Policy"] = f"frame-ancestors {frame_ancestors_for(store)};"
    return response


def _refused(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return error_page(request, status=status, title=title, message=message)
