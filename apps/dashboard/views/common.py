"""Helpers the dashboard views share."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django_htmx.http import trigger_client_event

from apps.dashboard.rendering import base_context
from apps.shopify_app.embedded import EmbeddedRequest

# Form errors are answered 422; the page's htmx config swaps them in like a success.
FORM_ERRORS = 422


def actor(request: EmbeddedRequest) -> str:
    """Who is acting: the Shopify staff user of the session token (`sub`)."""
    return request.shopify_session.user_id


def partial(
    request: EmbeddedRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    toast: str = "",
) -> HttpResponse:
    """An htmx fragment, optionally with a toast for the merchant."""
    response = render(request, template, {**base_context(request), **context}, status=status)
    if toast:
        trigger_client_event(response, "dashboard:toast", {"message": toast})
    return response


def target_is(request: EmbeddedRequest, element_id: str) -> bool:
    """Whether htmx asked for just `element_id` (history restores get the whole page)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return bool(htmx.target == element_id and not htmx.history_restore_request)
